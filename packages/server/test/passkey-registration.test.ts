import { createHash } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  newUser,
  PASSKEY_CONFIG,
  RP_ORIGIN,
  register,
  SoftAuthenticator,
  setUpPasskeys,
  signedIn,
} from "./support/passkey-setup.js";
import { tableCounts } from "./support/row-counts.js";
import { claimsOf, StepUpCalls } from "./support/step-up-client.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const BEGIN = "/v1/session/me/passkeys/register/begin";
const FINISH = "/v1/session/me/passkeys/register/finish";

/**
 * Registration inside a session and the caller's own passkeys (docs/passkeys.md): the scope it
 * uses up, the attestation checks, single use of the ceremony, and nothing written on a refusal.
 */
describeEachDatabase("passkeys: registration and self-service", (dialect) => {
  let s: TestServer;
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    alice = await newUser(s, "alice@example.com");
    bob = await newUser(s, "bob@example.com");
  });
  afterAll(() => s.close());

  const rows = async () => {
    const all = await tableCounts(s);
    return { passkey_credentials: all.passkey_credentials ?? 0, outbox: all.outbox_events ?? 0 };
  };

  it("answers not_configured before the app has a passkey config", async () => {
    const c = await signedIn(s, alice);
    const res = await c.authed("POST", BEGIN, {});
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("not_configured");
    await setUpPasskeys(s);
  });

  it("registers a passkey: creation options for the user, the credential stored, the scope used up, the event recorded", async () => {
    const c = await signedIn(s, alice);
    const before = await rows();
    const begun = await c.authed("POST", BEGIN, { nickname: "Laptop" });
    expect(begun.status, begun.text).toBe(200);
    const options = begun.body.public_key;
    expect(options).toMatchObject({
      rp: { id: "example.com", name: "Example" },
      user: { id: Buffer.from(alice).toString("base64url"), name: "alice@example.com" },
      excludeCredentials: [],
      authenticatorSelection: { residentKey: "required", userVerification: "required" },
      attestation: "none",
      timeout: 300_000,
    });
    // The challenge is derived from the registration token's jti: one token, one challenge.
    const jti = claimsOf(begun.body.registration_token).jti;
    expect(options.challenge).toBe(
      createHash("sha256").update(`overture webauthn\u0000${jti}`).digest("base64url"),
    );

    const auth = new SoftAuthenticator(RP_ORIGIN);
    const attestation = auth.create(options);
    const finished = await c.authed("POST", FINISH, {
      registration_token: begun.body.registration_token,
      attestation,
    });
    expect(finished.status, finished.text).toBe(200);
    expect(finished.body).toEqual({
      already_registered: false,
      credential: {
        id: expect.stringMatching(/^pkc_/),
        credential_id: attestation.id,
        nickname: "Laptop",
        transports: ["internal"],
        backup_eligible: false,
        backup_state: false,
        created_at: expect.any(Number),
        last_used_at: null,
      },
    });
    expect(Math.abs(finished.body.credential.created_at - Math.floor(s.clock.now() / 1000))).toBeLessThan(5);
    expect(await rows()).toEqual({
      passkey_credentials: before.passkey_credentials + 1,
      outbox: before.outbox + 1,
    });
    const events = await s.store.outbox.list(s.appId, { limit: 1000 });
    expect(events.filter((e) => e.type === "user.passkey.created").map((e) => e.payload)).toEqual([
      {
        user_id: alice,
        passkey_id: finished.body.credential.id,
        credential_id: attestation.id,
        created_at: expect.any(String),
      },
    ]);

    // A retried finish (the same attestation) answers the same passkey, writing nothing.
    const retried = await c.authed("POST", FINISH, {
      registration_token: begun.body.registration_token,
      attestation,
    });
    expect(retried.status, retried.text).toBe(200);
    expect(retried.body).toEqual({ ...finished.body, already_registered: true });

    // The scope is used up: the next registration of this session is refused at finish, and
    // the token was spent, so it cannot register another authenticator either.
    const again = await c.authed("POST", BEGIN, {});
    expect(again.status).toBe(200);
    expect(again.body.public_key.excludeCredentials).toEqual([
      { id: attestation.id, type: "public-key", transports: ["internal"] },
    ]);
    const second = await c.authed("POST", FINISH, {
      registration_token: again.body.registration_token,
      attestation: new SoftAuthenticator(RP_ORIGIN).create(again.body.public_key),
    });
    expect(second.status).toBe(403);
    expect(second.body.code).toBe("insufficient_scope");
    const reused = await c.authed("POST", FINISH, {
      registration_token: begun.body.registration_token,
      attestation: new SoftAuthenticator(RP_ORIGIN).create(options),
    });
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe("token_reused");
    expect((await rows()).passkey_credentials).toBe(before.passkey_credentials + 1);
  });

  it("needs prld:passkey:write, and gets it from step-up once", async () => {
    const c = await signedIn(s, bob, []);
    const refused = await c.authed("POST", BEGIN, {});
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("insufficient_scope");

    await s.mgmt("POST", "/config/stepup", {
      step_keys: [],
      allowed_scopes: [
        {
          scope: "prld:passkey:write",
          mode: "direct",
          direct: {
            identifier_types: ["email_address"],
            status: "review",
            granted_for: 0,
            grant_mode: "single-use",
            steps: [{ order: 1, key: "verify_email", expiration_duration: 300 }],
          },
        },
      ],
    });
    const step = new StepUpCalls(s, c);
    const requested = await step.request("prld:passkey:write");
    expect(requested.body.status).toBe("review");
    expect(requested.body.public_key_credential_request_options).toBeUndefined();
    expect((await step.sendOtp(requested.body.challenge_token)).status).toBe(204);
    const checked = await step.checkOtp(
      requested.body.challenge_token,
      await step.lastCode("bob@example.com"),
    );
    expect(checked.status, checked.text).toBe(200);
    expect((await step.spend(checked.body.challenge_token)).status).toBe(200);
    expect(claimsOf(c.accessToken!).scope).toContain("prld:passkey:write");

    const auth = new SoftAuthenticator(RP_ORIGIN);
    const first = await register(c, auth);
    expect(first.status, first.text).toBe(200);
    const second = await register(c, new SoftAuthenticator(RP_ORIGIN));
    expect(second.status).toBe(403);
    expect(second.body.code).toBe("insufficient_scope");
  });

  it("refuses attestations that do not verify, writing nothing", async () => {
    const c = await signedIn(s, alice);
    const begun = await c.authed("POST", BEGIN, {});
    const options = begun.body.public_key;
    const auth = new SoftAuthenticator(RP_ORIGIN);
    const before = await rows();
    const cases: [string, unknown, RegExp][] = [
      ["wrong origin", auth.create(options, { origin: "https://evil.example" }), /origin/],
      ["http origin", auth.create(options, { origin: "http://example.com" }), /origin/],
      ["another RP ID", auth.create(options, { rpId: "evil.example" }), /RP ID|rpID|rpIdHash/i],
      ["another challenge", auth.create(options, { challenge: "AAAA" }), /challenge/],
      ["no user verification", auth.create(options, { userVerified: false }), /verif/],
      ["an assertion's type", auth.create(options, { type: "webauthn.get" }), /type/],
    ];
    for (const [name, attestation, message] of cases) {
      const res = await c.authed("POST", FINISH, {
        registration_token: begun.body.registration_token,
        attestation,
      });
      expect(res.status, name).toBe(400);
      expect(res.body.code, name).toBe("invalid_passkey");
      expect(res.body.message, name).toMatch(message);
    }
    expect(await rows()).toEqual(before);
    // The ceremony was not used up by the failures: the genuine attestation still registers.
    const genuine = await c.authed("POST", FINISH, {
      registration_token: begun.body.registration_token,
      attestation: auth.create(options),
    });
    expect(genuine.status, genuine.text).toBe(200);
  });

  it("binds the registration token to its session, and ends it after five minutes", async () => {
    const c = await signedIn(s, alice);
    const other = await signedIn(s, alice);
    const begun = await c.authed("POST", BEGIN, {});
    const attestation = new SoftAuthenticator(RP_ORIGIN).create(begun.body.public_key);
    const stolen = await other.authed("POST", FINISH, {
      registration_token: begun.body.registration_token,
      attestation,
    });
    expect(stolen.status).toBe(400);
    expect(stolen.body.code).toBe("token_mismatch");
    const forged = await c.authed("POST", FINISH, {
      registration_token: `${begun.body.registration_token}x`,
      attestation,
    });
    expect(forged.body.code).toBe("invalid_challenge_token");
    s.clock.advance(301_000);
    try {
      await c.refresh();
      const late = await c.authed("POST", FINISH, {
        registration_token: begun.body.registration_token,
        attestation,
      });
      expect(late.status).toBe(400);
      expect(late.body.code).toBe("expired_challenge_token");
    } finally {
      s.clock.advance(-301_000);
    }
  });

  it("refuses a credential another user registered (already_registered)", async () => {
    const auth = new SoftAuthenticator(RP_ORIGIN);
    const mine = await register(await signedIn(s, alice), auth);
    expect(mine.status).toBe(200);
    const c = await signedIn(s, bob);
    const begun = await c.authed("POST", BEGIN, {});
    const before = await rows();
    const res = await c.authed("POST", FINISH, {
      registration_token: begun.body.registration_token,
      attestation: auth.create(begun.body.public_key, { reuse: mine.body.credential.credential_id }),
    });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe("already_registered");
    expect(await rows()).toEqual(before);
  });

  it("takes Bearer and a DPoP proof by the session's key on every passkey route", async () => {
    const c = await signedIn(s, alice);
    const routes: ["GET" | "POST" | "PATCH" | "DELETE", string, unknown?][] = [
      ["POST", BEGIN, {}],
      [
        "POST",
        FINISH,
        {
          registration_token: "x",
          attestation: new SoftAuthenticator(RP_ORIGIN).create({
            rp: { id: "example.com" },
            user: { id: "AA" },
            challenge: "AA",
          }),
        },
      ],
      ["GET", "/v1/session/me/passkeys"],
      ["PATCH", "/v1/session/me/passkeys/abc", { nickname: "x" }],
      ["DELETE", "/v1/session/me/passkeys/abc"],
    ];
    for (const [method, url, body] of routes) {
      const noBearer = await s.inject({
        method,
        url,
        headers: { host: c.host, "content-type": "application/json" },
        ...(body !== undefined && { payload: JSON.stringify(body) }),
      });
      expect(noBearer.status, `${method} ${url}`).toBe(401);
      const noProof = await s.inject({
        method,
        url,
        headers: {
          host: c.host,
          authorization: `Bearer ${c.accessToken}`,
          "content-type": "application/json",
        },
        ...(body !== undefined && { payload: JSON.stringify(body) }),
      });
      expect(noProof.body.code, `${method} ${url}`).toBe("missing_dpop_proof");
      expect(noProof.status, `${method} ${url}`).toBe(401);
      expect(noProof.headers["dpop-nonce"], `${method} ${url}`).toMatch(/^[\w-]{30}$/);
      const otherKey = await signedIn(s, alice);
      otherKey.accessToken = c.accessToken;
      const mismatch = await otherKey.authed(method, url, body);
      expect(mismatch.body.code, `${method} ${url}`).toBe("dpop_key_mismatch");
    }
  });

  it("lists, renames and deletes the caller's own passkeys only", async () => {
    const carol = await newUser(s, "carol@example.com");
    const c = await signedIn(s, carol);
    const auth = new SoftAuthenticator(RP_ORIGIN);
    const registered = await register(c, auth, { nickname: "  Phone  " });
    const credential = registered.body.credential;
    expect(credential.nickname).toBe("Phone");

    const listed = await c.authed("GET", "/v1/session/me/passkeys");
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ credentials: [credential] });

    const path = `/v1/session/me/passkeys/${credential.credential_id}`;
    expect((await c.authed("PATCH", path, { nickname: "Work phone" })).status).toBe(204);
    expect((await c.authed("GET", "/v1/session/me/passkeys")).body.credentials[0].nickname).toBe(
      "Work phone",
    );
    expect(
      (await c.authed("PATCH", `/v1/session/me/passkeys/${credential.id}`, { nickname: "" })).status,
    ).toBe(204);
    expect((await c.authed("GET", "/v1/session/me/passkeys")).body.credentials[0]).not.toHaveProperty(
      "nickname",
    );

    // Another user's passkey is unknown to this one, by either id.
    const intruder = await signedIn(s, alice);
    for (const id of [credential.credential_id, credential.id]) {
      const rename = await intruder.authed("PATCH", `/v1/session/me/passkeys/${id}`, { nickname: "mine" });
      expect(rename.status).toBe(404);
      expect(rename.body.code).toBe("not_found");
      expect((await intruder.authed("DELETE", `/v1/session/me/passkeys/${id}`)).status).toBe(404);
    }
    const tooLong = await c.authed("PATCH", path, { nickname: "x".repeat(65) });
    expect(tooLong.body.code).toBe("bad_request");
    // An id past any credential id's length never reaches the handler (the URL limit answers).
    const oversizeId = `/v1/session/me/passkeys/${"A".repeat(1401)}`;
    for (const res of [
      await c.authed("PATCH", oversizeId, { nickname: "x" }),
      await c.authed("DELETE", oversizeId),
    ])
      expect([res.status, res.body.code]).toEqual([414, "uri_too_long"]);
    for (const res of [await c.authed("PATCH", path, { nickname: 7 }), await c.authed("PATCH", path, {})])
      expect([res.status, res.body.code]).toEqual([400, "bad_request"]);

    const before = await rows();
    expect((await c.authed("DELETE", path)).status).toBe(204);
    expect((await c.authed("DELETE", path)).status).toBe(404);
    expect(await rows()).toEqual({
      passkey_credentials: before.passkey_credentials - 1,
      outbox: before.outbox + 1,
    });
    expect((await c.authed("GET", "/v1/session/me/passkeys")).body).toEqual({ credentials: [] });
    const managed = await s.mgmt("GET", `/users/${carol}/passkeys`);
    expect(managed.body.credentials).toEqual([]);
  });

  it("limits registration begins per session", async () => {
    const c = await signedIn(s, alice);
    const answers = [];
    for (let i = 0; i < 11; i++) answers.push(await c.authed("POST", BEGIN, {}));
    expect(answers.slice(0, 10).every((a) => a.status === 200)).toBe(true);
    expect(answers[10]?.status).toBe(429);
    expect(answers[10]?.body.code).toBe("rate_limited");
    // Another session of the same user has its own count.
    expect((await (await signedIn(s, alice)).authed("POST", BEGIN, {})).status).toBe(200);
  });

  it("keeps passkeys per app", async () => {
    const other = await s.forNewApp("passkeys-elsewhere");
    await setUpPasskeys(other, PASSKEY_CONFIG);
    const c = await signedIn(s, alice);
    const begun = await c.authed("POST", BEGIN, {});
    // The token of one app is nothing to another, even for a user of that app.
    const dave = await newUser(other, "dave@example.com");
    const d = await signedIn(other, dave);
    const res = await d.authed("POST", FINISH, {
      registration_token: begun.body.registration_token,
      attestation: new SoftAuthenticator(RP_ORIGIN).create(begun.body.public_key),
    });
    expect(res.body.code).toBe("invalid_challenge_token");
  });
});

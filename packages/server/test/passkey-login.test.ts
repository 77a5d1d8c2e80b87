import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  newUser,
  PASSKEY_CONFIG,
  passkeyLogin,
  RP_ORIGIN,
  register,
  SoftAuthenticator,
  setUpPasskeys,
  signedIn,
} from "./support/passkey-setup.js";
import { tableCounts } from "./support/row-counts.js";
import { SessionClient } from "./support/session-client.js";
import { claimsOf } from "./support/step-up-client.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

/**
 * Primary passkey login (prelude-api.md §4.5, docs/passkeys.md): discoverable credentials, a
 * single-use login token, the config's granted scopes, clone detection, and every refusal.
 */
describeEachDatabase("passkeys: primary login", (dialect) => {
  let s: TestServer;
  let host: string;
  let alice: string;
  let auth: SoftAuthenticator;
  let credentialId: string;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    host = `${s.appId}.localhost`;
    await setUpPasskeys(s);
    alice = await newUser(s, "alice@example.com");
    auth = new SoftAuthenticator(RP_ORIGIN);
    const registered = await register(await signedIn(s, alice), auth);
    expect(registered.status, registered.text).toBe(200);
    credentialId = registered.body.credential.credential_id;
  });
  afterAll(() => s.close());

  const counts = async () => {
    const all = await tableCounts(s);
    return { sessions: all.sessions ?? 0, spent: all.spent_tokens ?? 0, events: all.outbox_events ?? 0 };
  };

  it("signs in with a discoverable passkey: a challenge token to finalize, with the config's granted scopes", async () => {
    const { begun, finished } = await passkeyLogin(s, auth);
    expect(begun.body.public_key).toEqual({
      challenge: createHash("sha256")
        .update(`overture webauthn\u0000${claimsOf(begun.body.login_token).jti}`)
        .digest("base64url"),
      timeout: 300_000,
      rpId: "example.com",
      allowCredentials: [],
      userVerification: "required",
    });
    expect(finished.status, finished.text).toBe(200);
    const challenge = claimsOf(finished.body.challenge_token);
    expect(challenge).toMatchObject({ sub: alice, method: "passkey", scopes: ["reports:read"] });

    const c = new SessionClient(s, host);
    const session = await c.finalize(finished.body.challenge_token);
    expect(session.status, session.text).toBe(200);
    expect(claimsOf(c.accessToken!)).toMatchObject({ sub: alice, scope: "reports:read" });
    const listed = await c.authed("GET", "/v1/session/me/passkeys");
    expect(listed.body.credentials[0].last_used_at).toBeGreaterThan(0);
    const managed = await s.mgmt("GET", `/users/${alice}/passkeys`);
    expect(managed.body.credentials[0].last_used_at).toEqual(expect.any(String));
  });

  it("verifies EdDSA and RS256 passkeys as well as ES256 ones", async () => {
    for (const alg of [-8, -257] as const) {
      const user = await newUser(s, `alg${-alg}@example.com`);
      const authenticator = new SoftAuthenticator(RP_ORIGIN);
      const c = await signedIn(s, user);
      const begun = await c.authed("POST", "/v1/session/me/passkeys/register/begin", {});
      const registered = await c.authed("POST", "/v1/session/me/passkeys/register/finish", {
        registration_token: begun.body.registration_token,
        attestation: authenticator.create(begun.body.public_key, { alg }),
      });
      expect(registered.status, `${alg}: ${registered.text}`).toBe(200);
      const { finished } = await passkeyLogin(s, authenticator);
      expect(finished.status, `${alg}: ${finished.text}`).toBe(200);
      expect(claimsOf(finished.body.challenge_token).sub).toBe(user);
      const { finished: forged } = await passkeyLogin(s, authenticator, { rpId: "evil.example" });
      expect(forged.body.code, String(alg)).toBe("invalid_passkey");
    }
  });

  it("uses a login token once, and binds PKCE when begun with a code_challenge", async () => {
    const { begun, assertion, finished, post } = await passkeyLogin(s, auth);
    expect(finished.status).toBe(200);
    const replay = await post("/v1/session/login/passkey/finish", {
      login_token: begun.body.login_token,
      assertion,
    });
    expect(replay.status).toBe(409);
    expect(replay.body.code).toBe("token_reused");

    const verifier = randomBytes(32).toString("base64url");
    const codeChallenge = createHash("sha256").update(verifier).digest("base64url");
    const pkce = await post("/v1/session/login/passkey/begin", { code_challenge: codeChallenge });
    const done = await post("/v1/session/login/passkey/finish", {
      login_token: pkce.body.login_token,
      assertion: auth.get(pkce.body.public_key),
    });
    expect(done.status, done.text).toBe(200);
    const c = new SessionClient(s, host);
    expect((await c.finalize(done.body.challenge_token)).body.code).toBe("token_mismatch");
    expect((await c.finalize(done.body.challenge_token, verifier)).status).toBe(200);
  });

  it("refuses assertions that do not verify, starting no session; a failed attempt uses the login token up", async () => {
    const { post } = await passkeyLogin(s, auth);
    const stranger = new SoftAuthenticator(RP_ORIGIN);
    stranger.create({
      rp: { id: "example.com" },
      user: { id: Buffer.from(alice).toString("base64url") },
      challenge: "AA",
    });
    const sessionsBefore = (await counts()).sessions;
    // biome-ignore lint/suspicious/noExplicitAny: options are the server's JSON
    const cases: [string, (options: any) => any, RegExp][] = [
      ["an unregistered credential", (o) => stranger.get(o), /not registered/],
      [
        "another user's handle",
        (o) => {
          const a = auth.get(o);
          a.response.userHandle = Buffer.from("usr_someone_else").toString("base64url");
          return a;
        },
        /not registered/,
      ],
      ["wrong origin", (o) => auth.get(o, { origin: "https://evil.example" }), /origin/],
      ["another RP ID", (o) => auth.get(o, { rpId: "evil.example" }), /RP ID|rpID|rpIdHash/i],
      ["another challenge", (o) => auth.get(o, { challenge: "AAAA" }), /challenge/],
      ["no user verification", (o) => auth.get(o, { userVerified: false }), /verif/],
      ["no user presence", (o) => auth.get(o, { userAbsent: true }), /not present/],
      ["backed up but not backup-eligible", (o) => auth.get(o, { extraFlags: 0x10 }), /backup/],
      ["a cross-origin iframe", (o) => auth.get(o, { crossOrigin: true }), /cross-origin/],
      ["a registration's client data", (o) => auth.get(o, { type: "webauthn.create" }), /webauthn\.get/],
      [
        "a rawId other than its id",
        (o) => ({ ...auth.get(o), rawId: Buffer.from("other").toString("base64url") }),
        /another credential/,
      ],
      [
        "a signature over other data",
        (o) => {
          const a = auth.get(o);
          a.response.signature = auth.get({ ...o, challenge: "BBBB" }).response.signature;
          return a;
        },
        /signature/,
      ],
    ];
    for (const [name, answer, message] of cases) {
      const begun = await post("/v1/session/login/passkey/begin", {});
      const assertion = answer(begun.body.public_key);
      const res = await post("/v1/session/login/passkey/finish", {
        login_token: begun.body.login_token,
        assertion,
      });
      expect(res.status, name).toBe(400);
      expect(res.body.code, name).toBe("invalid_passkey");
      expect(res.body.message, name).toMatch(message);
      const again = await post("/v1/session/login/passkey/finish", {
        login_token: begun.body.login_token,
        assertion: auth.get(begun.body.public_key),
      });
      expect(again.body.code, name).toBe("token_reused");
    }
    expect((await counts()).sessions).toBe(sessionsBefore);
  });

  it("refuses a signature counter that went backwards and records user.passkey.clone_detected", async () => {
    const stored = (await s.store.passkeys.findByCredentialId(s.appId, credentialId))!.signCount;
    const before = await counts();
    const { finished } = await passkeyLogin(s, auth, { signCount: stored });
    expect(finished.status).toBe(403);
    expect(finished.body.code).toBe("passkey_clone_detected");
    const events = await s.store.outbox.list(s.appId, { limit: 1000 });
    expect(events.filter((e) => e.type === "user.passkey.clone_detected").map((e) => e.payload)).toEqual([
      {
        user_id: alice,
        passkey_id: expect.stringMatching(/^pkc_/),
        credential_id: credentialId,
        stored_sign_count: stored,
        presented_sign_count: stored,
        occurred_at: expect.any(String),
      },
    ]);
    expect(await counts()).toMatchObject({ sessions: before.sessions, events: before.events + 1 });
    // The stored counter stayed: the genuine authenticator, ahead of the copy, still signs in.
    expect((await passkeyLogin(s, auth)).finished.status).toBe(200);
  });

  it("refuses a suspended user's passkey, and tokens of other kinds or apps", async () => {
    const bob = await newUser(s, "bob@example.com");
    const bobs = new SoftAuthenticator(RP_ORIGIN);
    expect((await register(await signedIn(s, bob), bobs)).status).toBe(200);
    expect((await s.mgmt("PUT", `/users/${bob}/status`, { status: "disabled" })).status).toBe(200);
    const { finished, post } = await passkeyLogin(s, bobs);
    expect(finished.status).toBe(403);
    expect(finished.body.code).toBe("suspended_account");

    const begun = await post("/v1/session/login/passkey/begin", {});
    const assertion = auth.get(begun.body.public_key);
    // A login token is not a challenge token, nor the reverse.
    const asChallenge = await new SessionClient(s, host).finalize(begun.body.login_token);
    expect(asChallenge.body.code).toBe("invalid_challenge_token");
    const challenge = (await passkeyLogin(s, auth)).finished.body.challenge_token;
    const asLogin = await post("/v1/session/login/passkey/finish", { login_token: challenge, assertion });
    expect(asLogin.body.code).toBe("invalid_challenge_token");
    // Another app with the same RP ID knows neither the token nor the credential.
    const other = await s.forNewApp("passkey-login-elsewhere");
    await setUpPasskeys(other, PASSKEY_CONFIG);
    const elsewhere = await other.inject({
      method: "POST",
      url: "/v1/session/login/passkey/finish",
      headers: { host: `${other.appId}.localhost`, "content-type": "application/json" },
      payload: JSON.stringify({ login_token: begun.body.login_token, assertion }),
    });
    expect(elsewhere.body.code).toBe("invalid_challenge_token");
    const otherBegun = await passkeyLogin(other, auth, {}, `${other.appId}.localhost`);
    expect(otherBegun.finished.body.code).toBe("invalid_passkey");
  });

  it("answers not_configured while login_enabled is off, and expires the login token", async () => {
    const { begun, post } = await passkeyLogin(s, auth);
    expect((await s.mgmt("PUT", "/config/passkey", { ...PASSKEY_CONFIG, login_enabled: false })).status).toBe(
      200,
    );
    try {
      const off = await post("/v1/session/login/passkey/begin", {});
      expect(off.status).toBe(403);
      expect(off.body.code).toBe("not_configured");
    } finally {
      await s.mgmt("PUT", "/config/passkey", PASSKEY_CONFIG);
    }
    s.clock.advance(301_000);
    try {
      const late = await post("/v1/session/login/passkey/finish", {
        login_token: begun.body.login_token,
        assertion: auth.get(begun.body.public_key),
      });
      expect(late.body.code).toBe("expired_challenge_token");
    } finally {
      s.clock.advance(-301_000);
    }
  });

  it("limits begin and finish per IP", async () => {
    const other = await s.forNewApp("passkey-login-limits");
    await setUpPasskeys(other, PASSKEY_CONFIG);
    const send = (path: string, body: unknown) =>
      other.inject({
        method: "POST",
        url: path,
        headers: { host: `${other.appId}.localhost`, "content-type": "application/json" },
        payload: JSON.stringify(body),
      });
    const begins = [];
    for (let i = 0; i < 31; i++) begins.push(await send("/v1/session/login/passkey/begin", {}));
    expect(begins.slice(0, 30).every((r) => r.status === 200)).toBe(true);
    expect(begins[30]?.status).toBe(429);
    expect(begins[30]?.body.code).toBe("rate_limited");
    const finishes = [];
    for (let i = 0; i < 31; i++)
      finishes.push(
        await send("/v1/session/login/passkey/finish", {
          login_token: begins[0]?.body.login_token,
          assertion: auth.get(begins[0]?.body.public_key),
        }),
      );
    expect(finishes[0]?.body.code).toBe("invalid_passkey");
    expect(finishes[29]?.body.code).toBe("token_reused");
    expect(finishes[30]?.body.code).toBe("rate_limited");
  });
});

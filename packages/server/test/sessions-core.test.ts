import { createHash, randomBytes } from "node:crypto";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, expect, it } from "vitest";
import { issueChallengeToken, type LoginChallenge } from "../src/domain/sessions/challenge-token.js";
import { REFRESH_RETRY_GRACE_MS } from "../src/domain/sessions/sessions.js";
import { sha256 } from "../src/domain/shared/sha256.js";
import { DpopKey } from "./support/dpop-client.js";
import { tableCounts } from "./support/row-counts.js";
import { SessionClient } from "./support/session-client.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

describeEachDatabase("sessions: finalize, refresh, revoke", (dialect) => {
  let s: TestServer;
  let host: string;
  let origin: string;
  let userId: string;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    host = `${s.appId}.localhost:8443`;
    origin = `http://${host}`;
    userId = (
      await s.mgmt("POST", "/users", { external_id: "sess-1", identifiers: [{ value: "sess@example.com" }] })
    ).body.id;
  });
  afterAll(() => s.close());

  const app = async () => (await s.store.apps.get(s.appId))!;
  const challenge = async (c: Partial<LoginChallenge> = {}) =>
    issueChallengeToken(s.keys, await app(), origin, { userId, method: "password", ...c }, s.clock.now());

  const client = () => new SessionClient(s, host);

  /** A client whose session has rotated once: t1 is spent, t2 is current. */
  const rotatedOnce = async () => {
    const c = client();
    await c.finalize(await challenge());
    const t1 = c.refreshToken!;
    await c.refresh();
    return { c, t1, t2: c.refreshToken! };
  };

  const counts = async () => {
    const all = await tableCounts(s);
    return { sessions: all.sessions, refreshTokens: all.refresh_tokens };
  };

  it("asks for a nonce first, then finalizes into a DPoP-bound session", async () => {
    const c = client();
    const first = await s.inject({
      method: "POST",
      url: "/v1/session/login/finalize",
      headers: {
        host,
        "content-type": "application/json",
        dpop: c.key.proof("POST", `${origin}/v1/session/login/finalize`),
      },
      payload: JSON.stringify({ challenge_token: await challenge() }),
    });
    expect(first.status).toBe(400);
    expect(first.body).toMatchObject({ code: "use_dpop_nonce", type: "bad_request" });
    expect(first.headers["dpop-nonce"]).toMatch(/^[\w-]{30}$/);

    const token = await challenge();
    // The clock runs in real time: the token's iat is a second between these two readings.
    const before = Math.floor(s.clock.now() / 1000);
    const res = await c.finalize(token);
    const after = Math.floor(s.clock.now() / 1000);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(["access_token", "expires_at"]);
    expect(Number.isInteger(res.body.expires_at)).toBe(true);
    expect(res.body.expires_at - 300).toBeGreaterThanOrEqual(before);
    expect(res.body.expires_at - 300).toBeLessThanOrEqual(after);
    expect(res.headers["x-refresh-token"]).toMatch(/^ovr_[\w-]{43}$/);
    expect(new Date(String(res.headers["x-refresh-token-expires-at"])).toISOString()).toBe(
      res.headers["x-refresh-token-expires-at"],
    );
    expect(res.headers["dpop-nonce"]).toBeTruthy();
    expect(String(res.headers["set-cookie"])).toMatch(
      new RegExp(
        `^__Host-refresh_${s.appId}=ovr_[\\w-]+; Path=/; Max-Age=2592000; Secure; HttpOnly; SameSite=Lax$`,
      ),
    );

    const jwks = (await s.inject({ method: "GET", url: "/.well-known/jwks.json", headers: { host } })).body;
    const { payload, protectedHeader } = await jwtVerify(res.body.access_token, createLocalJWKSet(jwks), {
      issuer: origin,
      typ: "at+jwt",
      currentDate: new Date(s.clock.now()),
    });
    expect(protectedHeader.kid).toBe(jwks.keys[0].kid);
    expect(payload).toMatchObject({
      sub: userId,
      sid: expect.stringMatching(/^ses_/),
      scope: "",
      external_id: "sess-1",
    });
    const session = await s.store.sessions.get(s.appId, String(payload.sid));
    expect(session?.jkt).toBe(
      createHash("sha256")
        .update(JSON.stringify({ crv: "P-256", kty: "EC", x: c.key.jwk.x, y: c.key.jwk.y }))
        .digest("base64url"),
    );
  });

  it("signs with RS256 after the app switches to it, and old ES256 tokens still verify", async () => {
    // On an app of its own: the switch must not change what the other tests see.
    const own = await s.forNewApp("rs256");
    const ownHost = `${own.appId}.localhost:8443`;
    const ownUser = (await own.mgmt("POST", "/users", { identifiers: [{ value: "rs256@example.com" }] })).body
      .id;
    const { rotateSigningKey } = await import("../src/domain/apps/apps.js");
    const before = new SessionClient(own, ownHost);
    await before.signIn(ownUser);
    const es256Token = before.accessToken!;
    expect((await rotateSigningKey(s.domain, own.appId, "RS256")).ok).toBe(true);
    s.clock.advance(10_000); // past the per-node app cache
    const after = new SessionClient(own, ownHost);
    const res = await after.signIn(ownUser);
    expect(res.status).toBe(200);
    expect(
      JSON.parse(Buffer.from(res.body.access_token.split(".")[0], "base64url").toString()),
    ).toMatchObject({ alg: "RS256", typ: "at+jwt" });
    const jwks = createLocalJWKSet(
      (await s.inject({ method: "GET", url: "/.well-known/jwks.json", headers: { host: ownHost } })).body,
    );
    await jwtVerify(res.body.access_token, jwks, { currentDate: new Date(s.clock.now()) });
    await jwtVerify(es256Token, jwks, { currentDate: new Date(s.clock.now() - 10_000) });
    // Bearer calls accept tokens of the retired key while it is still published, and of the new one.
    expect((await before.bearer("GET", "/v1/session/me/list")).status).toBe(200);
    expect((await after.bearer("GET", "/v1/session/me/list")).status).toBe(200);
    // Refresh of the ES256-era session now mints RS256 tokens.
    const refreshed = await before.refresh();
    expect(
      JSON.parse(Buffer.from(refreshed.body.access_token.split(".")[0], "base64url").toString()).alg,
    ).toBe("RS256");
    // The test server's own app still signs ES256.
    const untouched = client();
    await untouched.finalize(await challenge());
    expect(JSON.parse(Buffer.from(untouched.accessToken!.split(".")[0]!, "base64url").toString()).alg).toBe(
      "ES256",
    );
  });

  it("spends a challenge token once", async () => {
    const token = await challenge();
    expect((await client().finalize(token)).status).toBe(200);
    const again = await client().finalize(token);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("token_reused");
  });

  it("requires the PKCE verifier of a bound challenge, S256 only, with no downgrade", async () => {
    const verifier = randomBytes(32).toString("base64url");
    const codeChallenge = createHash("sha256").update(verifier).digest("base64url");
    const token = await challenge({ codeChallenge });
    const missing = await client().finalize(token);
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe("token_mismatch");
    const wrong = await client().finalize(token, randomBytes(32).toString("base64url"));
    expect(wrong.body.code).toBe("token_mismatch");
    const plain = await client().finalize(token, codeChallenge.padEnd(43, "x"));
    expect(plain.body.code).toBe("token_mismatch");
    // Failed attempts did not burn the token; the right verifier still works.
    expect((await client().finalize(token, verifier)).status).toBe(200);
  });

  it("rejects expired, forged and foreign challenge tokens", async () => {
    const token = await challenge();
    s.clock.advance(301_000);
    const expired = await client().finalize(token);
    expect(expired.body.code).toBe("expired_challenge_token");
    const c = client();
    const access = (await c.finalize(await challenge())).body.access_token;
    for (const bad of [access, "not.a.jwt", `${token.slice(0, -4)}AAAA`, "x"]) {
      const res = await client().finalize(bad);
      expect(res.status, bad.slice(0, 20)).toBe(400);
      expect(res.body.code).toBe("invalid_challenge_token");
    }
  });

  it("refuses to start a session for a disabled user", async () => {
    const other = (await s.mgmt("POST", "/users", {})).body.id;
    const token = await issueChallengeToken(
      s.keys,
      await app(),
      origin,
      { userId: other, method: "password" },
      s.clock.now(),
    );
    await s.mgmt("PUT", `/users/${other}/status`, { status: "disabled" });
    const res = await client().finalize(token);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("suspended_account");
  });

  it("rotates the refresh token on every refresh", async () => {
    const c = client();
    await c.finalize(await challenge());
    const t1 = c.refreshToken;
    const r = await c.refresh();
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(["access_token", "expires_at"]);
    expect(c.refreshToken).not.toBe(t1);
    const t2 = c.refreshToken;
    expect((await c.refresh()).status).toBe(200);
    expect(c.refreshToken).not.toBe(t2);
  });

  it("gives an immediate retry of the previous token, by the same key, the same new tokens", async () => {
    const { c, t1, t2 } = await rotatedOnce();
    c.refreshToken = t1; // the answer was lost; the SDK re-sends
    const retry = await c.refresh();
    expect(retry.status).toBe(200);
    expect(c.refreshToken).toBe(t2);
    expect((await c.refresh()).status).toBe(200);
  });

  it("keeps only hashes of refresh tokens: a rotation stores nothing that gives back the successor", async () => {
    const { t1, t2 } = await rotatedOnce();
    const rows = await s.db.database.db
      .selectFrom("refresh_tokens")
      .selectAll()
      .where("token_sha256", "in", [sha256(t1), sha256(t2)])
      .orderBy("generation")
      .execute();
    expect(rows.map((r) => [r.token_sha256, r.successor_sealed])).toEqual([
      [sha256(t1), null],
      [sha256(t2), null],
    ]);
    expect(JSON.stringify(rows)).not.toContain(t2.slice(4));
  });

  it("answers a retry whose successor is not the session's current token 401, leaving the session", async () => {
    // As for a token rotated by a release that stored random successors (before migration 0007).
    const { c, t1 } = await rotatedOnce();
    const current = `ovr_${randomBytes(32).toString("base64url")}`;
    await s.db.database.db
      .updateTable("refresh_tokens")
      .set({ token_sha256: sha256(current) })
      .where("token_sha256", "=", sha256(c.refreshToken!))
      .execute();
    c.refreshToken = t1;
    const retry = await c.refresh();
    expect(retry.status).toBe(401);
    expect(retry.body.code).toBe("unauthorized");
    c.refreshToken = current;
    expect((await c.refresh()).status).toBe(200);
  });

  it("revokes the session when a spent token comes back outside the grace rule", async () => {
    const { c, t1, t2 } = await rotatedOnce();
    await c.refresh(); // t2 spent too: t1 is no longer the immediately previous token
    const t3 = c.refreshToken!;
    c.refreshToken = t1;
    const reuse = await c.refresh();
    expect(reuse.status).toBe(409);
    expect(reuse.body.code).toBe("token_reused");
    expect(reuse.headers["dpop-nonce"]).toBeTruthy();
    // The whole family is gone: every token of the session, the current one included, is refused.
    for (const token of [t2, t3]) {
      c.refreshToken = token;
      const res = await c.refresh();
      expect(res.status).toBe(401);
      expect(res.body.code).toBe("unauthorized");
    }
  });

  it("treats a retry after the grace window as reuse, and ends the session for everyone", async () => {
    const { c, t1, t2: current } = await rotatedOnce();
    s.clock.advance(REFRESH_RETRY_GRACE_MS + 1_000);
    c.refreshToken = t1;
    expect((await c.refresh()).body.code).toBe("token_reused");
    c.refreshToken = current;
    const after = await c.refresh();
    expect(after.status).toBe(401);
    expect(after.body.code).toBe("unauthorized");
  });

  it("answers concurrent refreshes with one token consistently: one rotation, the others get its result", async () => {
    const c = client();
    await c.finalize(await challenge());
    const t1 = c.refreshToken!;
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        s.inject({
          method: "POST",
          url: "/v1/session/refresh",
          headers: {
            host,
            "x-refresh-token": t1,
            dpop: c.key.proof("POST", `${origin}/v1/session/refresh`, {
              nonce: c.nonce,
              iat: Math.floor(s.clock.now() / 1000),
            }),
          },
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(new Set(results.map((r) => r.headers["x-refresh-token"])).size).toBe(1);
  });

  it("refuses a step_up_token that is no step-up challenge rather than ignoring it, and rotates nothing", async () => {
    const c = client();
    await c.finalize(await challenge());
    const before = c.refreshToken;
    // Not a token; then a login challenge token, which is no step-up challenge.
    for (const token of ["x.y.z", await challenge()]) {
      const res = await c.call("/v1/session/refresh", { step_up_token: token });
      expect([res.status, res.body.code]).toEqual([400, "invalid_challenge_token"]);
      expect(c.refreshToken).toBe(before);
    }
    expect((await c.refresh()).status).toBe(200);
  });

  it("binds refresh to the session's DPoP key", async () => {
    const c = client();
    await c.finalize(await challenge());
    const thief = client();
    thief.refreshToken = c.refreshToken;
    const res = await thief.refresh();
    expect(res.status).toBe(401);
    expect(res.body.code).toBe("dpop_key_mismatch");
    expect((await c.refresh()).status).toBe(200);
  });

  it("refreshes with the cookie alone, and answers 401 without any token", async () => {
    const c = client();
    await c.finalize(await challenge());
    const cookie = `__Host-refresh_${s.appId}=${c.refreshToken}`;
    c.refreshToken = undefined;
    const viaCookie = await c.call("/v1/session/refresh", undefined, {}, { cookie });
    expect(viaCookie.status).toBe(200);
    const none = await client().refresh();
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ code: "unauthorized", type: "unauthorized" });
    const bogus = client();
    bogus.refreshToken = `ovr_${"x".repeat(43)}`;
    expect((await bogus.refresh()).status).toBe(401);
  });

  it("ends a session that was idle too long", async () => {
    const c = client();
    await c.finalize(await challenge());
    s.clock.advance((await app()).idleTtlSeconds * 1000 + 1000);
    expect((await c.refresh()).status).toBe(401);
  });

  it("logs out with DPoP by the session's key, after which refresh is unauthorized", async () => {
    const c = client();
    await c.finalize(await challenge());
    const token = c.refreshToken!;
    const out = await c.call("/v1/session/revoke");
    expect(out.status).toBe(204);
    expect(String(out.headers["set-cookie"])).toContain("Max-Age=0");
    c.refreshToken = token;
    expect((await c.refresh()).status).toBe(401);
    expect((await c.call("/v1/session/revoke")).status).toBe(401);
  });

  it("refuses a logout without the session's proof: a refresh token alone ends nothing", async () => {
    const c = client();
    await c.finalize(await challenge());
    const plain = await s.inject({
      method: "POST",
      url: "/v1/session/revoke",
      headers: { host, cookie: `__Host-refresh_${s.appId}=${c.refreshToken}` },
    });
    expect(plain.status).toBe(401);
    expect(plain.body.code).toBe("missing_dpop_proof");
    const stranger = new SessionClient(s, host);
    stranger.refreshToken = c.refreshToken;
    expect((await stranger.call("/v1/session/revoke")).body.code).toBe("dpop_key_mismatch");
    expect((await c.refresh()).status).toBe(200);
  });

  it("treats a spent refresh token on logout as reuse, except the grace retry of the last rotation", async () => {
    const reasons = async (sessionId: string) =>
      (await s.store.outbox.list(s.appId, { limit: 10_000 }))
        .map((e) => e.payload as { session_id?: string; reason?: string })
        .filter((p) => p.session_id === sessionId && p.reason !== undefined)
        .map((p) => p.reason);
    // A spent token, presented with the session's key after the grace window: the session is revoked.
    const stale = await rotatedOnce();
    s.clock.advance(REFRESH_RETRY_GRACE_MS + 1_000);
    stale.c.refreshToken = stale.t1;
    const reused = await stale.c.call("/v1/session/revoke");
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe("token_reused");
    expect(await reasons(stale.c.sessionId)).toEqual(["token_reused"]);
    stale.c.refreshToken = stale.t2;
    expect((await stale.c.refresh()).status).toBe(401);

    // The same without the key ends nothing.
    const leaked = await rotatedOnce();
    s.clock.advance(REFRESH_RETRY_GRACE_MS + 1_000);
    const thief = new SessionClient(s, host);
    thief.refreshToken = leaked.t1;
    expect((await thief.call("/v1/session/revoke")).body.code).toBe("dpop_key_mismatch");
    expect(await reasons(leaked.c.sessionId)).toEqual([]);
    expect((await leaked.c.refresh()).status).toBe(200);

    // The previous token right after its rotation (the answer was lost): a plain logout.
    const lost = await rotatedOnce();
    lost.c.refreshToken = lost.t1;
    expect((await lost.c.call("/v1/session/revoke")).status).toBe(204);
    expect(await reasons(lost.c.sessionId)).toEqual(["logout"]);
  });

  it("records session events", async () => {
    const before = await s.store.outbox.list(s.appId, { limit: 10_000 });
    const c = client();
    const res = await c.finalize(
      await challenge({ identifier: { type: "email_address", value: "sess@example.com" } }),
    );
    const sid =
      decodeProtectedHeader(res.body.access_token) &&
      JSON.parse(Buffer.from(res.body.access_token.split(".")[1], "base64url").toString()).sid;
    await c.call("/v1/session/revoke");
    const after = (await s.store.outbox.list(s.appId, { limit: 10_000 })).slice(before.length);
    expect(after.map((e) => e.type)).toEqual(["user.session.created", "user.session.revoked"]);
    expect(after[0]?.payload).toMatchObject({
      user_id: userId,
      session_id: sid,
      identifier: { type: "email_address", value: "sess@example.com" },
      metadata: { method: "password" },
    });
    expect(after[1]?.payload).toMatchObject({ user_id: userId, session_id: sid, reason: "logout" });
  });

  // Each bad proof gets its code, the DPoP-Nonce header, and writes nothing.
  const url = () => `${origin}/v1/session/login/finalize`;
  const badProofs: [string, (k: DpopKey, nonce: string, now: number) => string | undefined, string][] = [
    ["no proof", () => undefined, "missing_dpop_proof"],
    ["a missing nonce", (k, _n, now) => k.proof("POST", url(), { iat: now }), "use_dpop_nonce"],
    [
      "a forged nonce",
      (k, _n, now) => k.proof("POST", url(), { iat: now, nonce: "A".repeat(30) }),
      "use_dpop_nonce",
    ],
    [
      "a current nonce with a forged MAC",
      (k, n, now) => {
        const raw = Buffer.from(n, "base64url");
        raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;
        return k.proof("POST", url(), { iat: now, nonce: raw.toString("base64url") });
      },
      "use_dpop_nonce",
    ],
    [
      "the wrong htm",
      (k, n, now) => k.proof("POST", url(), { nonce: n, iat: now, htm: "GET" }),
      "invalid_dpop_proof",
    ],
    [
      "the wrong htu",
      (k, n, now) => k.proof("POST", url(), { nonce: n, iat: now, htu: `${origin}/v1/session/refresh` }),
      "invalid_dpop_proof",
    ],
    [
      "another host in htu",
      (k, n, now) =>
        k.proof("POST", url(), {
          nonce: n,
          iat: now,
          htu: "http://evil.localhost:8443/v1/session/login/finalize",
        }),
      "invalid_dpop_proof",
    ],
    [
      "a stale iat",
      (k, n, now) => k.proof("POST", url(), { nonce: n, iat: now - 301 }),
      "invalid_dpop_proof",
    ],
    [
      "a future iat",
      (k, n, now) => k.proof("POST", url(), { nonce: n, iat: now + 301 }),
      "invalid_dpop_proof",
    ],
    [
      "alg none",
      (k, n, now) => k.proof("POST", url(), { nonce: n, iat: now, unsigned: true }),
      "invalid_dpop_proof",
    ],
    [
      "HS256",
      (k, n, now) => k.proof("POST", url(), { nonce: n, iat: now, hmacSecret: "secret" }),
      "invalid_dpop_proof",
    ],
    [
      "a private key in jwk",
      (k, n, now) => k.proof("POST", url(), { nonce: n, iat: now, header: { jwk: { ...k.jwk, d: "AAAA" } } }),
      "invalid_dpop_proof",
    ],
    [
      "another key's jwk",
      (k, n, now) => k.proof("POST", url(), { nonce: n, iat: now, header: { jwk: new DpopKey().jwk } }),
      "invalid_dpop_proof",
    ],
    [
      "the wrong typ",
      (k, n, now) => k.proof("POST", url(), { nonce: n, iat: now, header: { typ: "JWT" } }),
      "invalid_dpop_proof",
    ],
    [
      "no jwk",
      (k, n, now) => k.proof("POST", url(), { nonce: n, iat: now, header: { jwk: undefined } }),
      "invalid_dpop_proof",
    ],
    // The key was seen (and memoised) by the warm-up; look-alike headers must not reuse it.
    [
      "alg as an array, once its key was seen",
      (k, n, now) =>
        k.proof("POST", url(), { nonce: n, iat: now, header: { alg: ["ES256"] }, derSignature: true }),
      "invalid_dpop_proof",
    ],
    [
      "crv as an array, once its key was seen",
      (k, n, now) =>
        k.proof("POST", url(), { nonce: n, iat: now, header: { jwk: { ...k.jwk, crv: ["P-256"] } } }),
      "invalid_dpop_proof",
    ],
    ["garbage", () => "a.b.c", "invalid_dpop_proof"],
  ];
  for (const [what, make, code] of badProofs) {
    it(`rejects a DPoP proof with ${what} (${code}) and writes nothing`, async () => {
      const c = client();
      const nonceRes = await c.finalize("warm-up");
      const nonce = String(nonceRes.headers["dpop-nonce"]);
      const token = await challenge();
      const before = await counts();
      const proof = make(c.key, nonce, Math.floor(s.clock.now() / 1000));
      const res = await s.inject({
        method: "POST",
        url: "/v1/session/login/finalize",
        headers: { host, "content-type": "application/json", ...(proof && { dpop: proof }) },
        payload: JSON.stringify({ challenge_token: token }),
      });
      expect(res.body.code).toBe(code);
      expect(res.status).toBe(code === "use_dpop_nonce" ? 400 : 401);
      expect(res.headers["dpop-nonce"]).toBeTruthy();
      expect(await counts()).toEqual(before);
      // The challenge was not spent by the failed attempt.
      expect((await client().finalize(token)).status).toBe(200);
    });
  }

  it("rejects a replayed proof (same jti)", async () => {
    const c = client();
    await c.finalize("warm-up");
    const proof = c.key.proof("POST", url(), { nonce: c.nonce, iat: Math.floor(s.clock.now() / 1000) });
    const send = async () =>
      s.inject({
        method: "POST",
        url: "/v1/session/login/finalize",
        headers: { host, "content-type": "application/json", dpop: proof },
        payload: JSON.stringify({ challenge_token: await challenge() }),
      });
    expect((await send()).status).toBe(200);
    const replay = await send();
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe("invalid_dpop_proof");
  });

  for (const [what, body] of [
    ["no body", undefined],
    ["no challenge_token", {}],
    ["a numeric challenge_token", { challenge_token: 5 }],
    ["a short code_verifier", { challenge_token: "x", code_verifier: "short" }],
    ["an unknown field", { challenge_token: "x", extra: true }],
  ] as const) {
    it(`answers bad_request to a finalize with ${what}`, async () => {
      const c = client();
      const res = await c.call("/v1/session/login/finalize", body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: "bad_request", type: "bad_request" });
      expect(res.headers["dpop-nonce"]).toBeTruthy();
    });
  }
});

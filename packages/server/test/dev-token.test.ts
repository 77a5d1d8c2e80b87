import { createAccessTokenVerifier } from "@overture/sdk";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, expect, it } from "vitest";
import { tableCounts } from "./support/row-counts.js";
import { SessionClient } from "./support/session-client.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

/** `POST /tokens`: a testing aid of dev mode (prelude-api.md §3.2, docs/scopes-and-claims.md). */
describeEachDatabase("minting tokens in dev mode", (dialect) => {
  let s: TestServer;
  let host: string;
  let issuer: string;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    host = `${s.appId}.localhost`;
    issuer = `http://${host}`;
  });
  afterAll(() => s.close());

  const jwks = async () =>
    createLocalJWKSet(
      (await s.inject({ method: "GET", url: "/.well-known/jwks.json", headers: { host } })).body,
    );
  const now = () => Math.floor(s.clock.now() / 1000);

  it("signs the claims with the app's access-token key, filling iat, jti and exp", async () => {
    const res = await s.mgmt("POST", "/tokens", {
      claims: { iss: issuer, sub: "usr_test", sid: "ses_test", scope: "read write", plan: "pro" },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ token: expect.any(String), expires_at: expect.any(String) });
    const header = decodeProtectedHeader(res.body.token);
    expect(header).toMatchObject({ typ: "at+jwt", kid: expect.any(String) });
    const { payload } = await jwtVerify(res.body.token, await jwks(), {
      issuer,
      typ: "at+jwt",
      currentDate: new Date(s.clock.now()),
    });
    expect(payload).toEqual({
      iss: issuer,
      sub: "usr_test",
      sid: "ses_test",
      scope: "read write",
      plan: "pro",
      iat: expect.any(Number),
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      exp: expect.any(Number),
    });
    expect(Math.abs((payload.iat as number) - now())).toBeLessThanOrEqual(1);
    expect(payload.exp).toBe((payload.iat as number) + 86_400);
    expect(Date.parse(res.body.expires_at)).toBe((payload.exp as number) * 1000);

    const short = await s.mgmt("POST", "/tokens", { claims: { sub: "usr_test", iat: 1000 }, expires_in: 60 });
    const claims = JSON.parse(Buffer.from(short.body.token.split(".")[1], "base64url").toString());
    expect(claims.iat).toBe(1000);
    expect(claims.exp).toBe(now() + 60);
  });

  it("is accepted by the SDK's backend verifier, as a real access token is", async () => {
    const minted = await s.mgmt("POST", "/tokens", {
      claims: { iss: issuer, sub: "usr_backend", sid: "ses_backend", external_id: "legacy-1" },
    });
    const verify = createAccessTokenVerifier({
      issuer,
      now: () => s.clock.now(),
      fetch: async (url) => {
        const res = await s.inject({ method: "GET", url: new URL(String(url)).pathname, headers: { host } });
        return new Response(res.text, {
          status: res.status,
          headers: { "content-type": "application/json" },
        });
      },
    });
    expect(await verify(minted.body.token)).toMatchObject({ sub: "usr_backend", external_id: "legacy-1" });
  });

  it("refuses registered claims of the wrong type or lifetime with 400, writing nothing", async () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ claims: { exp: now() - 10 } }, /exp must be in the future/],
      [{ claims: { exp: now() + 86_460 } }, /at most 24 hours ahead/],
      [{ claims: { exp: now() + 60 }, expires_in: 60 }, /not both/],
      [{ claims: { exp: "tomorrow" } }, /exp must be a NumericDate/],
      [{ claims: { iat: 1.5 } }, /iat must be a NumericDate/],
      [{ claims: { iat: null } }, /iat must be a NumericDate/],
      [{ claims: { exp: null } }, /exp must be a NumericDate/],
      [{ claims: { jti: null } }, /jti must be a string/],
      [{ claims: { nbf: -1 } }, /nbf must be a NumericDate/],
      [{ claims: { nbf: now() + 90_000 } }, /nbf must be before/],
      [{ claims: { sub: 42 } }, /sub must be a string/],
      [{ claims: { sub: "" } }, /sub must be a string/],
      [{ claims: { iss: ["a"] } }, /iss must be a string/],
      [{ claims: { sid: null } }, /sid must be a string/],
      [{ claims: { jti: 7 } }, /jti must be a string/],
      [{ claims: { external_id: "x".repeat(129) } }, /external_id must be a string of 1 to 128/],
      [{ claims: { aud: 5 } }, /aud must be a string or an array/],
      [{ claims: { aud: ["ok", 5] } }, /aud must be a string or an array/],
      [{ claims: { scope: ["read"] } }, /scope must be a string/],
      [{ claims: { scope: "read wr!te" } }, /scope: "wr!te" does not match/],
      [{ claims: { cnf: "thumbprint" } }, /cnf must be an object/],
      [{ claims: { blob: "x".repeat(5000) } }, /at most 4096/],
    ];
    for (const [body, message] of bad) {
      const before = await tableCounts(s);
      const res = await s.mgmt("POST", "/tokens", body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.code).toBe("invalid_request");
      expect(res.body.message).toMatch(message);
      expect(await tableCounts(s)).toEqual(before);
    }
    for (const body of [
      {},
      { claims: [] },
      { claims: "x" },
      { claims: {}, expires_in: 0 },
      { claims: {}, expires_in: 86_401 },
    ]) {
      expect((await s.mgmt("POST", "/tokens", body)).status, JSON.stringify(body)).toBe(400);
    }
  });

  it("is refused in prod mode with 403 dev_mode_required", async () => {
    const own = await s.forNewApp("prod-mint");
    await own.mgmt("PUT", "/mode", { mode: "prod" });
    const before = await tableCounts(s);
    const res = await own.mgmt("POST", "/tokens", { claims: { sub: "usr_x" } });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      code: "dev_mode_required",
      status: "forbidden",
      message: expect.stringMatching(/dev mode/),
    });
    expect(await tableCounts(s)).toEqual(before);
  });

  it("never passes for a challenge token, whatever its claims say", async () => {
    const user = (await s.mgmt("POST", "/users", { identifiers: [{ value: "forged@example.com" }] })).body.id;
    const forged = await s.mgmt("POST", "/tokens", {
      claims: {
        iss: issuer,
        sub: user,
        token_use: "challenge",
        app_id: s.appId,
        grant_mode: "session-start",
        current_step: "completed",
        steps: [],
        method: "password",
      },
      expires_in: 300,
    });
    expect(forged.status).toBe(201);
    const c = new SessionClient(s, host);
    const sessionsBefore = (await tableCounts(s)).sessions;
    const res = await c.finalize(forged.body.token);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("invalid_challenge_token");
    expect((await tableCounts(s)).sessions).toBe(sessionsBefore);
  });
});

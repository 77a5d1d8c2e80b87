import { afterAll, beforeAll, expect, it } from "vitest";
import { provisionApp } from "../src/domain/apps/apps.js";
import { issueChallengeToken } from "../src/domain/sessions/challenge-token.js";
import { DpopKey } from "./support/dpop-client.js";
import { SessionClient } from "./support/session-client.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

/** Nothing issued for one app works on another app's host. */
describeEachDatabase("Frontend API: another app's credentials", (dialect) => {
  let s: TestServer;
  let hostA: string;
  let hostB: string;
  let userA: string;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    const b = await provisionApp(s.domain, "b");
    hostA = `${s.appId}.localhost`;
    hostB = `${b.app.id}.localhost`;
    userA = (await s.mgmt("POST", "/users", { identifiers: [{ value: "cross@example.com" }] })).body.id;
  });
  afterAll(() => s.close());

  it("refuses app A's access token, refresh token and DPoP key binding on app B", async () => {
    const a = new SessionClient(s, hostA);
    expect((await a.signIn(userA)).status).toBe(200);
    const onB = new SessionClient(s, hostB, a.key);
    onB.refreshToken = a.refreshToken;
    const bearer = await onB.bearer("GET", "/v1/session/me/list", a.accessToken);
    expect(bearer.status).toBe(401);
    expect(bearer.body.code).toBe("unauthorized");
    const refresh = await onB.refresh();
    expect(refresh.status).toBe(401);
    expect(refresh.body.code).toBe("unauthorized");
    // Still fine on its own app.
    expect((await a.refresh()).status).toBe(200);
  });

  it("refuses app A's DPoP nonce on app B", async () => {
    const a = new SessionClient(s, hostA);
    await a.finalize("warm-up");
    const b = new SessionClient(s, hostB);
    await b.finalize("warm-up");
    expect(a.nonce).not.toBe("");
    const finalizeOnB = (nonce: string) =>
      s.inject({
        method: "POST",
        url: "/v1/session/login/finalize",
        headers: {
          host: hostB,
          "content-type": "application/json",
          dpop: new DpopKey().proof("POST", `${b.origin}/v1/session/login/finalize`, {
            nonce,
            iat: Math.floor(s.clock.now() / 1000),
          }),
        },
        payload: JSON.stringify({ challenge_token: "not-a-token" }),
      });
    const withA = await finalizeOnB(a.nonce);
    expect(withA.status).toBe(400);
    expect(withA.body.code).toBe("use_dpop_nonce");
    // B's own nonce passes the DPoP checks and reaches the challenge token.
    expect((await finalizeOnB(b.nonce)).body.code).toBe("invalid_challenge_token");
  });

  it("refuses app A's challenge token on app B without spending it", async () => {
    const app = (await s.store.apps.get(s.appId))!;
    const token = await issueChallengeToken(
      s.keys,
      app,
      `http://${hostA}`,
      { userId: userA, method: "password" },
      s.clock.now(),
    );
    const onB = await new SessionClient(s, hostB).finalize(token);
    expect(onB.status).toBe(400);
    expect(onB.body.code).toBe("invalid_challenge_token");
    expect((await new SessionClient(s, hostA).finalize(token)).status).toBe(200);
  });

  it("refuses app A's OTP verification on app B", async () => {
    const start = await s.inject({
      method: "POST",
      url: "/v1/session/otp",
      headers: { host: hostA, "content-type": "application/json" },
      payload: JSON.stringify({ identifier: { value: "cross@example.com" } }),
    });
    const token = String(start.headers["x-verification-token"]);
    const code = (await s.mgmt("GET", "/dev/messages")).body.messages[0].code;
    const onB = await s.inject({
      method: "POST",
      url: "/v1/session/otp/check",
      headers: { host: hostB, "content-type": "application/json", "x-verification-token": token },
      payload: JSON.stringify({ code }),
    });
    expect(onB.status).toBe(401);
    const onA = await s.inject({
      method: "POST",
      url: "/v1/session/otp/check",
      headers: { host: hostA, "content-type": "application/json", "x-verification-token": token },
      payload: JSON.stringify({ code }),
    });
    expect(onA.status).toBe(200);
  });
});

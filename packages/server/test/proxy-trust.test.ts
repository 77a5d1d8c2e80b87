import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SessionClient } from "./support/session-client.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString());

/**
 * Behind proxies, only the hops the operator names are believed: a client cannot pick its own IP
 * (and so escape per-IP limits) by sending X-Forwarded-For, nor the `iss` of its tokens by sending
 * a Host or X-Forwarded-Host of its choosing.
 */
describeEachDatabase("proxy trust and the token issuer", (dialect) => {
  for (const [what, trust] of [
    ["a hop count", "1"],
    ["the proxy's address", "127.0.0.1/32"],
  ] as const) {
    describe(`with OVERTURE_TRUST_PROXY as ${what}`, () => {
      let s: TestServer;
      beforeAll(async () => {
        s = await startTestServer(dialect, {
          OVERTURE_TRUST_PROXY: trust,
          OVERTURE_PUBLIC_URL: "https://auth.example.com",
        });
        await s.mgmt("POST", "/config/login/password", {
          rate_limit_login_ip: { ttl: 600_000_000_000, limit: 3 },
        });
      });
      afterAll(() => s.close());

      const login = (identifier: string, headers: Record<string, string>, remoteAddress = "127.0.0.1") =>
        s.inject({
          method: "POST",
          url: "/v1/session/login/email/password",
          headers: { host: `${s.appId}.localhost`, "content-type": "application/json", ...headers },
          payload: JSON.stringify({ identifier, password: "wrong password" }),
          remoteAddress,
        });

      it("takes the client IP from the proxy's own hop, whatever the client prepends", async () => {
        for (let i = 0; i < 3; i++) {
          const res = await login(`spoof${i}@example.com`, {
            "x-forwarded-for": `198.51.100.${i}, 203.0.113.9`,
          });
          expect(res.status).toBe(401);
        }
        const limited = await login("spoof9@example.com", {
          "x-forwarded-for": "198.51.100.77, 203.0.113.9",
        });
        expect(limited.status).toBe(429);
        // Another client behind the same proxy has its own budget.
        expect((await login("other@example.com", { "x-forwarded-for": "203.0.113.10" })).status).toBe(401);
      });

      it("mints tokens whose iss is the app's own origin, never a Host the client chose", async () => {
        const user = await s.mgmt("POST", "/users", {
          identifiers: [{ value: `iss-${trust.length}@example.com` }],
          password: "right password",
        });
        expect(user.status).toBe(201);
        let client = 20;
        const issuerFor = async (host: string, headers: Record<string, string> = {}) => {
          const res = await s.inject({
            method: "POST",
            url: "/v1/session/login/email/password",
            headers: {
              host,
              "content-type": "application/json",
              "x-forwarded-for": `203.0.113.${client++}`,
              ...headers,
            },
            payload: JSON.stringify({
              identifier: `iss-${trust.length}@example.com`,
              password: "right password",
            }),
          });
          expect(res.status).toBe(200);
          return claims(res.body.challenge_token).iss;
        };
        // The app's own name, with the scheme the proxy reports.
        expect(await issuerFor(`${s.appId}.localhost`, { "x-forwarded-proto": "https" })).toBe(
          `https://${s.appId}.localhost`,
        );
        expect(await issuerFor(`${s.appId}.localhost:8443`)).toBe(`http://${s.appId}.localhost:8443`);
        expect(await issuerFor(`${s.appId}.localhost:443`, { "x-forwarded-proto": "https" })).toBe(
          `https://${s.appId}.localhost`,
        );
        // A foreign name reaches the only app as its default: the issuer is the configured public URL.
        expect(await issuerFor("evil.example")).toBe("https://auth.example.com");
        expect(await issuerFor(`${s.appId}.localhost`, { "x-forwarded-host": "evil.example" })).toBe(
          "https://auth.example.com",
        );

        // The access token finalize mints carries the same issuer.
        const c = new SessionClient(s, "evil.example");
        const signedIn = await c.signIn(user.body.id);
        expect(signedIn.status).toBe(200);
        expect(claims(c.accessToken!).iss).toBe("https://auth.example.com");
      });
    });
  }

  describe("without OVERTURE_TRUST_PROXY", () => {
    let s: TestServer;
    beforeAll(async () => {
      s = await startTestServer(dialect);
      await s.mgmt("POST", "/config/login/password", {
        rate_limit_login_ip: { ttl: 600_000_000_000, limit: 2 },
      });
    });
    afterAll(() => s.close());

    it("ignores every X-Forwarded header", async () => {
      const send = (i: number) =>
        s.inject({
          method: "POST",
          url: "/v1/session/login/email/password",
          headers: {
            host: `${s.appId}.localhost`,
            "content-type": "application/json",
            "x-forwarded-for": `203.0.113.${i}`,
            "x-forwarded-proto": "https",
            "x-forwarded-host": "evil.example",
          },
          payload: JSON.stringify({ identifier: `plain${i}@example.com`, password: "wrong password" }),
          remoteAddress: "192.0.2.50",
        });
      expect((await send(1)).status).toBe(401);
      expect((await send(2)).status).toBe(401);
      expect((await send(3)).status).toBe(429);
    });
  });
});

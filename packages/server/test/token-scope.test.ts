import { createLocalJWKSet, jwtVerify } from "jose";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SessionClient } from "./support/session-client.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

/**
 * The `scope` claim through login and refresh (docs/scopes-and-claims.md): the union of the user's
 * scopes, the session's groups' scopes as they are now, and the login's grants — group scope
 * changes arrive at the next refresh, membership changes at the next login.
 */
describeEachDatabase("what the scope claim carries", (dialect) => {
  let s: TestServer;
  let host: string;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    host = `${s.appId}.localhost`;
    for (const scope of ["read", "write", "admin", "billing", "audit", "prld:pwd:write"])
      await s.mgmt("POST", "/config/scopes", { scope });
  });
  afterAll(() => s.close());

  /** The token's claims, verified with jose against the app's published JWKS. */
  const claimsOf = async (token: string) => {
    const jwks = await s.inject({ method: "GET", url: "/.well-known/jwks.json", headers: { host } });
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks.body), {
      issuer: `http://${host}`,
      typ: "at+jwt",
      currentDate: new Date(s.clock.now()),
    });
    expect(protectedHeader.typ).toBe("at+jwt");
    return payload;
  };
  const scopeOf = async (c: SessionClient) => (await claimsOf(c.accessToken!)).scope;
  const refreshed = async (c: SessionClient) => {
    const res = await c.refresh();
    expect(res.status).toBe(200);
    return scopeOf(c);
  };

  it("is the sorted union of user, group and login scopes; group changes arrive at the next refresh", async () => {
    await s.mgmt("POST", "/config/groups", { name: "editors", scopes: ["write", "read"] });
    await s.mgmt("POST", "/config/groups", { name: "admins", scopes: ["admin"] });
    const user = (await s.mgmt("POST", "/users", { identifiers: [{ value: "union@example.com" }] })).body.id;
    await s.mgmt("POST", `/users/${user}/scopes`, { scope: "read" });
    await s.mgmt("POST", `/users/${user}/groups`, { group: "editors" });

    const c = new SessionClient(s, host);
    expect((await c.signIn(user, { scopes: ["billing"] })).status).toBe(200);
    expect(await scopeOf(c)).toBe("billing read write");

    // The group's scopes are read at every mint.
    await s.mgmt("PUT", "/config/groups/editors", { scopes: ["write", "audit"] });
    expect(await refreshed(c)).toBe("audit billing read write");

    // A membership is taken when the session starts: this session does not join admins...
    await s.mgmt("POST", `/users/${user}/groups`, { group: "admins" });
    expect(await refreshed(c)).toBe("audit billing read write");
    // ...a new login does.
    const next = new SessionClient(s, host);
    await next.signIn(user);
    expect(await scopeOf(next)).toBe("admin audit read write");
    // Leaving a group is the same: the started sessions keep it until they end.
    await s.mgmt("DELETE", `/users/${user}/groups/editors`);
    expect(await refreshed(next)).toBe("admin audit read write");
    const third = new SessionClient(s, host);
    await third.signIn(user);
    expect(await scopeOf(third)).toBe("admin read");

    // A scope taken from the user leaves the tokens minted afterwards.
    await s.mgmt("DELETE", `/users/${user}/scopes/read`);
    expect(await refreshed(c)).toBe("audit billing write");
    // A deleted group's scopes leave its sessions, and a new group of the name is not theirs.
    await s.mgmt("DELETE", "/config/groups/editors");
    await s.mgmt("POST", "/config/groups", { name: "editors", scopes: ["write"] });
    expect(await refreshed(c)).toBe("billing");
    // An allowed scope removed leaves every token, the login's grant included.
    expect((await s.mgmt("DELETE", "/config/scopes", { scope: "billing" })).status).toBe(200);
    expect(await refreshed(c)).toBe("");
    expect(await refreshed(next)).toBe("admin");
  });

  it("applies a change made through one node at the next refresh on another", async () => {
    const other = await s.secondNode();
    try {
      await s.mgmt("POST", "/config/groups", { name: "roaming", scopes: ["read"] });
      const user = (await s.mgmt("POST", "/users", { identifiers: [{ value: "roam@example.com" }] })).body.id;
      await s.mgmt("POST", `/users/${user}/groups`, { group: "roaming" });
      // The client's session lives on: the load balancer sends its refreshes to the other node.
      const c = new SessionClient(s, host);
      await c.signIn(user);
      const there = new SessionClient(other, host, c.key);
      there.refreshToken = c.refreshToken;
      there.nonce = c.nonce;
      expect((await there.refresh()).status).toBe(200);
      expect(await scopeOf(there)).toBe("read");
      // Changed through the first node, whose own cache is told nothing the other's is not.
      await s.mgmt("PUT", "/config/groups/roaming", { scopes: ["read", "write"] });
      expect((await there.refresh()).status).toBe(200);
      expect(await scopeOf(there)).toBe("read write");
      await other.mgmt("POST", `/users/${user}/scopes`, { scope: "audit" });
      c.refreshToken = there.refreshToken;
      c.nonce = there.nonce;
      expect(await refreshed(c)).toBe("audit read write");
    } finally {
      await other.close();
    }
  });

  it("keeps prld:pwd:write a one-shot grant of the session", async () => {
    const user = (
      await s.mgmt("POST", "/users", {
        identifiers: [{ value: "once@example.com" }],
        password: "first password",
      })
    ).body.id;
    await s.mgmt("POST", `/users/${user}/scopes`, { scope: "read" });
    const c = new SessionClient(s, host);
    await c.signIn(user, { scopes: ["prld:pwd:write"] });
    expect(await scopeOf(c)).toBe("prld:pwd:write read");
    const reset = await s.inject({
      method: "POST",
      url: "/v1/session/me/password/reset",
      headers: { host, authorization: `Bearer ${c.accessToken}`, "content-type": "application/json" },
      payload: JSON.stringify({ password: "second password" }),
    });
    expect(reset.status).toBe(204);
    expect(await refreshed(c)).toBe("read");
  });

  it("gives a login without grants, groups or user scopes an empty scope", async () => {
    const user = (await s.mgmt("POST", "/users", { identifiers: [{ value: "bare@example.com" }] })).body.id;
    const c = new SessionClient(s, host);
    await c.signIn(user);
    const claims = await claimsOf(c.accessToken!);
    expect(claims.scope).toBe("");
    expect(Object.keys(claims).sort()).toEqual(["exp", "iat", "iss", "jti", "nbf", "scope", "sid", "sub"]);
  });
});

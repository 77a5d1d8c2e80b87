import { afterAll, beforeAll, expect, it } from "vitest";
import { startDnsServer } from "./support/dns-server.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

describeEachDatabase("custom domains", (dialect) => {
  let s: TestServer;
  let dns: Awaited<ReturnType<typeof startDnsServer>>;
  const records = new Map<string, string>();
  beforeAll(async () => {
    dns = await startDnsServer(records);
    // A second app, so no default app hides what the domain lookup does.
    s = await startTestServer(dialect, {
      OVERTURE_DNS_SERVERS: dns.server,
      OVERTURE_DEFAULT_APP: "anodefault0",
    });
  });
  afterAll(async () => {
    await s.close();
    await dns.close();
  });

  const jwksAt = (host: string, origin?: string) =>
    s.inject({ method: "GET", url: "/.well-known/jwks.json", headers: { host, ...(origin && { origin }) } });

  it("registers a domain that serves the app at once in dev mode, with CORS for its site", async () => {
    const res = await s.mgmt("POST", "/domains", { domain: "Session.Example.COM." });
    expect(res.status).toBe(201);
    expect(res.body.domain).toMatchObject({
      id: expect.stringMatching(/^dom_/),
      domain: "session.example.com",
      status: "pending",
      cname_record: `${s.appId}.localhost`,
      usable: true,
    });
    expect((await jwksAt("session.example.com")).status).toBe(200);
    const cors = await jwksAt("session.example.com", "https://app.example.com");
    expect(cors.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(
      (await jwksAt("session.example.com", "https://example.com")).headers["access-control-allow-origin"],
    ).toBe("https://example.com");
    expect(
      (await jwksAt("session.example.com", "https://evil-example.com")).headers[
        "access-control-allow-origin"
      ],
    ).toBeUndefined();
    expect((await jwksAt("other.example.org")).status).toBe(404);
    const listed = await s.mgmt("GET", "/domains");
    expect(listed.body.domains.map((d: { domain: string }) => d.domain)).toEqual(["session.example.com"]);
    expect((await s.mgmt("GET", `/domains/${res.body.domain.id}`)).body.domain.domain).toBe(
      "session.example.com",
    );
  });

  it("takes a domain's site from the Public Suffix List, and refuses a public suffix", async () => {
    const allowed = async (host: string, origin: string) =>
      (await jwksAt(host, origin)).headers["access-control-allow-origin"];
    const ids: string[] = [];
    for (const domain of ["example.co.uk", "user.github.io", "a.b.shop.example.net"]) {
      const res = await s.mgmt("POST", "/domains", { domain });
      expect(res.status, domain).toBe(201);
      ids.push(res.body.domain.id);
    }
    // example.co.uk is a registrable domain: its site is itself, never all of co.uk.
    expect(await allowed("example.co.uk", "https://app.example.co.uk")).toBe("https://app.example.co.uk");
    expect(await allowed("example.co.uk", "https://evil.co.uk")).toBeUndefined();
    // github.io is a suffix of the list's private section: user.github.io is one site.
    expect(await allowed("user.github.io", "https://docs.user.github.io")).toBe(
      "https://docs.user.github.io",
    );
    expect(await allowed("user.github.io", "https://attacker.github.io")).toBeUndefined();
    // A deep host belongs to its registrable domain.
    expect(await allowed("a.b.shop.example.net", "https://www.example.net")).toBe("https://www.example.net");

    for (const suffix of ["co.uk", "github.io", "Blogspot.com"]) {
      const res = await s.mgmt("POST", "/domains", { domain: suffix });
      expect(res.status, suffix).toBe(400);
      expect(res.body).toMatchObject({
        code: "invalid_request",
        message: expect.stringContaining("public suffix"),
      });
    }
    // One registered before this rule existed serves the app but opens CORS to no one.
    const now = s.clock.now();
    await s.store.domains.create({
      id: "dom_legacysuffix",
      appId: s.appId,
      host: "appspot.com",
      status: "pending",
      cnameTarget: `${s.appId}.localhost`,
      createdAt: now,
      updatedAt: now,
      verifiedAt: null,
    });
    s.clock.advance(10_000); // written behind the API's back: past the node's cache
    expect(await allowed("appspot.com", "https://anyone.appspot.com")).toBeUndefined();
    for (const id of [...ids, "dom_legacysuffix"]) await s.mgmt("DELETE", `/domains/${id}`);
  });

  it("applies a mode change at once on the node that took it", async () => {
    // On an app of its own: switching its mode must not change what the other tests see.
    const own = await s.forNewApp("mode-change");
    const origin = "http://localhost:3000";
    const allowed = async () =>
      (await jwksAt(`${own.appId}.localhost`, origin)).headers["access-control-allow-origin"];
    expect(await allowed()).toBe(origin); // dev: local origins may call
    await own.mgmt("PUT", "/mode", { mode: "prod" });
    expect(await allowed()).toBeUndefined(); // no clock advance: the cache was dropped
    await own.mgmt("PUT", "/mode", { mode: "dev" });
    expect(await allowed()).toBe(origin);
  });

  it("in prod mode serves only verified domains, verified by their CNAME", async () => {
    // On an app of its own: switching its mode must not change what the other tests see.
    const own = await s.forNewApp("prod-domains");
    const created = (await own.mgmt("POST", "/domains", { domain: "auth.shop.test" })).body.domain;
    await own.mgmt("PUT", "/mode", { mode: "prod" });
    own.clock.advance(10_000);
    expect((await jwksAt("auth.shop.test")).status).toBe(404);
    expect((await own.mgmt("GET", `/domains/${created.id}`)).body.domain.usable).toBe(false);

    const missing = await own.mgmt("POST", `/domains/${created.id}/verify`);
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe("domain_verification_failed");
    expect(missing.body.message).toContain(`${own.appId}.localhost`);
    records.set("auth.shop.test", "elsewhere.example.net");
    expect((await own.mgmt("POST", `/domains/${created.id}/verify`)).body.message).toContain(
      "elsewhere.example.net",
    );

    records.set("auth.shop.test", `${own.appId}.localhost`);
    const verified = await own.mgmt("POST", `/domains/${created.id}/verify`);
    expect(verified.status).toBe(200);
    expect(verified.body.domain).toMatchObject({ status: "active", usable: true });
    own.clock.advance(10_000);
    expect((await jwksAt("auth.shop.test")).status).toBe(200);
    const cors = await jwksAt("auth.shop.test", "https://www.shop.test");
    expect(cors.headers["access-control-allow-origin"]).toBe("https://www.shop.test");
    expect(
      (await jwksAt("auth.shop.test", "http://www.shop.test")).headers["access-control-allow-origin"],
    ).toBeUndefined();
    await own.mgmt("PUT", "/mode", { mode: "dev" });
    own.clock.advance(10_000);
  });

  it("gives a host to one app only, and frees it on delete", async () => {
    const { provisionApp } = await import("../src/domain/apps/apps.js");
    const other = await provisionApp(s.domain, "other");
    const taken = await s.inject({
      method: "POST",
      url: `/v2/session/apps/${other.app.id}/domains`,
      headers: { authorization: `Bearer ${other.apiKey.secret}`, "content-type": "application/json" },
      payload: JSON.stringify({ domain: "session.example.com" }),
    });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe("domain_already_exists");
    const mine = (await s.mgmt("GET", "/domains")).body.domains.find(
      (d: { domain: string }) => d.domain === "session.example.com",
    );
    // Served (and cached by this node) until the delete; the delete takes effect at once.
    expect((await jwksAt("session.example.com")).status).toBe(200);
    expect((await s.mgmt("DELETE", `/domains/${mine.id}`)).status).toBe(204);
    expect((await s.mgmt("DELETE", `/domains/${mine.id}`)).status).toBe(404);
    expect((await jwksAt("session.example.com")).status).toBe(404);
    // And the host is free for the other app, which it serves at once.
    const retaken = await s.inject({
      method: "POST",
      url: `/v2/session/apps/${other.app.id}/domains`,
      headers: { authorization: `Bearer ${other.apiKey.secret}`, "content-type": "application/json" },
      payload: JSON.stringify({ domain: "session.example.com" }),
    });
    expect(retaken.status).toBe(201);
    const served = await jwksAt("session.example.com");
    expect(served.status).toBe(200);
    expect(served.body.keys.map((k: { kid: string }) => k.kid)).not.toContain(
      (await jwksAt(`${s.appId}.localhost`)).body.keys[0].kid,
    );
  });

  for (const domain of [
    "",
    "localhost",
    "x.localhost",
    "a1b2.localhost",
    "127.0.0.1",
    "-bad.example.com",
    "no_underscores.example.com",
    "single",
    `${"a".repeat(64)}.example.com`,
  ]) {
    it(`rejects the domain ${JSON.stringify(domain)}`, async () => {
      const res = await s.mgmt("POST", "/domains", { domain });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe("invalid_request");
    });
  }

  it("answers 404 for unknown domain ids", async () => {
    expect((await s.mgmt("GET", "/domains/dom_nope")).body.code).toBe("domain_not_found");
    expect((await s.mgmt("POST", "/domains/dom_nope/verify")).body.code).toBe("domain_not_found");
  });
});

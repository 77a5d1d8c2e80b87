import { createSessionClient, isApiError, memoryStore } from "@overture/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { json, startReceiver } from "../../server/test/support/receiver.js";
import { describeEachDatabase } from "../../server/test/support/test-databases.js";
import { startTestServer, type TestServer } from "../../server/test/support/test-server.js";

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString());

describeEachDatabase("SDK session client: migrate, refresh, logout", (dialect) => {
  let s: TestServer;
  let address: string;
  let hook: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    address = await s.app.listen({ port: 0, host: "127.0.0.1" });
    // The customer's hook: legacy tokens are "legacy:<id>"; anything else is refused.
    hook = await startReceiver((call, res) => {
      const id = /^legacy:(.+)$/.exec(JSON.parse(call.body).token)?.[1];
      if (!id) return json(res, 401, {});
      json(res, 200, { external_id: `legacy-${id}`, identifiers: [{ value: `${id}@legacy.example` }] });
    });
    const created = await s.mgmt("POST", "/config/migration", {
      session_validation_url: hook.url,
    });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await hook.close();
    await s.close();
  });

  /** A fetch that records the paths it is asked for. */
  const recording = () => {
    const paths: string[] = [];
    const wrapped: typeof fetch = (input, init) => {
      paths.push(new URL(String(input)).pathname);
      return fetch(input, init);
    };
    return { paths, fetch: wrapped };
  };

  it("migrates once, with PKCE and DPoP, and serves the cached token after", async () => {
    const net = recording();
    const session = createSessionClient({ baseUrl: address, fetch: net.fetch });
    const token = await session.migrate({ token: "legacy:ann" });
    expect(claims(token)).toMatchObject({ external_id: "legacy-ann", sid: expect.any(String) });
    // The first DPoP call learns the nonce: finalize is sent twice.
    expect(net.paths).toEqual([
      "/v1/session/migration",
      "/v1/session/login/finalize",
      "/v1/session/login/finalize",
    ]);
    expect(await session.migrate({ token: "legacy:ann" })).toBe(token);
    expect(await session.getAccessToken()).toBe(token);
    expect(net.paths).toHaveLength(3);
  });

  it("shares one migration between concurrent callers", async () => {
    const net = recording();
    const session = createSessionClient({ baseUrl: address, fetch: net.fetch });
    const tokens = await Promise.all(
      Array.from({ length: 5 }, () => session.migrate({ token: "legacy:bob" })),
    );
    expect(new Set(tokens).size).toBe(1);
    expect(net.paths.filter((p) => p === "/v1/session/migration")).toHaveLength(1);
    const users = (await s.mgmt("GET", "/users?external_id=legacy-bob")).body.users;
    expect(users).toHaveLength(1);
  });

  it("refreshes over the network when the cache is stale, rotating the refresh token, and logs out", async () => {
    const store = memoryStore();
    const net = recording();
    const session = createSessionClient({ baseUrl: address, store, fetch: net.fetch });
    const first = await session.migrate({ token: "legacy:carol" });
    const firstRefresh = ((await store.get("refresh")) as { token: string }).token;
    await session.invalidateCache();
    const second = await session.refresh();
    expect(second).not.toBe(first);
    expect(claims(second).sid).toBe(claims(first).sid);
    expect(((await store.get("refresh")) as { token: string }).token).not.toBe(firstRefresh);
    // The nonce learnt on finalize was kept: one /refresh, no retry.
    expect(net.paths.filter((p) => p === "/v1/session/refresh")).toHaveLength(1);

    await session.logout();
    expect(await store.get("access")).toBeUndefined();
    expect(await store.get("dpop")).toBeUndefined();
    const after = await session.refresh().catch((e: unknown) => e);
    expect(isApiError(after, "unauthorized")).toBe(true);
    // The old session is gone on the server too.
    const sessions = await s.mgmt("GET", `/users/${claims(first).sub}/sessions`);
    expect(sessions.body.sessions.filter((x: { id: string }) => x.id === claims(first).sid)).toEqual([]);
  });

  it("retries a call that failed in transit, as the web SDK does, and not one the server refused", async () => {
    let failures = 2;
    const paths: string[] = [];
    const flaky: typeof fetch = (input, init) => {
      paths.push(new URL(String(input)).pathname);
      if (failures-- > 0) return Promise.reject(new TypeError("fetch failed"));
      return fetch(input, init);
    };
    const session = createSessionClient({ baseUrl: address, fetch: flaky });
    const token = await session.migrate({ token: "legacy:dora" });
    expect(claims(token).external_id).toBe("legacy-dora");
    expect(paths.slice(0, 3)).toEqual([
      "/v1/session/migration",
      "/v1/session/migration",
      "/v1/session/migration",
    ]);

    failures = 3;
    const down = createSessionClient({ baseUrl: address, fetch: flaky });
    await expect(down.migrate({ token: "legacy:dora" })).rejects.toThrow("fetch failed");

    const counted: string[] = [];
    const refusing = createSessionClient({
      baseUrl: address,
      fetch: (input, init) => {
        counted.push(String(input));
        return fetch(input, init);
      },
    });
    await expect(refusing.migrate({ token: "bogus" })).rejects.toMatchObject({ code: "unauthorized" });
    expect(counted).toHaveLength(1);
  });

  it("surfaces a refused legacy session as unauthorized, and makes no session", async () => {
    const session = createSessionClient({ baseUrl: address });
    const error = await session.migrate({ token: "not-a-legacy-token" }).catch((e: unknown) => e);
    expect(isApiError(error, "unauthorized")).toBe(true);
    await expect(session.refresh()).rejects.toMatchObject({ code: "unauthorized" });
  });
});

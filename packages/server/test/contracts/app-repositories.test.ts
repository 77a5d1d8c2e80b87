import { afterAll, beforeAll, expect, it } from "vitest";
import type { SigningKeyRecord } from "../../src/domain/apps/signing-key-repository.js";
import { newId } from "../../src/domain/shared/new-id.js";
import type { Store } from "../../src/domain/shared/store.js";
import { contractStore, CONTRACT_NOW as now } from "../support/contract-store.js";
import { describeEachDatabase, type TestDatabase } from "../support/test-databases.js";

describeEachDatabase("contract: app, API key, config, domain and signing key repositories", (dialect) => {
  let t: TestDatabase;
  let store: Store;
  let appId: string;
  let otherAppId: string;
  beforeAll(async () => {
    const c = await contractStore(dialect, ["aapps1", "aapps2"]);
    ({ store, t, appId } = c);
    otherAppId = c.otherAppId!;
  });
  afterAll(() => t.drop());

  it("AppRepository: lists apps, changes mode, algorithm and lifetimes", async () => {
    expect((await store.apps.list()).map((a) => a.id)).toEqual([appId, otherAppId]);
    await store.apps.setMode(appId, "prod", now + 1);
    await store.apps.setTokenAlg(appId, "RS256", now + 2);
    await store.apps.setLifetimes(
      appId,
      { accessTtlSeconds: 60, sessionTtlSeconds: 3600, idleTtlSeconds: 600 },
      now + 3,
    );
    expect(await store.apps.get(appId)).toMatchObject({
      mode: "prod",
      tokenAlg: "RS256",
      accessTtlSeconds: 60,
      sessionTtlSeconds: 3600,
      idleTtlSeconds: 600,
      updatedAt: now + 3,
    });
    expect(await store.apps.get("anosuchapp")).toBeNull();
  });

  it("ApiKeyRepository: finds an active key by its hash with its app, lists and revokes per app", async () => {
    const key = { id: newId("key"), appId, name: "ci", hint: "ovk_abcd…", createdAt: now, revokedAt: null };
    await store.apiKeys.create({ ...key, secretSha256: "sha-of-secret" });
    const found = await store.apiKeys.findActiveBySecret("sha-of-secret");
    expect(found?.key).toEqual(key);
    expect(found?.app.id).toBe(appId);
    expect(await store.apiKeys.findActiveBySecret("sha-of-nothing")).toBeNull();
    expect((await store.apiKeys.list(appId)).map((k) => k.id)).toContain(key.id);
    expect(await store.apiKeys.list(otherAppId)).toEqual([]);
    expect(await store.apiKeys.revoke(otherAppId, key.id, now)).toBe(false);
    expect(await store.apiKeys.revoke(appId, key.id, now)).toBe(true);
    expect(await store.apiKeys.revoke(appId, key.id, now)).toBe(false);
    expect(await store.apiKeys.findActiveBySecret("sha-of-secret")).toBeNull();
  });

  it("AppConfigRepository: one JSON document per app and kind; create once, replace and delete only what exists", async () => {
    expect(await store.configs.get(appId, "kind-a")).toBeNull();
    expect(await store.configs.replace(appId, "kind-a", { v: 1 }, now)).toBe(false);
    expect(await store.configs.create(appId, "kind-a", { v: 1, nested: { list: [1, "x"] } }, now)).toBe(true);
    expect(await store.configs.create(appId, "kind-a", { v: 2 }, now + 1)).toBe(false);
    expect(await store.configs.create(otherAppId, "kind-a", { v: 9 }, now)).toBe(true);
    expect(await store.configs.get(appId, "kind-a")).toEqual({
      value: { v: 1, nested: { list: [1, "x"] } },
      createdAt: now,
      updatedAt: now,
    });
    expect(await store.configs.replace(appId, "kind-a", { v: 3 }, now + 5)).toBe(true);
    expect(await store.configs.get(appId, "kind-a")).toEqual({
      value: { v: 3 },
      createdAt: now,
      updatedAt: now + 5,
    });
    expect((await store.configs.get(otherAppId, "kind-a"))?.value).toEqual({ v: 9 });
    expect(await store.configs.delete(appId, "kind-a")).toBe(true);
    expect(await store.configs.delete(appId, "kind-a")).toBe(false);
  });

  it("DomainRepository: one app per host, found by host, verified and deleted within its app", async () => {
    const domain = {
      id: newId("dom"),
      appId,
      host: "login.contract.example",
      status: "pending" as const,
      cnameTarget: `${appId}.localhost`,
      createdAt: now,
      updatedAt: now,
      verifiedAt: null,
    };
    expect(await store.domains.create(domain)).toBe("created");
    expect(await store.domains.create({ ...domain, id: newId("dom"), appId: otherAppId })).toBe("host_taken");
    expect(await store.domains.findByHost("login.contract.example")).toEqual(domain);
    expect(await store.domains.get(otherAppId, domain.id)).toBeNull();
    expect((await store.domains.list(appId)).map((d) => d.id)).toEqual([domain.id]);
    await store.domains.markVerified(appId, domain.id, now + 1);
    expect(await store.domains.get(appId, domain.id)).toMatchObject({
      status: "verified",
      verifiedAt: now + 1,
      updatedAt: now + 1,
    });
    expect(await store.domains.delete(otherAppId, domain.id)).toBe(false);
    expect(await store.domains.delete(appId, domain.id)).toBe(true);
    expect(await store.domains.findByHost("login.contract.example")).toBeNull();
  });

  it("SigningKeyRepository: the newest unretired key is current; retired keys stay published until they expire", async () => {
    const key = (purpose: SigningKeyRecord["purpose"], at: number): SigningKeyRecord => ({
      id: newId("sig", at),
      appId,
      purpose,
      alg: purpose === "hook" ? "PS256" : "ES256",
      publicJwk: { kty: "EC", kid: "k" },
      privateKeySealed: "v1.sealed",
      createdAt: at,
      retiredAt: null,
      expiresAt: null,
    });
    const first = key("token", now);
    const hook = key("hook", now + 1);
    await store.signingKeys.insert(first);
    await store.signingKeys.insert(hook);
    expect(await store.signingKeys.current(appId, "token")).toEqual(first);
    expect(await store.signingKeys.current(appId, "hook")).toEqual(hook);
    expect(await store.signingKeys.current(otherAppId, "token")).toBeNull();
    await store.signingKeys.retireAll(appId, "token", now + 10, now + 1_000);
    const second = key("token", now + 10);
    await store.signingKeys.insert(second);
    expect((await store.signingKeys.current(appId, "token"))?.id).toBe(second.id);
    expect((await store.signingKeys.published(appId, "token", now + 500)).map((k) => k.id)).toEqual([
      first.id,
      second.id,
    ]);
    expect((await store.signingKeys.published(appId, "token", now + 1_000)).map((k) => k.id)).toEqual([
      second.id,
    ]);
    expect((await store.signingKeys.published(appId, "hook", now + 1_000)).map((k) => k.id)).toEqual([
      hook.id,
    ]);
  });
});

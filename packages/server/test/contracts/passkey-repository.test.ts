import { afterAll, beforeAll, expect, it } from "vitest";
import type { PasskeyRecord } from "../../src/domain/passkeys/passkey-repository.js";
import { newId } from "../../src/domain/shared/new-id.js";
import type { Store } from "../../src/domain/shared/store.js";
import { contractStore, contractUser, CONTRACT_NOW as now } from "../support/contract-store.js";
import { describeEachDatabase, type TestDatabase } from "../support/test-databases.js";

describeEachDatabase("contract: PasskeyRepository", (dialect) => {
  let t: TestDatabase;
  let store: Store;
  let appId: string;
  let otherAppId: string;
  let userId: string;
  let otherUserId: string;
  beforeAll(async () => {
    const c = await contractStore(dialect, ["apasskey1", "apasskey2"]);
    ({ store, t, appId } = c);
    otherAppId = c.otherAppId!;
    userId = await contractUser(store, appId, "passkey-owner");
    otherUserId = await contractUser(store, appId, "passkey-other");
  });
  afterAll(() => t.drop());

  const passkey = (overrides: Partial<PasskeyRecord> = {}): PasskeyRecord => ({
    id: newId("pkc"),
    appId,
    userId,
    credentialId: `cred-${Math.random().toString(36).slice(2)}`,
    publicKey: "pQECAyYgASFYI",
    signCount: 0,
    transports: ["internal", "hybrid"],
    backupEligible: true,
    backupState: false,
    aaguid: "adce0002-35bc-c60a-648b-0b25f1f05503",
    rpId: "example.com",
    nickname: null,
    createdAt: now,
    lastUsedAt: null,
    ...overrides,
  });

  it("stores a credential once per app, finds it by id and credential id in its own app only", async () => {
    const p = passkey({ credentialId: "cred-once" });
    expect(await store.passkeys.insert(p)).toBe(true);
    expect(await store.passkeys.insert(passkey({ credentialId: "cred-once", userId: otherUserId }))).toBe(
      false,
    );
    expect(await store.passkeys.get(appId, p.id)).toEqual(p);
    expect(await store.passkeys.findByCredentialId(appId, "cred-once")).toEqual(p);
    expect(await store.passkeys.get(otherAppId, p.id)).toBeNull();
    expect(await store.passkeys.findByCredentialId(otherAppId, "cred-once")).toBeNull();
  });

  it("lists a user's passkeys oldest first, renames and deletes only the owner's", async () => {
    const owner = await contractUser(store, appId, "passkey-lister");
    const a = passkey({ id: newId("pkc", now), userId: owner });
    const b = passkey({ id: newId("pkc", now + 1), userId: owner, transports: [] });
    await store.passkeys.insert(b);
    await store.passkeys.insert(a);
    expect((await store.passkeys.listForUser(appId, owner)).map((p) => p.id)).toEqual([a.id, b.id]);
    expect((await store.passkeys.get(appId, b.id))?.transports).toEqual([]);
    expect(await store.passkeys.rename(appId, otherUserId, a.id, "stolen")).toBe(false);
    expect(await store.passkeys.rename(appId, owner, a.id, "Laptop")).toBe(true);
    expect((await store.passkeys.get(appId, a.id))?.nickname).toBe("Laptop");
    expect(await store.passkeys.rename(appId, owner, a.id, null)).toBe(true);
    expect((await store.passkeys.get(appId, a.id))?.nickname).toBeNull();
    expect(await store.passkeys.delete(appId, otherUserId, a.id)).toBe(false);
    expect(await store.passkeys.delete(appId, owner, a.id)).toBe(true);
    expect(await store.passkeys.delete(appId, owner, a.id)).toBe(false);
    expect((await store.passkeys.listForUser(appId, owner)).map((p) => p.id)).toEqual([b.id]);
  });

  it("records a use only from the counter it expects: one of two concurrent uses wins", async () => {
    const p = passkey({ signCount: 5 });
    await store.passkeys.insert(p);
    const uses = await Promise.all([
      store.passkeys.recordUse(appId, p.id, 5, 6, now + 1),
      store.passkeys.recordUse(appId, p.id, 5, 6, now + 2),
    ]);
    expect(uses.filter(Boolean)).toHaveLength(1);
    expect(await store.passkeys.get(appId, p.id)).toMatchObject({
      signCount: 6,
      lastUsedAt: expect.any(Number),
    });
    expect(await store.passkeys.recordUse(appId, p.id, 5, 7, now + 3)).toBe(false);
  });

  it("counts the app's passkeys registered under another RP ID", async () => {
    const before = await store.passkeys.countNotUnder(appId, "example.com");
    await store.passkeys.insert(passkey({ rpId: "old.example" }));
    expect(await store.passkeys.countNotUnder(appId, "example.com")).toBe(before + 1);
    expect(await store.passkeys.countNotUnder(appId, "old.example")).toBeGreaterThan(0);
    expect(await store.passkeys.countNotUnder(otherAppId, "example.com")).toBe(0);
  });

  it("goes with its user", async () => {
    const gone = await contractUser(store, appId, "passkey-leaver");
    const p = passkey({ userId: gone });
    await store.passkeys.insert(p);
    await store.users.delete(appId, gone);
    expect(await store.passkeys.get(appId, p.id)).toBeNull();
  });
});

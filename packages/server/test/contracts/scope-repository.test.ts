import { afterAll, beforeAll, expect, it } from "vitest";
import type { GroupRecord } from "../../src/domain/scopes/scope-repository.js";
import { newId } from "../../src/domain/shared/new-id.js";
import type { Store } from "../../src/domain/shared/store.js";
import { contractStore, contractUser, CONTRACT_NOW as now } from "../support/contract-store.js";
import { describeEachDatabase, type TestDatabase } from "../support/test-databases.js";

describeEachDatabase("contract: ScopeRepository", (dialect) => {
  let t: TestDatabase;
  let store: Store;
  let appId: string;
  let otherAppId: string;
  beforeAll(async () => {
    const c = await contractStore(dialect, ["ascopes1", "ascopes2"]);
    ({ store, t, appId } = c);
    otherAppId = c.otherAppId!;
  });
  afterAll(() => t.drop());

  const group = (name: string, overrides: Partial<GroupRecord> = {}): GroupRecord => ({
    id: newId("grp"),
    appId,
    name,
    scopes: [],
    createdAt: now,
    updatedAt: now,
    ...overrides,
  });

  it("adds, finds and removes allowed scopes per app, sorted by code unit", async () => {
    for (const scope of ["b", "a:x", "B", "a"])
      expect(await store.scopes.addAllowed(appId, scope, now)).toBe(true);
    expect(await store.scopes.addAllowed(appId, "a", now)).toBe(false);
    expect(await store.scopes.listAllowed(appId)).toEqual(["B", "a", "a:x", "b"]);
    expect(await store.scopes.listAllowed(otherAppId)).toEqual([]);
    expect((await store.scopes.findAllowed(appId, ["a", "zz", "b", "a"])).sort()).toEqual(["a", "b"]);
    expect(await store.scopes.findAllowed(otherAppId, ["a"])).toEqual([]);
    expect(await store.scopes.findAllowed(appId, [])).toEqual([]);
    await store.transaction(async (tx) => {
      expect(await tx.scopes.findAllowed(appId, ["a"], "share")).toEqual(["a"]);
      expect(await tx.scopes.findAllowed(appId, ["B"], "update")).toEqual(["B"]);
    });
    expect(await store.scopes.removeAllowed(appId, "B")).toBe(true);
    expect(await store.scopes.removeAllowed(appId, "B")).toBe(false);
  });

  it("keeps groups with their scopes; a name once per app; members go with the group", async () => {
    const g = group("editors");
    expect(await store.scopes.createGroup(g)).toBe("created");
    expect(await store.scopes.createGroup(group("editors"))).toBe("name_taken");
    expect(await store.scopes.createGroup(group("editors", { appId: otherAppId }))).toBe("created");
    await store.scopes.setGroupScopes(g, ["b", "a"], now + 5);
    expect(await store.scopes.getGroup(appId, "editors")).toEqual({
      ...g,
      scopes: ["a", "b"],
      updatedAt: now + 5,
    });
    expect(await store.scopes.groupsUsing(appId, "a")).toEqual(["editors"]);
    expect(await store.scopes.groupsUsing(otherAppId, "a")).toEqual([]);
    await store.scopes.createGroup(group("Admins"));
    expect((await store.scopes.listGroups(appId)).map((x) => x.name)).toEqual(["Admins", "editors"]);
    await store.scopes.setGroupScopes(g, ["a"], now + 6);
    expect((await store.scopes.getGroup(appId, "editors"))?.scopes).toEqual(["a"]);

    const user = await contractUser(store, appId);
    expect(await store.scopes.addMember(user, g.id, now)).toBe(true);
    expect(await store.scopes.addMember(user, g.id, now)).toBe(false);
    expect(await store.scopes.groupMembers(g.id)).toEqual([user]);
    expect((await store.users.get(appId, user))?.groups).toEqual(["editors"]);
    await store.scopes.deleteGroup(g.id);
    expect(await store.scopes.getGroup(appId, "editors")).toBeNull();
    expect(await store.scopes.groupMembers(g.id)).toEqual([]);
    expect((await store.users.get(appId, user))?.groups).toEqual([]);
    expect(await store.scopes.removeMember(user, g.id)).toBe(false);
  });

  it("gives users allowed scopes only, and takes a removed allowed scope from them", async () => {
    const user = await contractUser(store, appId);
    await store.scopes.addAllowed(appId, "reports", now);
    expect(await store.scopes.addUserScope(appId, user, "reports", now)).toBe(true);
    expect(await store.scopes.addUserScope(appId, user, "reports", now)).toBe(false);
    expect(await store.scopes.usersHolding(appId, "reports")).toEqual([user]);
    // The database refuses a scope the app does not allow (the domain checks first).
    await expect(store.scopes.addUserScope(appId, user, "undeclared", now)).rejects.toThrow();
    await store.scopes.addAllowed(otherAppId, "theirs", now);
    await expect(store.scopes.addUserScope(appId, user, "theirs", now)).rejects.toThrow();
    expect((await store.users.get(appId, user))?.scopes).toEqual(["reports"]);
    expect(await store.scopes.removeAllowed(appId, "reports")).toBe(true);
    expect((await store.users.get(appId, user))?.scopes).toEqual([]);
    expect(await store.scopes.removeUserScope(user, "reports")).toBe(false);
  });

  it("refuses to remove an allowed scope a group holds", async () => {
    await store.scopes.addAllowed(appId, "held", now);
    const g = group("holders");
    await store.scopes.createGroup(g);
    await store.scopes.setGroupScopes(g, ["held"], now);
    await expect(store.transaction((tx) => tx.scopes.removeAllowed(appId, "held"))).rejects.toThrow();
    expect(await store.scopes.findAllowed(appId, ["held"])).toEqual(["held"]);
  });

  it("reads the token scope config with the app's version, which touchTokenConfig increments", async () => {
    const before = await store.scopes.tokenScopeConfig(appId);
    await store.apps.touchTokenConfig(appId);
    const after = await store.scopes.tokenScopeConfig(appId);
    expect(after.version).toBe(before.version + 1);
    expect(after.allowed).toEqual(await store.scopes.listAllowed(appId));
    expect(after.groups.map((g) => g.name)).toEqual(
      (await store.scopes.listGroups(appId)).map((g) => g.name),
    );
    expect((await store.scopes.tokenScopeConfig(otherAppId)).version).toBe(0);
  });

  it("reads a token subject's scopes, groups, identifiers and the version in one call", async () => {
    const user = await contractUser(store, appId, "subject-1");
    await store.users.insertIdentifier(
      appId,
      user,
      { type: "email_address", value: "b@example.com" },
      newId("idt"),
      now,
    );
    await store.users.insertIdentifier(
      appId,
      user,
      { type: "phone_number", value: "+33612345678" },
      newId("idt"),
      now + 1,
    );
    await store.users.insertIdentifier(
      appId,
      user,
      { type: "email_address", value: "a@example.com" },
      newId("idt"),
      now + 2,
    );
    await store.scopes.addAllowed(appId, "s1", now);
    await store.scopes.addAllowed(appId, "s2", now);
    await store.scopes.addUserScope(appId, user, "s2", now);
    await store.scopes.addUserScope(appId, user, "s1", now);
    const g = group("subjects");
    await store.scopes.createGroup(g);
    await store.scopes.addMember(user, g.id, now);
    await store.users.update(appId, user, { profile: { tier: "gold" } }, now);

    const subject = await store.users.tokenSubject(appId, user, { withIdentifiers: true });
    expect(subject).toMatchObject({ id: user, externalId: "subject-1", status: "active", groupIds: [g.id] });
    expect(subject?.scopes.sort()).toEqual(["s1", "s2"]);
    expect(subject?.identifiers).toEqual([
      { type: "email_address", value: "b@example.com" },
      { type: "phone_number", value: "+33612345678" },
      { type: "email_address", value: "a@example.com" },
    ]);
    expect(subject?.readProfile()).toEqual({ tier: "gold" });
    expect(subject?.tokenConfigVersion).toBe((await store.scopes.tokenScopeConfig(appId)).version);
    const without = await store.users.tokenSubject(appId, user, { withIdentifiers: false });
    expect(without?.identifiers).toBeUndefined();
    expect(await store.users.tokenSubject(otherAppId, user, { withIdentifiers: false })).toBeNull();
    expect((await store.users.getMany(appId, [user, "usr_unknown", user])).map((u) => u.id)).toEqual([user]);
  });
});

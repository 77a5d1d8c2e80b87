import { afterAll, beforeAll, expect, it } from "vitest";
import type { OAuthStateRecord } from "../../src/domain/oauth/oauth-state-repository.js";
import type { Store } from "../../src/domain/shared/store.js";
import { contractStore, CONTRACT_NOW as now } from "../support/contract-store.js";
import { describeEachDatabase, type TestDatabase } from "../support/test-databases.js";

describeEachDatabase("contract: OAuthStateRepository", (dialect) => {
  let t: TestDatabase;
  let store: Store;
  let appId: string;
  let otherAppId: string;
  beforeAll(async () => {
    const c = await contractStore(dialect, ["aoauth1", "aoauth2"]);
    ({ store, t, appId } = c);
    otherAppId = c.otherAppId!;
  });
  afterAll(() => t.drop());

  const state = (stateHash: string, expiresAt = now + 600_000): OAuthStateRecord => ({
    stateHash,
    appId,
    provider: "google",
    browserHash: "b".repeat(43),
    redirectUri: "https://app.example.com/cb?x=1",
    codeChallenge: "c".repeat(43),
    expiresAt,
    createdAt: now,
  });

  it("gives a state back once, to its own app only, whatever the races", async () => {
    await store.oauthStates.create(state("s1"));
    expect(await store.oauthStates.take(otherAppId, "s1")).toBeNull();
    const raced = await Promise.all(Array.from({ length: 8 }, () => store.oauthStates.take(appId, "s1")));
    const won = raced.filter((r) => r !== null);
    expect(won).toEqual([state("s1")]);
    expect(await store.oauthStates.take(appId, "s1")).toBeNull();
    expect(await store.oauthStates.take(appId, "never")).toBeNull();
  });

  it("purges only expired states", async () => {
    await store.oauthStates.create(state("old", now - 1));
    await store.oauthStates.create(state("live", now + 60_000));
    expect(await store.oauthStates.purgeExpired(now)).toBe(1);
    expect(await store.oauthStates.take(appId, "old")).toBeNull();
    expect((await store.oauthStates.take(appId, "live"))?.stateHash).toBe("live");
  });
});

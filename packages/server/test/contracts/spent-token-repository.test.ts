import { expect, it } from "vitest";
import { createStore } from "../../src/storage/kysely-store.js";
import { createTestDatabase, describeEachDatabase } from "../support/test-databases.js";

describeEachDatabase("contract: SpentTokenRepository", (dialect) => {
  it("marks a jti once, and purging forgets only the expired marks", async () => {
    const t = await createTestDatabase(dialect);
    const store = createStore(t.database);
    try {
      expect(await store.spentTokens.markSpent("a1", "challenge", "j1", 1_000)).toBe(true);
      expect(await store.spentTokens.markSpent("a1", "challenge", "j1", 1_000)).toBe(false);
      expect(await store.spentTokens.markSpent("a1", "dpop", "j1", 1_000)).toBe(true);
      expect(await store.spentTokens.markSpent("a2", "challenge", "j1", 5_000)).toBe(true);
      const results = await Promise.all(
        Array.from({ length: 10 }, () => store.spentTokens.markSpent("a3", "dpop", "race", 9_000)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const { purgeExpired } = await import("../../src/domain/shared/purge-expired.js");
      expect(await purgeExpired({ store, clock: { now: () => 2_000 } })).toEqual({
        spentTokens: 2,
        rateLimits: 0,
        otp: 0,
        sessions: 0,
        stepUp: 0,
        oauthStates: 0,
        deliveries: 0,
        outbox: 0,
      });
      expect(await store.spentTokens.markSpent("a1", "challenge", "j1", 10_000)).toBe(true);
      expect(await store.spentTokens.markSpent("a2", "challenge", "j1", 10_000)).toBe(false);
    } finally {
      await t.drop();
    }
  });
});

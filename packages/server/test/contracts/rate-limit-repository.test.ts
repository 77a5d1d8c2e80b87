import { expect, it } from "vitest";
import { createStore } from "../../src/storage/kysely-store.js";
import { createTestDatabase, describeEachDatabase } from "../support/test-databases.js";

describeEachDatabase("contract: RateLimitRepository", (dialect) => {
  it("count hits per window, take one back only in its window, and grant spaced claims once", async () => {
    const t = await createTestDatabase(dialect);
    const store = createStore(t.database);
    try {
      const { rateLimits } = store;
      expect(await rateLimits.hit("k", 1_000, 2_000)).toBe(1);
      expect(await rateLimits.hit("k", 1_000, 2_000)).toBe(2);
      await rateLimits.refund("k", 1_000);
      expect(await rateLimits.hit("k", 1_000, 2_000)).toBe(2);
      // A refund for another window, or below zero, changes nothing.
      await rateLimits.refund("k", 500);
      expect(await rateLimits.hit("k", 1_000, 2_000)).toBe(3);
      expect(await rateLimits.hit("k", 2_000, 3_000)).toBe(1);
      await rateLimits.refund("k", 2_000);
      await rateLimits.refund("k", 2_000);
      expect(await rateLimits.hit("k", 2_000, 3_000)).toBe(1);

      expect(await rateLimits.claimSpaced("s", 10_000, 5_000, 60_000)).toBe(true);
      expect(await rateLimits.claimSpaced("s", 14_999, 5_000, 60_000)).toBe(false);
      expect(await rateLimits.claimSpaced("s", 15_000, 5_000, 60_000)).toBe(true);
      const racing = await Promise.all(
        Array.from({ length: 10 }, () => rateLimits.claimSpaced("s", 30_000, 5_000, 60_000)),
      );
      expect(racing.filter(Boolean)).toHaveLength(1);
    } finally {
      await t.drop();
    }
  });
});

import { afterAll, beforeAll, expect, it } from "vitest";
import { newId } from "../../src/domain/shared/new-id.js";
import type { Store } from "../../src/domain/shared/store.js";
import { createStore } from "../../src/storage/kysely-store.js";
import { contractStore, CONTRACT_NOW as now } from "../support/contract-store.js";
import { describeEachDatabase, type TestDatabase } from "../support/test-databases.js";

describeEachDatabase("contract: OutboxRepository leases", (dialect) => {
  let t: TestDatabase;
  let store: Store;
  let appId: string;
  let otherAppId: string;
  beforeAll(async () => {
    const c = await contractStore(dialect, ["aoutbox1", "aoutbox2"]);
    ({ store, t, appId } = c);
    otherAppId = c.otherAppId!;
  });
  afterAll(() => t.drop());

  const append = async (count: number, app = appId) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const id = newId("evt", now + ids.length);
      await store.outbox.append({ id, appId: app, type: "user.created", payload: { i }, createdAt: now });
      ids.push(id);
    }
    return ids;
  };
  const drain = async (owner: string) => {
    for (;;) {
      const batch = await store.outbox.claim(owner, { limit: 100, leaseMs: 60_000, now: now + 10_000_000 });
      if (batch.length === 0) return;
      await store.outbox.markDelivered(
        owner,
        batch.map((e) => e.id),
        now,
      );
    }
  };

  it("claims undelivered events of every app oldest first, holds them for the lease, and marks them delivered", async () => {
    const mine = await append(3);
    const theirs = await append(2, otherAppId);
    const batch = await store.outbox.claim("node-a", { limit: 4, leaseMs: 30_000, now });
    expect(batch.map((e) => e.id)).toEqual([...mine, ...theirs].sort().slice(0, 4));
    expect(batch[0]).toMatchObject({
      appId: expect.any(String),
      type: "user.created",
      payload: expect.any(Object),
    });
    // Held: another claimer gets only what is left.
    const rest = await store.outbox.claim("node-b", { limit: 10, leaseMs: 30_000, now: now + 1 });
    expect(rest.map((e) => e.id)).toEqual([...mine, ...theirs].sort().slice(4));
    // Only the holder marks its events delivered, once.
    expect(
      await store.outbox.markDelivered(
        "node-b",
        batch.map((e) => e.id),
        now + 2,
      ),
    ).toBe(0);
    expect(
      await store.outbox.markDelivered(
        "node-a",
        batch.map((e) => e.id),
        now + 2,
      ),
    ).toBe(4);
    expect(
      await store.outbox.markDelivered(
        "node-a",
        batch.map((e) => e.id),
        now + 2,
      ),
    ).toBe(0);
    expect(
      await store.outbox.release(
        "node-b",
        rest.map((e) => e.id),
      ),
    ).toBe(1);
    expect(
      (await store.outbox.claim("node-c", { limit: 10, leaseMs: 30_000, now: now + 3 })).map((e) => e.id),
    ).toEqual(rest.map((e) => e.id));
    await drain("node-c");
    // Delivered events stay readable in the app's list.
    expect((await store.outbox.list(appId, { limit: 10 })).map((e) => e.id)).toEqual(
      expect.arrayContaining(mine),
    );
  });

  it("makes events claimable again when a lease runs out, and never after they were delivered", async () => {
    const ids = await append(2);
    const held = await store.outbox.claim("node-dead", { limit: 10, leaseMs: 5_000, now });
    expect(held.map((e) => e.id)).toEqual(ids);
    expect(await store.outbox.claim("node-live", { limit: 10, leaseMs: 5_000, now: now + 4_999 })).toEqual(
      [],
    );
    const retaken = await store.outbox.claim("node-live", { limit: 10, leaseMs: 5_000, now: now + 5_000 });
    expect(retaken.map((e) => e.id)).toEqual(ids);
    // The dead holder comes back too late: its lease is gone.
    expect(await store.outbox.markDelivered("node-dead", ids, now + 6_000)).toBe(0);
    expect(await store.outbox.markDelivered("node-live", ids, now + 6_000)).toBe(2);
    expect(
      await store.outbox.claim("node-late", { limit: 10, leaseMs: 5_000, now: now + 1_000_000 }),
    ).toEqual([]);
  });

  it("gives concurrent claimers disjoint batches, from any number of connections", async () => {
    const ids = await append(40);
    const connection = t.reopen();
    const second = createStore(connection);
    try {
      const claims = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 ? second : store).outbox.claim(`node-${i}`, { limit: 7, leaseMs: 60_000, now }),
        ),
      );
      const claimed = claims.flat().map((e) => e.id);
      expect(new Set(claimed).size).toBe(claimed.length);
      expect(claimed.sort()).toEqual(ids.sort());
    } finally {
      await drain("node-cleanup");
      await connection.close();
    }
  });

  it("purges routed events older than the cutoff that no delivery refers to, and nothing else", async () => {
    // Route everything so far, as a dispatcher would.
    for (;;) {
      const claimed = await store.outbox.claim("purger", { limit: 500, leaseMs: 60_000, now });
      if (claimed.length === 0) break;
      await store.outbox.markDelivered(
        "purger",
        claimed.map((e) => e.id),
        now,
      );
    }
    const [referenced, free] = await append(2);
    const unrouted = (await append(1))[0]!;
    for (const id of [referenced!, free!]) {
      const [claimed] = await store.outbox.claim("purger", { limit: 1, leaseMs: 60_000, now });
      await store.outbox.markDelivered("purger", [claimed!.id], now + 10);
      expect(claimed!.id).toBe(id);
    }
    const webhookId = newId("web");
    await store.webhooks.create({
      id: webhookId,
      appId,
      url: "https://example.com/h",
      events: ["user.created"],
      verificationTokenSealed: "v1.x",
      active: true,
      activatedAt: now,
      lastHttpCode: null,
      lastHttpCodeAt: null,
      createdAt: now,
      updatedAt: now,
    });
    await store.deliveries.enqueue(webhookId, appId, [referenced!], now);
    expect(await store.outbox.purgeRouted(now + 10)).toBeGreaterThanOrEqual(0);
    const remaining = async () => (await store.outbox.list(appId, { limit: 10_000 })).map((e) => e.id);
    // Routed at now + 10: not before the cutoff now + 10.
    expect(await remaining()).toEqual(expect.arrayContaining([referenced, free, unrouted]));
    await store.outbox.purgeRouted(now + 11);
    const left = await remaining();
    expect(left).toContain(referenced);
    expect(left).toContain(unrouted);
    expect(left).not.toContain(free);
  });
});

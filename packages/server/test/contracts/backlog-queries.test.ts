import { afterAll, beforeAll, expect, it } from "vitest";
import { newId } from "../../src/domain/shared/new-id.js";
import type { Store } from "../../src/domain/shared/store.js";
import { contractStore, CONTRACT_NOW as now } from "../support/contract-store.js";
import { describeEachDatabase, type TestDatabase } from "../support/test-databases.js";

/** The reads behind the backlog metrics: OutboxRepository.oldestUnrouted, WebhookDeliveryRepository.backlog. */
describeEachDatabase("contract: webhook backlog reads", (dialect) => {
  let t: TestDatabase;
  let store: Store;
  let appId: string;
  beforeAll(async () => {
    ({ store, t, appId } = await contractStore(dialect, ["abacklog1"]));
  });
  afterAll(() => t.drop());

  it("report nothing waiting, then the oldest unrouted event and each webhook's pending deliveries", async () => {
    expect(await store.outbox.oldestUnrouted()).toBeNull();
    expect(await store.deliveries.backlog()).toEqual([]);
    const ids: string[] = [];
    for (const at of [now - 5_000, now - 1_000, now]) {
      const id = newId("evt", at);
      await store.outbox.append({ id, appId, type: "user.created", payload: {}, createdAt: at });
      ids.push(id);
    }
    expect(await store.outbox.oldestUnrouted()).toBe(now - 5_000);
    const claimed = await store.outbox.claim("router", { limit: 1, leaseMs: 10_000, now });
    expect(claimed.map((e) => e.id)).toEqual([ids[0]]);
    await store.outbox.markDelivered("router", [ids[0] as string], now);
    expect(await store.outbox.oldestUnrouted()).toBe(now - 1_000);

    const webhook = (id: string) => ({
      id,
      appId,
      url: "https://example.com/hook",
      events: ["user.created" as const],
      verificationTokenSealed: "v1.sealed",
      active: true,
      activatedAt: now,
      lastHttpCode: null,
      lastHttpCodeAt: null,
      createdAt: now,
      updatedAt: now,
    });
    await store.webhooks.create(webhook("web_a"));
    await store.webhooks.create(webhook("web_b"));
    await store.deliveries.enqueue("web_a", appId, [ids[0] as string, ids[1] as string], now - 700);
    await store.deliveries.enqueue("web_b", appId, [ids[2] as string], now - 300);
    const backlog = (await store.deliveries.backlog()).sort((a, b) => a.webhookId.localeCompare(b.webhookId));
    expect(backlog).toEqual([
      { appId, webhookId: "web_a", pending: 2, oldestQueuedAt: now - 700 },
      { appId, webhookId: "web_b", pending: 1, oldestQueuedAt: now - 300 },
    ]);
  });
});

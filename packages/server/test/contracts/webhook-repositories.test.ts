import { afterAll, beforeAll, expect, it } from "vitest";
import { newId } from "../../src/domain/shared/new-id.js";
import type { Store } from "../../src/domain/shared/store.js";
import type { WebhookRecord } from "../../src/domain/webhooks/webhook-repository.js";
import { contractStore, CONTRACT_NOW as now } from "../support/contract-store.js";
import { describeEachDatabase, type TestDatabase } from "../support/test-databases.js";

describeEachDatabase("contract: WebhookRepository and WebhookDeliveryRepository", (dialect) => {
  let t: TestDatabase;
  let store: Store;
  let appId: string;
  let otherAppId: string;
  beforeAll(async () => {
    const c = await contractStore(dialect, ["awebhook1", "awebhook2"]);
    ({ store, t, appId } = c);
    otherAppId = c.otherAppId!;
  });
  afterAll(() => t.drop());

  const webhook = (overrides: Partial<WebhookRecord> = {}): WebhookRecord => ({
    id: newId("web"),
    appId,
    url: "https://example.com/hook",
    events: ["user.created"],
    verificationTokenSealed: "v1.sealed",
    active: false,
    activatedAt: null,
    lastHttpCode: null,
    lastHttpCodeAt: null,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  });
  const event = async (type: "user.created" | "user.deleted" = "user.created", at = now) => {
    const id = newId("evt", at);
    await store.outbox.append({ id, appId, type, payload: { n: id }, createdAt: at });
    return id;
  };

  it("keeps webhooks per app, changes their events and state, lists the active ones", async () => {
    const w = webhook();
    await store.webhooks.create(w);
    expect(await store.webhooks.get(appId, w.id)).toEqual(w);
    expect(await store.webhooks.get(otherAppId, w.id)).toBeNull();
    expect(await store.webhooks.setEvents(otherAppId, w.id, ["user.deleted"], now)).toBe(false);
    expect(await store.webhooks.setEvents(appId, w.id, ["user.created", "user.deleted"], now + 1)).toBe(true);
    expect(await store.webhooks.listActive([appId])).toEqual([]);
    expect(await store.webhooks.setActive(appId, w.id, true, now + 2)).toBe(true);
    const active = await store.webhooks.get(appId, w.id);
    expect(active).toMatchObject({
      active: true,
      activatedAt: now + 2,
      events: ["user.created", "user.deleted"],
    });
    expect((await store.webhooks.listActive([appId, otherAppId])).map((x) => x.id)).toEqual([w.id]);
    expect(await store.webhooks.setActive(appId, w.id, false, now + 3)).toBe(true);
    // Deactivating keeps the activation time; the next activation replaces it.
    expect(await store.webhooks.get(appId, w.id)).toMatchObject({ active: false, activatedAt: now + 2 });
    expect(await store.webhooks.delete(otherAppId, w.id)).toBe(false);
    expect(await store.webhooks.delete(appId, w.id)).toBe(true);
    expect(await store.webhooks.list(appId)).toEqual([]);
  });

  it("queues each event once per webhook, hands a due webhook to one sender, and records attempts", async () => {
    const w = webhook({ active: true, activatedAt: now });
    await store.webhooks.create(w);
    const [e1, e2] = [await event(), await event()];
    await store.deliveries.enqueue(w.id, appId, [e1, e2], now);
    await store.deliveries.enqueue(w.id, appId, [e1], now);
    expect((await store.deliveries.pendingBatch(w.id, 10)).map((e) => e.eventId)).toEqual([e1, e2]);

    const claims = await Promise.all(
      [1, 2, 3].map((n) => store.deliveries.claimDueWebhook(`o${n}`, now, 60_000)),
    );
    expect(claims.filter((c) => c?.id === w.id)).toHaveLength(1);
    const owner = `o${claims.findIndex((c) => c?.id === w.id) + 1}`;
    await store.deliveries.recordAttempt(w.id, [e1, e2], {
      at: now + 10,
      status: 500,
      latencyMs: 7,
      error: "HTTP 500",
      delivered: false,
      retryAt: now + 60_000,
      giveUpBefore: now - 1,
    });
    await store.deliveries.releaseWebhook(w.id, "someone-else", now + 11);
    expect(await store.deliveries.claimDueWebhook("o9", now + 20, 60_000)).toBeNull();
    await store.deliveries.releaseWebhook(w.id, owner, now + 12);
    // Released, but its head waits for its retry time.
    expect(await store.deliveries.claimDueWebhook("o9", now + 20, 60_000)).toBeNull();
    expect((await store.webhooks.get(appId, w.id))?.lastHttpCode).toBe(500);
    const claimed = await store.deliveries.claimDueWebhook("o9", now + 60_000, 60_000);
    expect(claimed?.id).toBe(w.id);
    await store.deliveries.recordAttempt(w.id, [e1, e2], {
      at: now + 60_010,
      status: 204,
      latencyMs: 3,
      error: null,
      delivered: true,
      retryAt: 0,
      giveUpBefore: 0,
    });
    await store.deliveries.releaseWebhook(w.id, "o9", now + 60_011);
    const log = await store.deliveries.list(w.id, { limit: 10 });
    expect(log.map((d) => [d.eventId, d.status, d.attempts, d.lastStatus, d.firstAttemptAt])).toEqual([
      [e2, "delivered", 2, 204, now + 10],
      [e1, "delivered", 2, 204, now + 10],
    ]);
    expect(await store.deliveries.pendingBatch(w.id, 10)).toEqual([]);
    // Paged, filtered, one by one, replayed, purged.
    expect((await store.deliveries.list(w.id, { limit: 1, before: e2 })).map((d) => d.eventId)).toEqual([e1]);
    expect(await store.deliveries.list(w.id, { limit: 10, status: "failed" })).toEqual([]);
    expect((await store.deliveries.get(w.id, e1))?.eventType).toBe("user.created");
    expect(await store.deliveries.redeliver(w.id, { eventId: e1 }, now + 70_000)).toBe(1);
    expect((await store.deliveries.get(w.id, e1))?.status).toBe("pending");
    expect(await store.deliveries.redeliver(w.id, { eventId: e1 }, now + 70_000)).toBe(0);
    expect(await store.deliveries.redeliver(w.id, { since: now }, now + 70_000)).toBe(1);
    expect(await store.deliveries.purgeDelivered(now + 100_000)).toBe(0);
  });

  it("fails deliveries first attempted before the give-up time and keeps the rest pending", async () => {
    const w = webhook({ active: true, activatedAt: now });
    await store.webhooks.create(w);
    const [old, young] = [await event(), await event()];
    await store.deliveries.enqueue(w.id, appId, [old], now);
    await store.deliveries.recordAttempt(w.id, [old], {
      at: now,
      status: null,
      latencyMs: 0,
      error: "timeout",
      delivered: false,
      retryAt: now + 1,
      giveUpBefore: now - 1,
    });
    await store.deliveries.enqueue(w.id, appId, [young], now + 5);
    await store.deliveries.recordAttempt(w.id, [old, young], {
      at: now + 100,
      status: 503,
      latencyMs: 1,
      error: "HTTP 503",
      delivered: false,
      retryAt: now + 200,
      giveUpBefore: now,
    });
    expect((await store.deliveries.get(w.id, old))?.status).toBe("failed");
    expect(await store.deliveries.get(w.id, young)).toMatchObject({
      status: "pending",
      nextAttemptAt: now + 200,
    });
    expect((await store.deliveries.pendingBatch(w.id, 10)).map((e) => e.eventId)).toEqual([young]);
  });
});

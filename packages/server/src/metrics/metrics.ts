import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { WebhookBacklog } from "../domain/webhooks/webhook-backlog.js";
import type { OutboundPeer } from "../outbound/outbound-client.js";

/** Latency buckets, in seconds: a refresh is milliseconds, a hook call up to its 10 s timeout. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The process's Prometheus metrics (docs/operations.md lists them), in a registry of its own: no
 * global state, and a process's metrics are only what it registered.
 */
export function createMetrics() {
  const registry = new Registry();
  // Process, heap, GC and event-loop lag (nodejs_eventloop_lag_*), prefixed like the rest.
  collectDefaultMetrics({ register: registry, prefix: "overture_" });
  const requests = new Counter({
    name: "overture_http_requests_total",
    help: "Requests answered, by API surface, method, route template and status.",
    labelNames: ["surface", "method", "route", "status"],
    registers: [registry],
  });
  const latency = new Histogram({
    name: "overture_http_request_duration_seconds",
    help: "Time to answer a request, by API surface, method and route template.",
    labelNames: ["surface", "method", "route"],
    buckets: BUCKETS,
    registers: [registry],
  });
  const logins = new Counter({
    name: "overture_logins_total",
    help: "Login attempts by method (password, sign_up, otp, migration, oauth, finalize) and outcome (ok, or the error code).",
    labelNames: ["method", "outcome"],
    registers: [registry],
  });
  const refreshes = new Counter({
    name: "overture_refreshes_total",
    help: "Refreshes by outcome: rotated, grace_retry, reuse_detected, key_mismatch, or another error code.",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: "overture_rate_limited_total",
    help: "Requests refused with 429, by route template.",
    labelNames: ["route"],
    registers: [registry],
  });
  const outbound = new Counter({
    name: "overture_outbound_requests_total",
    help: "Calls to peers (hooks, webhook receivers, OTP gateways, identity providers) by peer and outcome (the status class, or timeout, failed, refused, too_large).",
    labelNames: ["peer", "outcome"],
    registers: [registry],
  });
  const outboundLatency = new Histogram({
    name: "overture_outbound_request_duration_seconds",
    help: "Time of calls to peers, by peer.",
    labelNames: ["peer"],
    buckets: BUCKETS,
    registers: [registry],
  });
  const transactions = new Histogram({
    name: "overture_db_transaction_duration_seconds",
    help: "Database transactions (on SQLite, group commits) from start to commit.",
    buckets: BUCKETS,
    registers: [registry],
  });
  const groupSizes = new Histogram({
    name: "overture_db_transaction_requests",
    help: "Requests per database transaction: on SQLite, how many a group commit carried (1 on PostgreSQL).",
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [registry],
  });
  let backlog: (() => Promise<WebhookBacklog>) | null = null;
  // Read from the shared database at scrape time; workers' copies are the same, so the cluster
  // aggregation keeps the largest instead of summing them.
  new Gauge({
    name: "overture_outbox_oldest_unrouted_seconds",
    help: "Age of the oldest event not yet routed to webhooks (0 when none waits).",
    aggregator: "max",
    registers: [registry],
    async collect() {
      if (backlog) this.set((await backlog()).oldestUnroutedSeconds);
    },
  });
  const perWebhook = (name: string, help: string, value: (w: WebhookBacklog["webhooks"][number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["app_id", "webhook_id"],
      aggregator: "max",
      registers: [registry],
      async collect() {
        if (!backlog) return;
        this.reset();
        for (const w of (await backlog()).webhooks)
          this.set({ app_id: w.appId, webhook_id: w.webhookId }, value(w));
      },
    });
  perWebhook(
    "overture_webhook_pending_deliveries",
    "Deliveries waiting to be sent, per webhook.",
    (w) => w.pending,
  );
  perWebhook(
    "overture_webhook_oldest_pending_seconds",
    "Age of each webhook's oldest pending delivery.",
    (w) => w.oldestPendingSeconds,
  );
  return {
    registry,
    /** Where the backlog gauges read from at scrape time (the domain, once it exists). */
    watchBacklog(read: () => Promise<WebhookBacklog>): void {
      backlog = read;
    },
    transaction(requests: number, seconds: number): void {
      transactions.observe(seconds);
      groupSizes.observe(requests);
    },
    request(surface: string, method: string, route: string, status: number, seconds: number): void {
      requests.inc({ surface, method, route, status: String(status) });
      latency.observe({ surface, method, route }, seconds);
    },
    login(method: string, outcome: string): void {
      logins.inc({ method, outcome });
    },
    refresh(outcome: string): void {
      refreshes.inc({ outcome });
    },
    rateLimited(route: string): void {
      rateLimited.inc({ route });
    },
    outbound(peer: OutboundPeer, outcome: string, seconds: number): void {
      outbound.inc({ peer, outcome });
      outboundLatency.observe({ peer }, seconds);
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

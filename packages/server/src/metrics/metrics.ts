import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";
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
  return {
    registry,
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

import {
  CreateWebhookRequest,
  DeliveryListQuery,
  DeliveryListResponse,
  DeliveryParams,
  DeliveryResponse,
  RedeliverRequest,
  RedeliverResponse,
  WebhookEventParams,
  WebhookEventRequest,
  WebhookListResponse,
  WebhookParams,
  WebhookResponse,
} from "@overture/protocol";
import { isoTime } from "../../domain/shared/clock.js";
import { listDeliveries, redeliverOne, redeliverSince } from "../../domain/webhooks/delivery-log.js";
import type { DeliveryRecord } from "../../domain/webhooks/delivery-repository.js";
import type { WebhookRecord } from "../../domain/webhooks/webhook-repository.js";
import {
  activateWebhook,
  addWebhookEvent,
  createWebhook as create,
  deactivateWebhook,
  getWebhook as get,
  listWebhooks as list,
  deleteWebhook as remove,
  removeWebhookEvent,
} from "../../domain/webhooks/webhooks.js";
import { fail } from "../api-error.js";
import { defineRoute } from "../route-spec.js";

const tag = "Webhooks";

/** Never the verification token: it is only sent to the endpoint, in the handshake. */
const present = (w: WebhookRecord) => ({
  webhook: {
    id: w.id,
    url: w.url,
    events: w.events,
    active: w.active,
    last_http_code: w.lastHttpCode,
    last_http_code_date: w.lastHttpCodeAt === null ? null : isoTime(w.lastHttpCodeAt),
    created_at: isoTime(w.createdAt),
    updated_at: isoTime(w.updatedAt),
  },
});

export const createWebhook = defineRoute({
  operationId: "createWebhook",
  summary: "Register a webhook",
  description:
    "Inactive until `POST /webhooks/{id}/activate` succeeds. `url` is https (`http` to a loopback host in " +
    "`dev` mode only); `verification_token` is sent back in the activation handshake and never returned. " +
    "At most 20 per app (docs/webhooks.md).",
  tag,
  body: CreateWebhookRequest,
  responses: { 201: WebhookResponse },
  errors: [],
  handler: async ({ app, body, deps }) => {
    const created = await create(deps.domain, app, body);
    if (!created.ok) fail(created);
    return { status: 201, body: present(created.webhook) };
  },
});

export const listWebhooks = defineRoute({
  operationId: "listWebhooks",
  summary: "List webhooks",
  tag,
  responses: { 200: WebhookListResponse },
  errors: [],
  handler: async ({ app, deps }) => ({
    status: 200,
    body: { webhooks: (await list(deps.domain, app.id)).map((w) => present(w).webhook) },
  }),
});

export const getWebhook = defineRoute({
  operationId: "getWebhook",
  summary: "Get a webhook",
  tag,
  params: WebhookParams,
  responses: { 200: WebhookResponse },
  errors: ["webhook_not_found"],
  handler: async ({ app, params, deps }) => {
    const found = await get(deps.domain, app.id, params.webhookID);
    if (!found.ok) fail(found);
    return { status: 200, body: present(found.webhook) };
  },
});

export const deleteWebhook = defineRoute({
  operationId: "deleteWebhook",
  summary: "Delete a webhook",
  description: "It receives nothing more.",
  tag,
  params: WebhookParams,
  responses: { 204: null },
  errors: ["webhook_not_found"],
  handler: async ({ app, params, deps }) => {
    const removed = await remove(deps.domain, app.id, params.webhookID);
    if (!removed.ok) fail(removed);
    return { status: 204 };
  },
});

export const activate = defineRoute({
  operationId: "activateWebhook",
  summary: "Activate a webhook by its handshake",
  description:
    "Sends `GET <url>?event=activate&verification_token=…&challenge=<integer>&app_id=…`; only a 200 JSON " +
    'answer `{"challenge": <the same integer>}` within 10 s activates it. Anything else is a 400 ' +
    "`webhook_activation_failed` saying why, and the webhook stays as it was. Events recorded while a " +
    "webhook is inactive are never sent to it.",
  tag,
  params: WebhookParams,
  bodyOptional: true,
  responses: { 200: WebhookResponse },
  errors: ["webhook_not_found", "webhook_activation_failed"],
  handler: async ({ app, params, deps }) => {
    const activated = await activateWebhook(deps.domain, app, params.webhookID);
    if (!activated.ok) fail(activated);
    return { status: 200, body: present(activated.webhook) };
  },
});

export const deactivate = defineRoute({
  operationId: "deactivateWebhook",
  summary: "Deactivate a webhook",
  description: "It receives nothing until activated again; events recorded meanwhile are not sent to it.",
  tag,
  params: WebhookParams,
  bodyOptional: true,
  responses: { 200: WebhookResponse },
  errors: ["webhook_not_found"],
  handler: async ({ app, params, deps }) => {
    const done = await deactivateWebhook(deps.domain, app.id, params.webhookID);
    if (!done.ok) fail(done);
    return { status: 200, body: present(done.webhook) };
  },
});

export const addEvent = defineRoute({
  operationId: "addWebhookEvent",
  summary: "Subscribe a webhook to one more event",
  tag,
  params: WebhookParams,
  body: WebhookEventRequest,
  responses: { 201: WebhookResponse },
  errors: ["webhook_not_found"],
  handler: async ({ app, params, body, deps }) => {
    const changed = await addWebhookEvent(deps.domain, app.id, params.webhookID, body.event);
    if (!changed.ok) fail(changed);
    return { status: 201, body: present(changed.webhook) };
  },
});

export const removeEvent = defineRoute({
  operationId: "removeWebhookEvent",
  summary: "Unsubscribe a webhook from one event",
  description: "The last event cannot be removed; delete the webhook instead.",
  tag,
  params: WebhookEventParams,
  responses: { 200: WebhookResponse },
  errors: ["webhook_not_found"],
  handler: async ({ app, params, deps }) => {
    const changed = await removeWebhookEvent(deps.domain, app.id, params.webhookID, params.event);
    if (!changed.ok) fail(changed);
    return { status: 200, body: present(changed.webhook) };
  },
});

const at = (t: number | null) => (t === null ? null : isoTime(t));
const presentDelivery = (d: DeliveryRecord) => ({
  event_id: d.eventId,
  event_type: d.eventType,
  status: d.status,
  attempts: d.attempts,
  last_status: d.lastStatus,
  last_error: d.lastError,
  last_latency_ms: d.lastLatencyMs,
  first_attempt_at: at(d.firstAttemptAt),
  last_attempt_at: at(d.lastAttemptAt),
  next_attempt_at: d.status === "pending" ? isoTime(d.nextAttemptAt) : null,
  delivered_at: at(d.deliveredAt),
  created_at: isoTime(d.createdAt),
});

export const deliveries = defineRoute({
  operationId: "listWebhookDeliveries",
  summary: "The webhook's delivery log",
  description:
    "One row per event sent (or to send) to the webhook, newest event first, cursor-paginated; `status` " +
    "filters. Delivered rows are kept `OVERTURE_WEBHOOK_RETENTION_DAYS` (default 7); failed ones stay.",
  tag,
  params: WebhookParams,
  query: DeliveryListQuery,
  responses: { 200: DeliveryListResponse },
  errors: ["webhook_not_found"],
  handler: async ({ app, params, query, deps }) => {
    const page = await listDeliveries(deps.domain, app.id, params.webhookID, {
      limit: query.limit ?? 50,
      ...(query.cursor !== undefined && { cursor: query.cursor }),
      ...(query.status !== undefined && { status: query.status }),
    });
    if (!page.ok) fail(page);
    return {
      status: 200,
      body: { deliveries: page.deliveries.map(presentDelivery), next_cursor: page.nextCursor },
    };
  },
});

export const redeliverDelivery = defineRoute({
  operationId: "redeliverWebhookDelivery",
  summary: "Send one event to the webhook again",
  description:
    "A delivered or failed delivery goes back in the queue, in its event's place, with a fresh two weeks " +
    "of retries; a pending one is left as it is.",
  tag,
  params: DeliveryParams,
  bodyOptional: true,
  responses: { 200: DeliveryResponse },
  errors: ["webhook_not_found", "not_found"],
  handler: async ({ app, params, deps }) => {
    const done = await redeliverOne(deps.domain, app.id, params.webhookID, params.eventID);
    if (!done.ok) fail(done);
    return { status: 200, body: { delivery: presentDelivery(done.delivery) } };
  },
});

export const redeliver = defineRoute({
  operationId: "redeliverWebhook",
  summary: "Send again everything since a time",
  description:
    "Every delivered or failed delivery of an event recorded at or after `since` goes back in the queue. " +
    "Events never queued for the webhook (recorded while it was inactive) are not included.",
  tag,
  params: WebhookParams,
  body: RedeliverRequest,
  responses: { 200: RedeliverResponse },
  errors: ["webhook_not_found"],
  handler: async ({ app, params, body, deps }) => {
    const done = await redeliverSince(deps.domain, app.id, params.webhookID, Date.parse(body.since));
    if (!done.ok) fail(done);
    return { status: 200, body: { redelivered: done.redelivered } };
  },
});

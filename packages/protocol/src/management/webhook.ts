import Type from "typebox";
import { WEBHOOK_EVENTS } from "./webhook-events.js";

export { WEBHOOK_EVENTS } from "./webhook-events.js";
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

export const WEBHOOK_LIMITS = {
  /** Webhooks per app. */
  perAppMax: 20,
  urlLengthMax: 2048,
  verificationTokenLengthMax: 100,
} as const;

export const WebhookEventName = Type.Union(
  WEBHOOK_EVENTS.map((e) => Type.Literal(e)),
  { description: "An event a webhook receives (docs/webhooks.md)." },
);

export const Webhook = Type.Object({
  id: Type.String({ examples: ["web_01jqebhswje1ka1z7ahr9rfsgt"] }),
  url: Type.String(),
  events: Type.Array(WebhookEventName),
  active: Type.Boolean({ description: "Receives events: set by a successful activation handshake." }),
  last_http_code: Type.Union([Type.Integer(), Type.Null()], {
    description:
      "The HTTP status of the latest delivery attempt; null before the first, or when it got no answer.",
  }),
  last_http_code_date: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  created_at: Type.String({ format: "date-time" }),
  updated_at: Type.String({ format: "date-time" }),
});

export const CreateWebhookRequest = Type.Object(
  {
    url: Type.String({
      format: "uri",
      minLength: 1,
      maxLength: WEBHOOK_LIMITS.urlLengthMax,
      description: "https; `http` to a loopback host in `dev` mode only.",
    }),
    verification_token: Type.String({
      minLength: 1,
      maxLength: WEBHOOK_LIMITS.verificationTokenLengthMax,
      description: "Sent back in the activation handshake; kept sealed, never returned.",
    }),
    events: Type.Array(WebhookEventName, { minItems: 1, maxItems: WEBHOOK_EVENTS.length }),
  },
  { additionalProperties: false },
);
export type CreateWebhookRequest = Type.Static<typeof CreateWebhookRequest>;

export const WebhookEventRequest = Type.Object({ event: WebhookEventName }, { additionalProperties: false });
export const WebhookResponse = Type.Object({ webhook: Webhook });
export const WebhookListResponse = Type.Object({ webhooks: Type.Array(Webhook) });
export const WebhookParams = Type.Object({
  appID: Type.String({ maxLength: 64 }),
  webhookID: Type.String({ maxLength: 64 }),
});
export const WebhookEventParams = Type.Object({
  appID: Type.String({ maxLength: 64 }),
  webhookID: Type.String({ maxLength: 64 }),
  event: WebhookEventName,
});

export const Delivery = Type.Object({
  event_id: Type.String({ description: "The event's id: the envelope's `id`." }),
  event_type: Type.String(),
  status: Type.Union([Type.Literal("pending"), Type.Literal("delivered"), Type.Literal("failed")]),
  attempts: Type.Integer(),
  last_status: Type.Union([Type.Integer(), Type.Null()], {
    description: "The HTTP status of the latest attempt.",
  }),
  last_error: Type.Union([Type.String(), Type.Null()]),
  last_latency_ms: Type.Union([Type.Integer(), Type.Null()]),
  first_attempt_at: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  last_attempt_at: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  next_attempt_at: Type.Union([Type.String({ format: "date-time" }), Type.Null()], {
    description: "While pending: when it goes out (behind any older pending delivery).",
  }),
  delivered_at: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  created_at: Type.String({ format: "date-time", description: "When it was queued." }),
});

export const DeliveryListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: "Default 50." })),
    cursor: Type.Optional(Type.String({ maxLength: 64, description: "`next_cursor` of the previous page." })),
    status: Type.Optional(
      Type.Union([Type.Literal("pending"), Type.Literal("delivered"), Type.Literal("failed")]),
    ),
  },
  { additionalProperties: false },
);

export const DeliveryListResponse = Type.Object({
  deliveries: Type.Array(Delivery),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});
export const DeliveryResponse = Type.Object({ delivery: Delivery });
export const DeliveryParams = Type.Object({
  appID: Type.String({ maxLength: 64 }),
  webhookID: Type.String({ maxLength: 64 }),
  eventID: Type.String({ maxLength: 64 }),
});
export const RedeliverRequest = Type.Object(
  {
    since: Type.String({
      format: "date-time",
      description: "Every delivered or failed delivery of an event recorded at or after this time.",
    }),
  },
  { additionalProperties: false },
);
export const RedeliverResponse = Type.Object({ redelivered: Type.Integer() });

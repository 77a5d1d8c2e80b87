import Type from "typebox";
import { ScopeName } from "./scopes.js";

export const OtpDelivery = Type.Union(
  [
    Type.Object({ type: Type.Literal("console") }, { additionalProperties: false }),
    Type.Object(
      {
        type: Type.Literal("http"),
        url: Type.String({ format: "uri", pattern: "^https?://", maxLength: 2048 }),
        headers: Type.Optional(
          Type.Record(Type.String({ maxLength: 128 }), Type.String({ maxLength: 1024 }), {
            maxProperties: 10,
          }),
        ),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        type: Type.Literal("smtp"),
        host: Type.String({ minLength: 1, maxLength: 253 }),
        port: Type.Integer({ minimum: 1, maximum: 65535 }),
        secure: Type.Optional(Type.Boolean({ description: "Implicit TLS (default: true on port 465)." })),
        require_tls: Type.Optional(
          Type.Boolean({ description: "Require STARTTLS (default true; always in prod mode)." }),
        ),
        username: Type.Optional(Type.String({ maxLength: 256 })),
        password: Type.Optional(Type.String({ maxLength: 1024 })),
        from: Type.String({ minLength: 3, maxLength: 320 }),
      },
      { additionalProperties: false },
    ),
  ],
  {
    description:
      "How codes are delivered (Overture extension; default `console`, dev mode only). Credentials are " +
      "stored encrypted and never shown again.",
  },
);

export const OtpDeliverySummary = Type.Union([
  Type.Object({ type: Type.Literal("console") }),
  Type.Object({ type: Type.Literal("http"), url: Type.String(), header_names: Type.Array(Type.String()) }),
  Type.Object({
    type: Type.Literal("smtp"),
    host: Type.String(),
    port: Type.Integer(),
    secure: Type.Boolean(),
    require_tls: Type.Boolean(),
    username: Type.Union([Type.String(), Type.Null()]),
    password_set: Type.Boolean(),
    from: Type.String(),
  }),
]);

export const OtpConfigRequest = Type.Object(
  {
    config_type: Type.Literal("otp"),
    channel_type: Type.Union([Type.Literal("sms"), Type.Literal("email")]),
    is_default: Type.Optional(Type.Boolean()),
    template_id: Type.Optional(Type.String({ maxLength: 64 })),
    sender_id: Type.Optional(Type.String({ maxLength: 64 })),
    granted_scopes: Type.Optional(
      Type.Array(ScopeName, {
        maxItems: 20,
        description: "Scopes a session started with this config gets; each must be an allowed scope.",
      }),
    ),
    delivery: Type.Optional(OtpDelivery),
  },
  { additionalProperties: false },
);
export type OtpConfigRequest = Type.Static<typeof OtpConfigRequest>;

export const OtpConfig = Type.Object({
  id: Type.String({ examples: ["lcfg_01jqebhswje1ka1z7ahr9rfs"] }),
  config_type: Type.Literal("otp"),
  channel_type: Type.Union([Type.Literal("sms"), Type.Literal("email")]),
  is_default: Type.Boolean(),
  template_id: Type.Union([Type.String(), Type.Null()]),
  sender_id: Type.Union([Type.String(), Type.Null()]),
  granted_scopes: Type.Array(Type.String()),
  delivery: OtpDeliverySummary,
  created_at: Type.String({ format: "date-time" }),
  updated_at: Type.String({ format: "date-time" }),
});

export const OtpConfigResponse = Type.Object({ login_config: OtpConfig });
export const OtpConfigListResponse = Type.Object({ login_configs: Type.Array(OtpConfig) });
export const OtpConfigParams = Type.Object({
  appID: Type.String({ maxLength: 64 }),
  loginConfigID: Type.String({ maxLength: 64 }),
});

export const DevMessagesResponse = Type.Object({
  messages: Type.Array(
    Type.Object({
      channel: Type.String(),
      to: Type.String(),
      code: Type.String(),
      body: Type.String(),
      created_at: Type.String({ format: "date-time" }),
    }),
  ),
});

import Type from "typebox";

const count = (max: number) => Type.Integer({ minimum: 0, maximum: max });

export const PasswordCompliancy = Type.Object(
  {
    min_length: Type.Integer({ minimum: 1, maximum: 1024 }),
    max_length: Type.Integer({
      minimum: 0,
      maximum: 1024,
      description: "0: no bound beyond the 1024 request limit.",
    }),
    uppercase: count(64),
    lowercase: count(64),
    numbers: count(64),
    symbols: count(64),
  },
  { additionalProperties: false, description: "Minimum counts of each character class." },
);
export type PasswordCompliancy = Type.Static<typeof PasswordCompliancy>;

export const RateLimitRule = Type.Object(
  {
    ttl: Type.Integer({
      minimum: 1_000_000_000,
      maximum: 86_400_000_000_000,
      description: "Window, in nanoseconds.",
    }),
    limit: Type.Integer({ minimum: 1, maximum: 1_000_000, description: "Attempts allowed per window." }),
  },
  { additionalProperties: false },
);
export type RateLimitRule = Type.Static<typeof RateLimitRule>;

export const PasswordConfigRequest = Type.Object(
  {
    hash_method: Type.Optional(Type.Literal("argon2id")),
    enabled: Type.Optional(Type.Boolean()),
    rate_limit_login_ip: Type.Optional(RateLimitRule),
    rate_limit_login_identifier: Type.Optional(RateLimitRule),
    password_compliancy: Type.Optional(PasswordCompliancy),
  },
  { additionalProperties: false },
);
export type PasswordConfigRequest = Type.Static<typeof PasswordConfigRequest>;

export const PasswordConfig = Type.Object({
  hash_method: Type.Literal("argon2id"),
  enabled: Type.Boolean(),
  rate_limit_login_ip: RateLimitRule,
  rate_limit_login_identifier: RateLimitRule,
  password_compliancy: PasswordCompliancy,
  created_at: Type.String({ format: "date-time" }),
  updated_at: Type.String({ format: "date-time" }),
});
export type PasswordConfig = Type.Static<typeof PasswordConfig>;

export const PasswordConfigResponse = Type.Object({ config: PasswordConfig });

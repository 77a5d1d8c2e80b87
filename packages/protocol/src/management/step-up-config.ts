import Type from "typebox";
import { ScopeName } from "./scopes.js";

/** Step-up config (seed 003, docs/step-up.md): the schema's own bounds; the cross-field rules are the server's. */
export const STEP_UP_LIMITS = {
  stepKeysMax: 50,
  allowedScopesMax: 100,
  stepsMax: 10,
  stepKeyLengthMax: 64,
  descriptionLengthMax: 256,
  /** granted_for and expiration_duration, in seconds. */
  durationMax: 86_400,
} as const;

/** Step keys: built-in (`verify_email`, `verify_sms`, `verify_passkey`) or declared in `step_keys`. */
export const STEP_KEY_PATTERN = "^[a-zA-Z0-9.\\-_:]+$";

export const StepKeyName = Type.String({
  minLength: 1,
  maxLength: STEP_UP_LIMITS.stepKeyLengthMax,
  pattern: STEP_KEY_PATTERN,
  examples: ["verify_sms", "high_value_transaction"],
});

const HookUrl = (description: string, example: string) =>
  Type.String({ format: "uri", minLength: 1, maxLength: 2048, description, examples: [example] });

export const StepKey = Type.Object(
  {
    key: StepKeyName,
    description: Type.String({ maxLength: STEP_UP_LIMITS.descriptionLengthMax }),
  },
  { additionalProperties: false },
);
export type StepKey = Type.Static<typeof StepKey>;

export const StepUpStep = Type.Object(
  {
    order: Type.Integer({ minimum: 1, description: "Position of this step in the sequence (starts at 1)." }),
    key: StepKeyName,
    expiration_duration: Type.Integer({
      minimum: 0,
      maximum: STEP_UP_LIMITS.durationMax,
      description: "Seconds the user has to complete this step; 0 means the default, 600.",
    }),
  },
  { additionalProperties: false },
);
export type StepUpStep = Type.Static<typeof StepUpStep>;

export const StepUpStatus = Type.Union([
  Type.Literal("continue"),
  Type.Literal("review"),
  Type.Literal("block"),
]);
export type StepUpStatus = Type.Static<typeof StepUpStatus>;

export const GrantMode = Type.Union([
  Type.Literal("single-use"),
  Type.Literal("session-bound"),
  Type.Literal("profile-bound"),
]);
export type GrantMode = Type.Static<typeof GrantMode>;

export const StepUpIdentifierType = Type.Union([Type.Literal("email_address"), Type.Literal("phone_number")]);

export const DirectScopeConfig = Type.Object(
  {
    identifier_types: Type.Array(StepUpIdentifierType, { minItems: 1, maxItems: 2 }),
    status: StepUpStatus,
    granted_for: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: STEP_UP_LIMITS.durationMax,
        description:
          "Seconds the scope is granted; required for `continue` and `review`. Below 1 with `session-bound` or `profile-bound`, 600 is stored.",
      }),
    ),
    grant_mode: Type.Optional(GrantMode),
    steps: Type.Optional(Type.Array(StepUpStep, { maxItems: STEP_UP_LIMITS.stepsMax })),
  },
  { additionalProperties: false },
);
export type DirectScopeConfig = Type.Static<typeof DirectScopeConfig>;

export const DelegatedScopeConfig = Type.Object(
  {
    delegation_hook: HookUrl(
      "HTTPS endpoint Overture calls for this scope; `http` to a loopback host in `dev` mode only.",
      "https://api.example.com/stepup/signal",
    ),
  },
  { additionalProperties: false },
);
export type DelegatedScopeConfig = Type.Static<typeof DelegatedScopeConfig>;

export const AllowedScopeConfig = Type.Object(
  {
    scope: ScopeName,
    mode: Type.Union([Type.Literal("delegated"), Type.Literal("direct"), Type.Literal("managed")], {
      description:
        "`direct`: a static decision; `delegated`: the delegation hook decides; `managed`: only for `prld:email:register` and `prld:phone:register`.",
    }),
    delegated: Type.Optional(DelegatedScopeConfig),
    direct: Type.Optional(DirectScopeConfig),
  },
  { additionalProperties: false },
);
export type AllowedScopeConfig = Type.Static<typeof AllowedScopeConfig>;

export const StepUpConfigRequest = Type.Object(
  {
    jwks_url: Type.Optional(
      HookUrl(
        "JWKS of your backend, which verifies the tokens it issues for custom steps. Required when an entry is `delegated` or a step uses a custom key.",
        "https://api.example.com/.well-known/jwks.json",
      ),
    ),
    step_keys: Type.Array(StepKey, { maxItems: STEP_UP_LIMITS.stepKeysMax }),
    allowed_scopes: Type.Array(AllowedScopeConfig, { maxItems: STEP_UP_LIMITS.allowedScopesMax }),
  },
  { additionalProperties: false },
);
export type StepUpConfigRequest = Type.Static<typeof StepUpConfigRequest>;

export const StepUpConfig = Type.Object({
  jwks_url: Type.Optional(Type.String()),
  step_keys: Type.Array(StepKey),
  allowed_scopes: Type.Array(AllowedScopeConfig),
  created_at: Type.String({ format: "date-time" }),
  updated_at: Type.String({ format: "date-time" }),
});

export const StepUpConfigResponse = Type.Object({ config: StepUpConfig });

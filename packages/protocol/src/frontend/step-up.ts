import Type from "typebox";
import { ScopeName } from "../management/scopes.js";
import { GrantMode, StepUpStatus, StepUpStep } from "../management/step-up-config.js";
import { AuthenticationResponseJson, CredentialRequestOptionsJson } from "./passkeys.js";

/** §4.11: at most 5 keys of ≤ 12 characters, values ≤ 32; `identifier` (≤ 320) for the register scopes. */
export const STEP_UP_METADATA_LIMITS = {
  keysMax: 5,
  keyLengthMax: 12,
  valueLengthMax: 32,
  identifierLengthMax: 320,
} as const;

export const StepUpRequest = Type.Object(
  {
    scope: ScopeName,
    // Bounded loosely here so that every violation of the §4.11 limits answers `invalid_metadata`.
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    dispatch_id: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false },
);
export type StepUpRequest = Type.Static<typeof StepUpRequest>;

export const StepUpResponse = Type.Object({
  status: StepUpStatus,
  challenge_token: Type.Optional(
    Type.String({
      description: "`continue`: already completed, spend it at /refresh; `review`: at its first step.",
    }),
  ),
  /** When the current step is `verify_passkey`; its challenge is bound to this token (docs/passkeys.md). */
  public_key_credential_request_options: Type.Optional(CredentialRequestOptionsJson),
});

export const StepUpContinueRequest = Type.Object(
  {
    challenge_token: Type.String({ minLength: 1, maxLength: 8192 }),
    verification_token: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 8192,
        description: "RS256 JWT from your backend for the current custom step (docs/step-up.md).",
      }),
    ),
    /** For a `verify_passkey` step: what `navigator.credentials.get` answered. */
    passkey_assertion: Type.Optional(AuthenticationResponseJson),
  },
  {
    additionalProperties: false,
    description: "Exactly one of `verification_token` and `passkey_assertion`.",
  },
);
export type StepUpContinueRequest = Type.Static<typeof StepUpContinueRequest>;

export const StepUpContinueResponse = Type.Object({
  challenge_token: Type.String({ description: "The next step's token, or the completed one." }),
  public_key_credential_request_options: Type.Optional(CredentialRequestOptionsJson),
});

/** What Overture POSTs to a delegation hook (prelude-api.md §7.1, docs/step-up.md). */
export const DelegationHookRequest = Type.Object({
  scope_requested: Type.String(),
  user_id: Type.String(),
  identifiers: Type.Array(Type.Object({ type: Type.String(), value: Type.String() })),
  signals: Type.Object({
    user_agent: Type.Union([Type.String(), Type.Null()]),
    platform: Type.Union([Type.Literal("WEB"), Type.Literal("ANDROID"), Type.Literal("IOS")]),
    ip: Type.Union([Type.String(), Type.Null()]),
  }),
  metadata: Type.Record(Type.String(), Type.String()),
  app_id: Type.String(),
  request_id: Type.String(),
  sent_at: Type.Integer(),
});
export type DelegationHookRequest = Type.Static<typeof DelegationHookRequest>;

/** A delegation hook's answer; the rules beyond this shape are §7.1's (docs/step-up.md). */
export const DelegationHookResponse = Type.Object({
  status: StepUpStatus,
  grant_mode: GrantMode,
  granted_for: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400 })),
  steps: Type.Optional(Type.Array(StepUpStep, { maxItems: 10 })),
});
export type DelegationHookResponse = Type.Static<typeof DelegationHookResponse>;

/** Why a delegation hook call failed (§7.1): the `reason` of `step_up.hook_failed`. */
export type StepUpHookFailure =
  | "request_failed"
  | "invalid_status_code"
  | "response_decode_failed"
  | "invalid_status"
  | "invalid_grant_mode"
  | "invalid_granted_for"
  | "missing_steps"
  | "invalid_step"
  | "invalid_response";

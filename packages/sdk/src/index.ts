export {
  type AuthPath,
  createDualTokenVerifier,
  type DualTokenVerifierOptions,
} from "./backend/dual-token-verifier.js";
export { type MirrorInput, type MirrorResult, mirrorDelete, mirrorUser } from "./backend/mirror-user.js";
export { type BackfillCounts, type BackfillOptions, runBackfill } from "./backend/run-backfill.js";
export {
  createStepVerificationIssuer,
  type StepVerificationIssuerOptions,
} from "./backend/step-verification-token.js";
export {
  type AccessTokenClaims,
  type AccessTokenVerifier,
  type AccessTokenVerifierOptions,
  createAccessTokenVerifier,
  TokenVerificationError,
} from "./backend/verify-access-token.js";
export {
  createDelegationHookVerifier,
  type DelegationHookVerifierOptions,
} from "./backend/verify-delegation-hook-request.js";
export {
  createMigrationHookVerifier,
  HookRequestError,
  type MigrationHookVerifierOptions,
} from "./backend/verify-migration-hook-request.js";
export {
  answerActivation,
  createWebhookVerifier,
  type WebhookBatch,
  type WebhookEvent,
  type WebhookVerifierOptions,
} from "./backend/verify-webhook-request.js";
export {
  createManagementClient,
  type ManagementClient,
  type ManagementClientOptions,
  type OAuthConfig,
  type StepUpConfig,
  type UserPage,
  type Webhook,
  type WebhookDelivery,
} from "./management-client.js";
export { isApiError, OvertureApiError } from "./overture-api-error.js";
export {
  createSessionClient,
  memoryStore,
  type OAuthOutcome,
  type PasskeyInfo,
  type SessionClient,
  type SessionClientOptions,
  type SessionStore,
  type StepUpState,
  type StepUpStepInfo,
} from "./session-client.js";
export {
  browserWebAuthn,
  creationOptionsFromJson,
  credentialToJson,
  requestOptionsFromJson,
  type WebAuthnCalls,
} from "./webauthn-json.js";

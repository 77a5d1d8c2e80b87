import type { ErrorCode } from "@overture/protocol";
import type { DomainReason } from "../../domain/shared/outcome.js";

/**
 * The Frontend API's catalogue code for every domain outcome: the one place its answers are
 * decided, in the codes the web SDK maps to its exceptions (client-protocol.md §8).
 *
 * An unconfigured login method is `not_configured`, as Prelude answers for migration and passkeys
 * (prelude-api.md) — except the methods the web SDK itself calls, OTP and password, which answer
 * `forbidden`: the 0.6.0 SDK turns `not_configured` into a `StepUpNotConfiguredError`, which would
 * tell a developer that step-up, not the login method, is missing (docs/errors.md).
 */
export const frontendCodes: Record<DomainReason, ErrorCode> = {
  invalid_input: "bad_request",
  invalid_identifier: "invalid_identifier",
  weak_password: "invalid_password",
  rate_limited: "rate_limited",
  not_configured: "not_configured",
  login_method_unavailable: "forbidden",
  already_exists: "conflict",
  dev_mode_only: "not_found",
  app_not_found: "not_found",
  key_not_found: "not_found",
  user_not_found: "not_found",
  session_not_found: "not_found",
  identifier_not_found: "not_found",
  domain_not_found: "not_found",
  external_id_taken: "conflict",
  identifier_taken: "identifier_already_exists",
  host_taken: "conflict",
  cname_mismatch: "bad_request",
  wrong_credentials: "unauthorized",
  no_pending_verification: "unauthorized",
  wrong_code: "bad_check_code",
  session_ended: "unauthorized",
  legacy_session_rejected: "unauthorized",
  account_disabled: "suspended_account",
  scope_missing: "insufficient_scope",
  token_reused: "token_reused",
  pkce_mismatch: "token_mismatch",
  challenge_invalid: "invalid_challenge_token",
  challenge_expired: "expired_challenge_token",
  dpop_missing: "missing_dpop_proof",
  dpop_invalid: "invalid_dpop_proof",
  dpop_nonce_required: "use_dpop_nonce",
  dpop_key_mismatch: "dpop_key_mismatch",
  delivery_failed: "delivery_failed",
  hook_failed: "migration_hook_failed",
};

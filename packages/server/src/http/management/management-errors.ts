import type { ErrorCode } from "@overture/protocol";
import type { DomainReason } from "../../domain/shared/outcome.js";

/**
 * The Management API's catalogue code for every domain outcome: the one place its answers are
 * decided (docs/errors.md). A missing config is a 404 here; a second one is `conflict`, as the
 * seeds' Management schemas write it.
 */
export const managementCodes: Record<DomainReason, ErrorCode> = {
  invalid_input: "invalid_request",
  invalid_identifier: "invalid_identifier",
  weak_password: "invalid_password",
  rate_limited: "rate_limited",
  not_configured: "config_not_found",
  login_method_unavailable: "config_not_found",
  already_exists: "conflict",
  dev_mode_only: "not_found",
  dev_mode_required: "dev_mode_required",
  scope_in_use: "scope_in_use",
  app_not_found: "app_not_found",
  key_not_found: "not_found",
  user_not_found: "user_not_found",
  session_not_found: "session_not_found",
  identifier_not_found: "identifier_not_found",
  domain_not_found: "domain_not_found",
  group_not_found: "group_not_found",
  scope_not_found: "scope_not_found",
  external_id_taken: "external_id_already_exists",
  identifier_taken: "identifier_already_exists",
  host_taken: "domain_already_exists",
  cname_mismatch: "domain_verification_failed",
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

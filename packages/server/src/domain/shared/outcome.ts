/**
 * Why a domain operation did not do what was asked, in the domain's own words. Expected outcomes
 * are values, not exceptions (docs/architecture.md): operations return `{ok: true, …}` or a
 * Failure, and each API surface maps these reasons to its catalogue codes in one module
 * (http/management/management-errors.ts, http/frontend/frontend-errors.ts).
 */
export type DomainReason =
  // The request itself
  | "invalid_input"
  | "invalid_identifier"
  | "weak_password"
  /** Step-up metadata beyond its limits (prelude-api.md §4.11). */
  | "invalid_metadata"
  | "rate_limited"
  // Configuration
  | "not_configured"
  /** A login method the web SDK calls (OTP, password) that the app has not set up or turned off. */
  | "login_method_unavailable"
  | "already_exists"
  /** Something that exists in `dev` mode only, asked for in `prod`. */
  | "dev_mode_only"
  /** An action allowed in `dev` mode only (minting tokens), asked for in `prod`. */
  | "dev_mode_required"
  /** A social login provider the app has no config for. */
  | "provider_not_configured"
  /** A social login provider whose config is turned off. */
  | "provider_disabled"
  /** An allowed scope that something (a group, a login config) still grants. */
  | "scope_in_use"
  /** A config another config depends on (an email OTP config a social login verifies with). */
  | "config_in_use"
  // Things looked up
  | "app_not_found"
  | "key_not_found"
  | "passkey_not_found"
  | "user_not_found"
  | "session_not_found"
  | "identifier_not_found"
  | "domain_not_found"
  | "group_not_found"
  | "webhook_not_found"
  /** Not one of the OAuth providers. */
  | "oauth_provider_unknown"
  /** An event a webhook has no delivery of. */
  | "event_not_found"
  /** Not one of the app's allowed scopes. */
  | "scope_not_found"
  // Uniqueness
  | "external_id_taken"
  | "identifier_taken"
  | "host_taken"
  /** A social login's verified email that another user has, with account merging off. */
  | "email_in_use"
  | "cname_mismatch"
  // Who is asking
  | "wrong_credentials"
  | "no_pending_verification"
  | "wrong_code"
  | "session_ended"
  | "legacy_session_rejected"
  | "account_disabled"
  | "scope_missing"
  /** A scope step-up has no rule for, or none that applies to this user. */
  | "scope_not_allowed"
  // Tokens and proofs
  | "token_reused"
  | "pkce_mismatch"
  | "challenge_invalid"
  | "challenge_expired"
  /** A social login's state that is unknown, used, expired or from another browser. */
  | "oauth_state_invalid"
  /** A redirect_uri outside the app's allowed sites (docs/social-login.md). */
  | "redirect_not_allowed"
  | "dpop_missing"
  | "dpop_invalid"
  | "dpop_nonce_required"
  | "dpop_key_mismatch"
  /** A challenge token of another session or user, or a verification token for another challenge. */
  | "challenge_mismatch"
  /** A custom step's verification token that does not verify (docs/step-up.md). */
  | "verification_invalid"
  | "step_not_completed"
  | "step_not_found"
  /** A step asked for out of its order. */
  | "step_bypassed"
  /** A WebAuthn attestation or assertion that does not verify, or names no usable passkey. */
  | "passkey_invalid"
  /** An assertion whose signature counter did not go up (WebAuthn §6.1.1): a copied authenticator. */
  | "passkey_cloned"
  /** A credential id the app already has for another user. */
  | "passkey_taken"
  // Peers
  | "delivery_failed"
  | "hook_failed"
  /** A social login provider that could not be reached or answered nonsense. */
  | "provider_unavailable"
  | "step_up_hook_failed"
  /** A webhook endpoint that did not echo the activation challenge. */
  | "activation_failed";

export interface Failure<R extends DomainReason = DomainReason> {
  ok: false;
  reason: R;
  /** For the caller; a surface may show it. Never a secret or a peer's internals. */
  message?: string;
  retryAfterSeconds?: number;
}

/**
 * The one closed catalogue of error codes Overture answers with, on both API surfaces.
 *
 * Management errors render as `{code, status, message}`; frontend errors as `{code, message, type}`,
 * where `type` carries the same value as `status` here (prelude-api.md §2.3). `message` is the default
 * text; a handler may replace it with a more specific one, but never the code or the HTTP status.
 *
 * docs/errors.md is generated from this table and a test keeps the two equal.
 */
export interface ErrorEntry {
  readonly http: number;
  readonly status: string;
  readonly message: string;
}

export const errorCatalogue = {
  invalid_request: {
    http: 400,
    status: "bad_request",
    message: "The request is invalid.",
  },
  bad_request: {
    http: 400,
    status: "bad_request",
    message: "The request is invalid.",
  },
  request_timeout: {
    http: 408,
    status: "request_timeout",
    message: "The request was not received in time.",
  },
  method_not_allowed: {
    http: 405,
    status: "method_not_allowed",
    message: "This method is not allowed here.",
  },
  uri_too_long: {
    http: 414,
    status: "uri_too_long",
    message: "The request URL is too long.",
  },
  header_fields_too_large: {
    http: 431,
    status: "request_header_fields_too_large",
    message: "The request's headers are too large.",
  },
  use_dpop_nonce: {
    http: 400,
    status: "bad_request",
    message: "Retry with the nonce in the DPoP-Nonce header.",
  },
  oauth_provider_not_configured: {
    http: 400,
    status: "bad_request",
    message: "This OAuth provider is not configured for the application.",
  },
  oauth_provider_disabled: {
    http: 400,
    status: "bad_request",
    message: "This OAuth provider is disabled for the application.",
  },
  invalid_redirect_uri: {
    http: 400,
    status: "bad_request",
    message: "The redirect_uri is not allowed for this application.",
  },
  invalid_oauth_state: {
    http: 400,
    status: "bad_request",
    message:
      "The sign-in attempt is unknown, already used, expired or was started in another browser; start again.",
  },
  invalid_challenge_token: {
    http: 400,
    status: "bad_request",
    message: "The challenge token is not valid.",
  },
  expired_challenge_token: {
    http: 400,
    status: "bad_request",
    message: "The challenge token has expired.",
  },
  token_mismatch: {
    http: 400,
    status: "bad_request",
    message: "The code_verifier does not match the challenge.",
  },
  invalid_verification_token: {
    http: 400,
    status: "bad_request",
    message: "The verification token is not valid.",
  },
  invalid_passkey: {
    http: 400,
    status: "bad_request",
    message: "The passkey response does not verify.",
  },
  invalid_metadata: {
    http: 400,
    status: "bad_request",
    message: "The step-up metadata is invalid: at most 5 keys of up to 12 characters, values up to 32.",
  },
  step_not_completed: {
    http: 400,
    status: "bad_request",
    message: "The step is not completed.",
  },
  step_not_found: {
    http: 400,
    status: "bad_request",
    message: "The challenge has no such step.",
  },
  step_bypassed: {
    http: 400,
    status: "bad_request",
    message: "Another step of the challenge must be completed first.",
  },
  webhook_activation_failed: {
    http: 400,
    status: "bad_request",
    message: "The webhook endpoint did not answer the activation challenge; it stays inactive.",
  },
  invalid_pagination_limit: {
    http: 400,
    status: "bad_request",
    message: "limit must be an integer from 1 to 100.",
  },
  invalid_pagination_offset: {
    http: 400,
    status: "bad_request",
    message: "offset must be a non-negative integer.",
  },
  domain_verification_failed: {
    http: 400,
    status: "bad_request",
    message: "The domain's CNAME record does not point at its target yet.",
  },
  invalid_identifier: {
    http: 400,
    status: "bad_request",
    message: "The identifier is not a valid email address or E.164 phone number.",
  },
  invalid_password: {
    http: 400,
    status: "bad_request",
    message: "The password does not meet the password policy.",
  },
  unauthorized: {
    http: 401,
    status: "unauthorized",
    message: "Missing, unknown or revoked credentials.",
  },
  missing_dpop_proof: {
    http: 401,
    status: "unauthorized",
    message: "This endpoint requires a DPoP proof.",
  },
  invalid_dpop_proof: {
    http: 401,
    status: "unauthorized",
    message: "The DPoP proof is not valid.",
  },
  dpop_key_mismatch: {
    http: 401,
    status: "unauthorized",
    message: "The DPoP key is not the one this session is bound to.",
  },
  forbidden: {
    http: 403,
    status: "forbidden",
    message: "This action is not allowed.",
  },
  insufficient_scope: {
    http: 403,
    status: "forbidden",
    message: "The access token lacks the scope this action needs.",
  },
  not_configured: {
    http: 403,
    status: "forbidden",
    message: "This login method is not configured for the application.",
  },
  passkey_clone_detected: {
    http: 403,
    status: "forbidden",
    message:
      "This passkey's signature counter went backwards: it may have been copied. Use another sign-in method.",
  },
  scope_not_allowed: {
    http: 403,
    status: "forbidden",
    message: "This scope cannot be requested through step-up.",
  },
  dev_mode_required: {
    http: 403,
    status: "forbidden",
    message: "This is available in dev mode only.",
  },
  suspended_account: {
    http: 403,
    status: "forbidden",
    message: "This account is disabled.",
  },
  not_found: {
    http: 404,
    status: "not_found",
    message: "No such route.",
  },
  app_not_found: {
    http: 404,
    status: "not_found",
    message: "The application was not found.",
  },
  user_not_found: {
    http: 404,
    status: "not_found",
    message: "The user was not found.",
  },
  config_not_found: {
    http: 404,
    status: "not_found",
    message: "This configuration does not exist.",
  },
  domain_not_found: {
    http: 404,
    status: "not_found",
    message: "The domain was not found.",
  },
  session_not_found: {
    http: 404,
    status: "not_found",
    message: "The session was not found.",
  },
  group_not_found: {
    http: 404,
    status: "not_found",
    message: "The group was not found.",
  },
  email_already_in_use: {
    http: 409,
    status: "conflict",
    message: "This email address belongs to another account; sign in with that account first.",
  },
  oauth_provider_not_found: {
    http: 404,
    status: "not_found",
    message: "No such OAuth provider: google, apple, microsoft, github or okta.",
  },
  webhook_not_found: {
    http: 404,
    status: "not_found",
    message: "The webhook was not found.",
  },
  scope_not_found: {
    http: 404,
    status: "not_found",
    message: "The scope is not an allowed scope of this app.",
  },
  identifier_not_found: {
    http: 404,
    status: "not_found",
    message: "The user has no such identifier.",
  },
  external_id_already_exists: {
    http: 409,
    status: "conflict",
    message: "Another user already has this external_id.",
  },
  identifier_already_exists: {
    http: 409,
    status: "conflict",
    message: "This identifier already belongs to a user.",
  },
  domain_already_exists: {
    http: 409,
    status: "conflict",
    message: "This domain is already registered.",
  },
  scope_in_use: {
    http: 409,
    status: "conflict",
    message: "The scope is still used; remove it from what uses it first.",
  },
  conflict: {
    http: 409,
    status: "conflict",
    message: "This already exists; update it instead.",
  },
  already_registered: {
    http: 409,
    status: "conflict",
    message: "This passkey is already registered.",
  },
  token_reused: {
    http: 409,
    status: "conflict",
    message: "This token was already used.",
  },
  payload_too_large: {
    http: 413,
    status: "payload_too_large",
    message: "The request body is larger than the limit.",
  },
  unsupported_media_type: {
    http: 415,
    status: "unsupported_media_type",
    message: "The request body must be application/json.",
  },
  rate_limited: {
    http: 429,
    status: "too_many_requests",
    message: "Too many requests; retry later.",
  },
  bad_check_code: {
    http: 400,
    status: "bad_request",
    message: "The code is wrong or has expired.",
  },
  delivery_failed: {
    http: 502,
    status: "bad_gateway",
    message: "The code could not be sent; try again later.",
  },
  migration_hook_failed: {
    http: 502,
    status: "bad_gateway",
    message: "The migration hook could not validate the session; try again later.",
  },
  oauth_provider_unavailable: {
    http: 502,
    status: "bad_gateway",
    message: "The sign-in provider could not be reached; try again.",
  },
  step_up_hook_failed: {
    http: 502,
    status: "bad_gateway",
    message: "The step-up decision could not be made; try again later.",
  },
  internal: {
    http: 500,
    status: "internal_server_error",
    message: "An internal error occurred.",
  },
  service_unavailable: {
    http: 503,
    status: "service_unavailable",
    message: "The service is temporarily unavailable.",
  },
} as const satisfies Record<string, ErrorEntry>;

export type ErrorCode = keyof typeof errorCatalogue;

export const errorCodes = Object.keys(errorCatalogue) as ErrorCode[];

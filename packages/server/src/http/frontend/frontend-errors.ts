import type { ErrorCode } from "@overture/protocol";
import type { DomainReason } from "../../domain/shared/outcome.js";
import { managementCodes } from "../management/management-errors.js";

/**
 * The Frontend API's catalogue code for every domain outcome: the one place its answers are
 * decided, in the codes the web SDK maps to its exceptions (client-protocol.md §8). Where it says
 * nothing below, it answers as the Management API does.
 *
 * An unconfigured login method is `not_configured`, as Prelude answers for migration and passkeys
 * (prelude-api.md) — except the methods the web SDK itself calls, OTP and password, which answer
 * `forbidden`: the 0.6.0 SDK turns `not_configured` into a `StepUpNotConfiguredError`, which would
 * tell a developer that step-up, not the login method, is missing (docs/errors.md).
 */
export const frontendCodes: Record<DomainReason, ErrorCode> = {
  ...managementCodes,
  // The web SDK knows `bad_request`; a missing thing is a plain 404 to a browser.
  invalid_input: "bad_request",
  not_configured: "not_configured",
  login_method_unavailable: "forbidden",
  provider_not_configured: "oauth_provider_not_configured",
  app_not_found: "not_found",
  key_not_found: "not_found",
  passkey_not_found: "not_found",
  user_not_found: "not_found",
  session_not_found: "not_found",
  identifier_not_found: "not_found",
  domain_not_found: "not_found",
  group_not_found: "not_found",
  webhook_not_found: "not_found",
  oauth_provider_unknown: "not_found",
  event_not_found: "not_found",
  scope_not_found: "not_found",
  external_id_taken: "conflict",
  host_taken: "conflict",
  cname_mismatch: "bad_request",
};

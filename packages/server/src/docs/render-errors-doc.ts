import { errorCatalogue, errorCodes } from "@overture/protocol";
import type { DomainReason } from "../domain/shared/outcome.js";
import { frontendCodes } from "../http/frontend/frontend-errors.js";
import { managementCodes } from "../http/management/management-errors.js";

/** docs/errors.md, generated from the catalogue and the surfaces' maps; a test keeps the file equal. */
export function renderErrorsDoc(): string {
  const rows = errorCodes.map((code) => {
    const e = errorCatalogue[code];
    return `| \`${code}\` | ${e.http} | \`${e.status}\` | ${e.message} |`;
  });
  const outcomes = (Object.keys(managementCodes) as DomainReason[]).map(
    (reason) => `| \`${reason}\` | \`${managementCodes[reason]}\` | \`${frontendCodes[reason]}\` |`,
  );
  return [
    "# Errors",
    "",
    "<!-- Generated from packages/protocol/src/error-catalogue.ts and the surfaces' maps by `npm run docs`; do not edit. -->",
    "",
    "Every error is JSON. The Management API (`/v2/...`) answers `{code, status, message}`; the Frontend",
    "API (`/v1/session/...`) answers `{code, message, type, request_id}`, where `type` carries the",
    "`status` value below. `code` is stable and is what clients should branch on; `message` may be more",
    "specific than the default text shown here (for example naming the invalid field). Unknown routes",
    "answer `404 not_found`. A failure that is not in this table is a bug: it is logged with its stack",
    "and answered as an opaque `500 internal`. Every response carries an `X-Request-Id` header to quote",
    "when reporting one.",
    "",
    "| Code | HTTP | `status` / `type` | Default message |",
    "|---|---|---|---|",
    ...rows,
    "",
    "## From domain outcomes to codes",
    "",
    "Domain operations report why they did not do what was asked in their own words; each surface",
    "maps those to its codes in one module (`http/management/management-errors.ts`,",
    "`http/frontend/frontend-errors.ts`). Errors decided by http/ itself (a malformed body, a missing",
    "header, an oversize request) are not in this table.",
    "",
    "- A second single-document config (password login, migration) is `409 conflict` on the",
    "  Management API, as the seeds' Management schemas write it; a missing one is",
    "  `404 config_not_found`.",
    "- A Frontend login method that is not set up is `403 not_configured`, as Prelude answers for",
    "  migration and passkeys — except OTP and password login, the methods the web SDK calls, which",
    "  answer `403 forbidden`: the web SDK 0.6.0 maps `not_configured` to `StepUpNotConfiguredError`",
    "  (client-protocol.md §8), which would tell a developer that step-up is what is missing.",
    "",
    "| Domain outcome | Management API | Frontend API |",
    "|---|---|---|",
    ...outcomes,
    "",
  ].join("\n");
}

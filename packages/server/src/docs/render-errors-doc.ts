import { errorCatalogue, errorCodes } from "@overture/protocol";

/** docs/errors.md, generated from the catalogue; a test keeps the file equal to this. */
export function renderErrorsDoc(): string {
  const rows = errorCodes.map((code) => {
    const e = errorCatalogue[code];
    return `| \`${code}\` | ${e.http} | \`${e.status}\` | ${e.message} |`;
  });
  return [
    "# Errors",
    "",
    "<!-- Generated from packages/protocol/src/error-catalogue.ts by `npm run docs`; do not edit. -->",
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
  ].join("\n");
}

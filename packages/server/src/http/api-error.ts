import { type ErrorCode, errorCatalogue } from "@overture/protocol";
import type { DomainReason, Failure } from "../domain/shared/outcome.js";

/**
 * An expected failure with a catalogue code, decided in http/ (a missing header, a malformed
 * parameter). The single error renderer gives it the right shape for the API surface.
 */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly http: number;
  /** Extra response headers, e.g. `Retry-After` on 429. */
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message?: string, headers: Record<string, string> = {}) {
    super(message ?? errorCatalogue[code].message);
    this.name = "ApiError";
    this.code = code;
    this.http = errorCatalogue[code].http;
    this.headers = headers;
  }
}

/**
 * A domain operation's failure on its way to the renderer, which names its catalogue code with the
 * surface's map (management-errors.ts, frontend-errors.ts).
 */
export class DomainFailureError extends Error {
  readonly headers: Record<string, string>;

  constructor(
    readonly reason: DomainReason,
    readonly detail: string | undefined,
    retryAfterSeconds: number | undefined,
  ) {
    super(detail ?? reason);
    this.name = "DomainFailureError";
    this.headers = retryAfterSeconds !== undefined ? { "retry-after": String(retryAfterSeconds) } : {};
  }
}

/** Ends a handler with a domain operation's failure. */
export function fail(result: Failure): never {
  throw new DomainFailureError(result.reason, result.message, result.retryAfterSeconds);
}

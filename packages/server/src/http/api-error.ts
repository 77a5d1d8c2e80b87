import { type ErrorCode, errorCatalogue } from "@overture/protocol";

/**
 * An expected failure with a catalogue code. Handlers throw it (or return a domain reason that is
 * turned into one); the single error renderer gives it the right shape for the API surface.
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

/** For exhaustive domain reason unions: each `reason` is itself a catalogue code. */
export function fail(result: { reason: ErrorCode; message?: string; retryAfterSeconds?: number }): never {
  const headers: Record<string, string> =
    result.retryAfterSeconds !== undefined ? { "retry-after": String(result.retryAfterSeconds) } : {};
  throw new ApiError(result.reason, result.message, headers);
}

/** A non-2xx answer from Overture: `code` is the stable catalogue code to branch on (docs/errors.md). */
export class OvertureApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;

  constructor(status: number, code: string, message: string, requestId: string | null) {
    super(message);
    this.name = "OvertureApiError";
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }
}

/** True when `error` is an Overture API error with one of `codes`. */
export function isApiError(error: unknown, ...codes: string[]): error is OvertureApiError {
  return error instanceof OvertureApiError && (codes.length === 0 || codes.includes(error.code));
}

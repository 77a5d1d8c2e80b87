import type { Writable } from "node:stream";
import { type Logger, pino } from "pino";
import type { LogLevel } from "../config/config-schema.js";

export type { Logger } from "pino";

/**
 * The process's one logger: the HTTP server's request logs and the domain's own lines (a hook that
 * failed, a provider that answered badly, the console OTP sender in dev) go to the same destination
 * at the same level. JSON lines on stdout unless a stream is given (tests capture one).
 */
export function createLogger(level: LogLevel, stream?: Writable): Logger {
  // The Authorization header never reaches a log line (the access line logs no headers at all);
  // the redaction is a second guard for a serializer added later.
  const options = { level, redact: ["req.headers.authorization"] };
  return stream ? pino(options, stream) : pino(options);
}

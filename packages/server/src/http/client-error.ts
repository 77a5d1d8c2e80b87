import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { ErrorCode } from "@overture/protocol";
import { errorCatalogue } from "@overture/protocol";
import type { ConnectionError, FastifyInstance } from "fastify";
import { newId } from "../domain/shared/new-id.js";
import { errorBody, surfaceOf } from "./error-renderer.js";

/**
 * Requests Node's HTTP parser rejects never reach fastify: a malformed request line or header, an
 * unknown method, headers over the size limit (431), a request not received in time (408). Node
 * emits `clientError` for them; this answers in the error contract of the surface the request
 * line names (the frontend shape for `/v1/…` and `/.well-known/…`), with a request id, then closes
 * the connection, as Node would.
 */
export function clientErrorHandler(this: FastifyInstance, error: ConnectionError, socket: Socket): void {
  // A reset or destroyed connection has nobody to answer.
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const code: ErrorCode =
    error.code === "HPE_HEADER_OVERFLOW"
      ? "header_fields_too_large"
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? "request_timeout"
        : error.code === "HPE_INVALID_METHOD"
          ? "method_not_allowed"
          : "invalid_request";
  const requestId = newId("req");
  // What Node had read of the request, a Buffer despite its declared type.
  const raw = (error as unknown as { rawPacket?: Buffer }).rawPacket;
  const path = /^\S+ (\/\S*)/.exec(raw?.subarray(0, 2048).toString("latin1") ?? "")?.[1] ?? "/";
  const entry = errorCatalogue[code];
  const body = JSON.stringify(
    errorBody(
      surfaceOf(path),
      code,
      code === "invalid_request" ? "The request could not be parsed as HTTP." : entry.message,
      requestId,
    ),
  );
  this.log.debug({ err: error, request_id: requestId, code }, "client error");
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${entry.http} ${STATUS_CODES[entry.http]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

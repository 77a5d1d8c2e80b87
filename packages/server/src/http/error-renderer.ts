import { type ErrorCode, errorCatalogue } from "@overture/protocol";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ApiError, DomainFailureError } from "./api-error.js";
import { frontendCodes } from "./frontend/frontend-errors.js";
import { managementCodes } from "./management/management-errors.js";

export type ApiSurface = "management" | "frontend";

declare module "fastify" {
  interface FastifyRequest {
    /** The catalogue code of the error answered, for the access log and metrics. */
    overtureErrorCode: ErrorCode | null;
    /** An outcome a handler names for metrics besides success and error codes (a grace retry). */
    overtureOutcome: string | null;
  }
}

const STANDARD_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** The frontend shape belongs to the client-facing paths; everything else speaks management. */
export function surfaceOf(url: string): ApiSurface {
  return url.startsWith("/v1/") || url.startsWith("/.well-known/") ? "frontend" : "management";
}

export function errorBody(surface: ApiSurface, given: ErrorCode, message: string, requestId: string) {
  // The web SDK knows `bad_request`, not the Management API's `invalid_request` (client-protocol.md §8).
  const code = surface === "frontend" && given === "invalid_request" ? "bad_request" : given;
  const { status } = errorCatalogue[code];
  return surface === "management"
    ? { code, status, message }
    : { code, message, type: status, request_id: requestId };
}

/**
 * Errors of fastify's router, before any route: a path whose percent-encoding does not decode, a
 * path parameter over the length limit (`frameworkErrors` in app.ts).
 */
export function renderFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error.code === "FST_ERR_MAX_PARAM_LENGTH")
    return sendError(request, reply, "uri_too_long", "A path segment of the URL is too long.");
  if (error.code === "FST_ERR_BAD_URL")
    return sendError(request, reply, "invalid_request", "The URL's percent-encoding is not valid.");
  return sendError(request, reply, "invalid_request", "The request URL could not be routed.");
}

function sendError(request: FastifyRequest, reply: FastifyReply, code: ErrorCode, message?: string) {
  const entry = errorCatalogue[code];
  request.overtureErrorCode = code;
  // Set here too: errors of the router (frameworkErrors) are sent without the onSend hooks.
  reply.header("x-request-id", request.id);
  return reply
    .code(entry.http)
    .type("application/json; charset=utf-8")
    .send(errorBody(surfaceOf(request.url), code, message ?? entry.message, request.id));
}

/**
 * The one place errors become responses. Expected failures carry a catalogue code; framework
 * errors on bad input become the matching 4xx; anything else is a bug: logged with its stack,
 * answered as an opaque 500 `internal` that reveals nothing.
 */
export function installErrorRenderer(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) =>
    // A method no route of either API has (PROPFIND, LINK …) is the wrong verb, wherever it is sent.
    STANDARD_METHODS.has(request.method)
      ? sendError(request, reply, "not_found", `No route for ${request.method} ${request.url.split("?")[0]}.`)
      : sendError(
          request,
          reply,
          "method_not_allowed",
          `${request.method} is not a method this server serves.`,
        ),
  );

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ApiError) {
      reply.headers(error.headers);
      return sendError(request, reply, error.code, error.message);
    }
    if (error instanceof DomainFailureError) {
      const codes = surfaceOf(request.url) === "frontend" ? frontendCodes : managementCodes;
      reply.headers(error.headers);
      return sendError(request, reply, codes[error.reason], error.detail);
    }
    if (error.validation) return sendError(request, reply, "invalid_request", validationMessage(error));
    const code = frameworkErrorCode(error);
    if (code) return sendError(request, reply, code, code === "invalid_request" ? error.message : undefined);
    request.log.error({ err: error }, "unhandled error");
    return sendError(request, reply, "internal");
  });
}

/** Names the field and the rule, e.g. `body/identifiers/0/value must NOT have more than 320 characters`. */
function validationMessage(error: FastifyError): string {
  const first = error.validation?.[0];
  if (!first) return "The request is invalid.";
  const where = `${error.validationContext ?? "request"}${first.instancePath ?? ""}`;
  const params = first.params as { additionalProperty?: string; missingProperty?: string };
  if (params.additionalProperty) return `${where} has an unknown property "${params.additionalProperty}".`;
  return `${where} ${first.message ?? "is invalid"}.`;
}

function frameworkErrorCode(error: FastifyError): ErrorCode | null {
  switch (error.code) {
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
    case "FST_ERR_CTP_INVALID_CONTENT_TYPE":
      return "unsupported_media_type";
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return "payload_too_large";
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return "invalid_request";
  }
  if (error instanceof SyntaxError) return "invalid_request";
  const status = error.statusCode ?? 500;
  if (status === 404) return "not_found";
  if (status === 413) return "payload_too_large";
  if (status === 415) return "unsupported_media_type";
  if (status === 429) return "rate_limited";
  if (status >= 400 && status < 500) return "invalid_request";
  return null;
}

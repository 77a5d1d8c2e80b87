import type { FastifyInstance } from "fastify";
import { ApiError } from "./api-error.js";

/**
 * JSON bodies: fastify's own parser (it refuses `__proto__` and `constructor.prototype` keys, so a
 * body can never reach an object's prototype), except that an empty body means "no body". The web
 * SDK sends `Content-Type: application/json` with nothing on body-less POSTs (client-protocol.md §14).
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser("error", "error");
  // JSON is the only body format either API takes, but for the routes that say `formBody` (a
  // provider's form_post callback); anything else is 415 unsupported_media_type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    "application/x-www-form-urlencoded",
    { parseAs: "string" },
    (request, body, done) => {
      if (request.routeOptions.config?.formBody !== true)
        return done(new ApiError("unsupported_media_type", "The request body must be JSON."), undefined);
      const entries = [...new URLSearchParams(body as string)];
      if (new Set(entries.map(([name]) => name)).size !== entries.length)
        return done(new ApiError("invalid_request", "A form field appears twice."), undefined);
      // fromEntries defines own properties: a `__proto__` field is a plain field, never a prototype.
      done(null, Object.fromEntries(entries));
    },
  );
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = body as string;
    if (text.trim() === "") return done(null, undefined);
    // PostgreSQL's text and jsonb cannot hold U+0000: refused here, for both databases alike.
    if (text.includes("\\u0000") || text.includes("\u0000"))
      return done(
        new ApiError("invalid_request", "Strings in the body may not contain the NUL character (U+0000)."),
        undefined,
      );
    parse(request, text, (error, value) => {
      if (error)
        return done(new ApiError("invalid_request", "The request body is not valid JSON."), undefined);
      done(null, value);
    });
  });
}

import Ajv, { type Options } from "ajv";
import addFormats from "ajv-formats";
import type { FastifyInstance } from "fastify";

/**
 * Two validators. Bodies are checked as sent: no type coercion, unknown properties rejected rather
 * than stripped, so `{"external_id": 42}` is a 400 and a typo'd field is never silently ignored.
 * Query strings and path parameters arrive as text and are coerced (`?limit=10` → 10).
 */
export function installValidatorCompiler(app: FastifyInstance): void {
  const base: Options = { allErrors: false, removeAdditional: false, useDefaults: true, strict: false };
  const strictAjv = addFormats.default(new Ajv.default({ ...base, coerceTypes: false }));
  const coercingAjv = addFormats.default(new Ajv.default({ ...base, coerceTypes: "array" }));
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === "body" ? strictAjv : coercingAjv).compile(schema),
  );
}

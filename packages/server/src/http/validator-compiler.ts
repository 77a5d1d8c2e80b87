import type { FastifyInstance } from "fastify";
import { createSchemaCompiler } from "../validation/schema-compiler.js";

/** Bodies are validated exactly as sent; query strings and path parameters are coerced from text. */
export function installValidatorCompiler(app: FastifyInstance): void {
  const compiler = createSchemaCompiler();
  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === "body" ? compiler.exact(schema) : compiler.coercing(schema),
  );
}

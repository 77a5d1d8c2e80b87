import Ajv, { type Options, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import type { TSchema } from "typebox";

export interface SchemaCompiler {
  /**
   * For JSON as sent (request bodies, hook answers): no type coercion, unknown properties
   * rejected rather than stripped, so `{"external_id": 42}` fails and a typo'd field is never
   * silently ignored.
   */
  exact(schema: TSchema | object): ValidateFunction;
  /** For text that stands for values (query strings, path parameters): `?limit=10` → 10. */
  coercing(schema: TSchema | object): ValidateFunction;
}

/** The one way TypeBox schemas become validators, for http/ and hooks/ alike. */
export function createSchemaCompiler(): SchemaCompiler {
  const base: Options = { allErrors: false, removeAdditional: false, useDefaults: true, strict: false };
  const exact = addFormats.default(new Ajv.default({ ...base, coerceTypes: false }));
  const coercing = addFormats.default(new Ajv.default({ ...base, coerceTypes: "array" }));
  return {
    exact: (schema) => exact.compile(schema),
    coercing: (schema) => coercing.compile(schema),
  };
}

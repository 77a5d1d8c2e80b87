import {
  CLAIM_INPUTS,
  CLAIMS_LIMITS,
  type ClaimInputName,
  type ClaimType,
  claimTypes,
  REGISTERED_CLAIMS,
} from "@overture/protocol";

/** A mapping checked once, at write time, into what resolving it at every mint walks. */
export type CompiledClaim =
  | { kind: "constant"; value: unknown }
  | { kind: "input"; input: ClaimInputName }
  | { kind: "profile"; path: string[] }
  | { kind: "object"; claims: CompiledClaims };

export type CompiledClaims = [name: string, claim: CompiledClaim][];

export interface CompiledMapping {
  claims: CompiledClaims;
  /** What resolving reads, so that a mint fetches it only when a mapping needs it. */
  readsIdentifiers: boolean;
  readsProfile: boolean;
}

type Compiled = { ok: true; mapping: CompiledMapping } | { ok: false; message: string };

const registered: ReadonlySet<string> = new Set(REGISTERED_CLAIMS);
const types: ReadonlySet<string> = new Set(claimTypes);
const IDENTIFIER_INPUTS: ReadonlySet<ClaimInputName> = new Set([
  "emails",
  "email",
  "phone_numbers",
  "phone_number",
]);

class MappingError extends Error {}

/**
 * Checks a claims mapping (docs/scopes-and-claims.md) and compiles it. Every rule names the path
 * it failed at (`mapping.context.ip`): a constant, a `{"$input", "$type"}` built-in whose type is
 * the input's, a `{"$custom_claim": "a.b"}` profile path, or a nested object of these; no registered
 * claim at the top; size, depth and key limits.
 */
export function compileMapping(mapping: Record<string, unknown>): Compiled {
  const bytes = Buffer.byteLength(JSON.stringify(mapping));
  if (bytes > CLAIMS_LIMITS.mappingBytesMax)
    return { ok: false, message: `mapping is ${bytes} bytes; at most ${CLAIMS_LIMITS.mappingBytesMax}.` };
  const state = { keys: 0, identifiers: false, profile: false };
  try {
    for (const name of Object.keys(mapping)) {
      if (registered.has(name))
        throw new MappingError(
          `${at(["mapping"], name)}: "${name}" is a registered claim, set by Overture in every token (${REGISTERED_CLAIMS.join(", ")}).`,
        );
    }
    const claims = compileObject(mapping, ["mapping"], 1, state);
    const compiled = { claims, readsIdentifiers: state.identifiers, readsProfile: state.profile };
    const constants = Buffer.byteLength(JSON.stringify(constantsOf(claims)));
    if (constants > CLAIMS_LIMITS.resolvedBytesMax)
      throw new MappingError(
        `mapping's constants take ${constants} bytes in every token; at most ${CLAIMS_LIMITS.resolvedBytesMax}.`,
      );
    return { ok: true, mapping: compiled };
  } catch (error) {
    if (error instanceof MappingError) return { ok: false, message: error.message };
    throw error;
  }
}

/** The constant claims alone: what a token keeps of a mapping when its values run over budget. */
export function constantsOf(claims: CompiledClaims): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, claim] of claims) {
    if (claim.kind === "constant") out[name] = claim.value;
    else if (claim.kind === "object") {
      const nested = constantsOf(claim.claims);
      if (Object.keys(nested).length > 0) out[name] = nested;
    }
  }
  return out;
}

function compileObject(
  object: Record<string, unknown>,
  path: string[],
  depth: number,
  state: { keys: number; identifiers: boolean; profile: boolean },
): CompiledClaims {
  if (depth > CLAIMS_LIMITS.depthMax)
    throw new MappingError(`${path.join(".")}: claims nest at most ${CLAIMS_LIMITS.depthMax} deep.`);
  const claims: CompiledClaims = [];
  for (const [name, value] of Object.entries(object)) {
    const where = at(path, name);
    state.keys += 1;
    if (state.keys > CLAIMS_LIMITS.keysMax)
      throw new MappingError(`${where}: a mapping has at most ${CLAIMS_LIMITS.keysMax} keys in all.`);
    checkName(name, where);
    claims.push([name, compileValue(value, [...path, name], where, depth, state)]);
  }
  return claims;
}

function compileValue(
  value: unknown,
  path: string[],
  where: string,
  depth: number,
  state: { keys: number; identifiers: boolean; profile: boolean },
): CompiledClaim {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    return { kind: "constant", value };
  if (value === null)
    throw new MappingError(`${where}: null is not a claim value; leave the claim out instead.`);
  if (Array.isArray(value)) {
    const index = value.findIndex((v) => !["string", "number", "boolean"].includes(typeof v));
    if (index >= 0)
      throw new MappingError(
        `${where}[${index}]: an array holds constants only (strings, numbers, booleans).`,
      );
    return { kind: "constant", value };
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  if (!keys.some((k) => k.startsWith("$"))) {
    return { kind: "object", claims: compileObject(object, path, depth + 1, state) };
  }
  if ("$input" in object || "$type" in object) {
    const input = object.$input;
    const type = object.$type;
    if (input === undefined || type === undefined)
      throw new MappingError(`${where}: $input and $type go together; both are required.`);
    const extra = keys.find((k) => k !== "$input" && k !== "$type");
    if (extra) throw new MappingError(`${where}: "${extra}" cannot stand beside $input and $type.`);
    if (typeof input !== "string" || !Object.hasOwn(CLAIM_INPUTS, input))
      throw new MappingError(
        `${where}.$input: unknown input ${JSON.stringify(input)}; the inputs are ${Object.keys(CLAIM_INPUTS).join(", ")}.`,
      );
    if (typeof type !== "string" || !types.has(type))
      throw new MappingError(
        `${where}.$type: unknown type ${JSON.stringify(type)}; the types are ${claimTypes.join(", ")}.`,
      );
    const name = input as ClaimInputName;
    const actual: ClaimType = CLAIM_INPUTS[name].type;
    if (type !== actual) throw new MappingError(`${where}: input ${name} is ${actual}, not ${type}.`);
    if (IDENTIFIER_INPUTS.has(name)) state.identifiers = true;
    return { kind: "input", input: name };
  }
  if ("$custom_claim" in object) {
    const extra = keys.find((k) => k !== "$custom_claim");
    if (extra) throw new MappingError(`${where}: "${extra}" cannot stand beside $custom_claim.`);
    state.profile = true;
    return { kind: "profile", path: profilePath(object.$custom_claim, `${where}.$custom_claim`) };
  }
  const operator = keys.find((k) => k.startsWith("$"));
  throw new MappingError(
    `${where}: unknown operator "${operator}"; the operators are $input with $type, and $custom_claim.`,
  );
}

function profilePath(value: unknown, where: string): string[] {
  if (typeof value !== "string" || value.length === 0)
    throw new MappingError(`${where}: a profile field name, such as "loyalty_tier" or "address.city".`);
  const segments = value.split(".");
  if (segments.length > CLAIMS_LIMITS.profilePathSegmentsMax)
    throw new MappingError(`${where}: at most ${CLAIMS_LIMITS.profilePathSegmentsMax} nested profile keys.`);
  if (segments.some((s) => s.length === 0 || s.length > 100))
    throw new MappingError(
      `${where}: "${value}" has an empty or over-long key (keys are 1 to 100 characters).`,
    );
  return segments;
}

function checkName(name: string, where: string) {
  if (name.length === 0 || name.length > CLAIMS_LIMITS.keyLengthMax)
    throw new MappingError(`${where}: a claim name is 1 to ${CLAIMS_LIMITS.keyLengthMax} characters.`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to refuse them
  if (/[\u0000-\u001f\u007f]/.test(name))
    throw new MappingError(`${where}: a claim name has no control characters.`);
}

/** `mapping.context.ip`, or `mapping["a.b"]` for a name that would read as a path. */
function at(path: string[], name: string): string {
  const base = path.join(".");
  return /^[A-Za-z0-9_-]+$/.test(name) ? `${base}.${name}` : `${base}[${JSON.stringify(name)}]`;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (v: unknown): v is Record<string, Json> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The JSON merge patch (RFC 7396) that turns `from` into `to`: a removed key is `null`, objects on
 * both sides are diffed key by key, anything else changed is given whole. What lets the console
 * edit a whole profile through the API's merge endpoint.
 */
export function mergePatch(from: Record<string, Json>, to: Record<string, Json>): Record<string, Json> {
  const patch: Record<string, Json> = {};
  for (const key of Object.keys(from)) if (!(key in to)) patch[key] = null;
  for (const [key, value] of Object.entries(to)) {
    const before = from[key];
    if (isObject(before) && isObject(value)) {
      const inner = mergePatch(before, value);
      if (Object.keys(inner).length > 0) patch[key] = inner;
    } else if (JSON.stringify(before) !== JSON.stringify(value)) patch[key] = value;
  }
  return patch;
}

import { errorCatalogue } from "@overture/protocol";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RouteTable } from "../src/http/route-spec.js";
import { frontendRoutes } from "../src/http/routes-frontend.js";
import { managementRoutes } from "../src/http/routes-management.js";
import { tableCounts } from "./support/row-counts.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

/**
 * The project's fuzz suite (docs/operations.md): bad requests generated from every route's own
 * schemas — wrong types, missing and extra fields, boundaries, unicode and injection strings,
 * malformed JSON, wrong content types, bad path and query values, bad and missing credentials —
 * and for each: no 5xx, the surface's error shape with a catalogue code, and nothing written when
 * refused. Deterministic per OVERTURE_FUZZ_SEED; OVERTURE_FUZZ_MS bounds each database's run
 * (default 20 s: CI runs both under a minute); raise it to fuzz longer locally.
 */
const SEED = Number(process.env.OVERTURE_FUZZ_SEED ?? 20261206);
const BUDGET_MS = Number(process.env.OVERTURE_FUZZ_MS ?? 20_000);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  maxLength?: number;
  minLength?: number;
  maximum?: number;
  enum?: unknown[];
  const?: unknown;
}

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    pick: <T>(list: readonly T[]): T => list[int(list.length)] as T,
    chance: (p: number) => next() < p,
  };
}
type Rng = ReturnType<typeof prng>;

const STRINGS = [
  "",
  " ",
  "a",
  "'; DROP TABLE users; --",
  '" OR 1=1 --',
  "<script>alert(1)</script>",
  "../../etc/passwd",
  "%00",
  "\u0000",
  "\ud83d\ude00\u202e\u0301",
  "\ud800",
  "ﬀ𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
  // A log4j-style lookup, in the shape attackers send it.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text is the point
  "${jndi:ldap://x}",
  "{{7*7}}",
  "__proto__",
  "constructor",
  "null",
  "1e309",
  "-1",
  "usr_00000000000000000000000000",
  "google:1",
  "+33612345678",
  "a@b.c",
  "http://127.0.0.1:1/",
  "javascript:alert(1)",
];

function fuzzString(rng: Rng, schema?: Schema): string {
  const roll = rng.int(5);
  if (roll === 0 && schema?.maxLength !== undefined) return "x".repeat(schema.maxLength + 1);
  if (roll === 1) return "y".repeat(rng.pick([255, 256, 1025, 4097, 70_000]));
  if (roll === 2 && schema?.enum) return `${String(rng.pick(schema.enum))}x`;
  return rng.pick(STRINGS);
}

/** Any JSON value, deeper with `depth`, leaning on the corpus. */
function anyValue(rng: Rng, depth = 0): Json {
  switch (rng.int(depth > 2 ? 5 : 7)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1.5, 2 ** 53, -(2 ** 31), Number.MAX_SAFE_INTEGER, 1e300]);
    case 3:
    case 4:
      return fuzzString(rng);
    case 5:
      return Array.from({ length: rng.pick([0, 1, 3, 101]) }, () => anyValue(rng, depth + 1));
    default:
      return { [fuzzString(rng).slice(0, 40) || "k"]: anyValue(rng, depth + 1) };
  }
}

/** A value for `schema`, right in shape most of the time, with one thing wrong often enough. */
function fromSchema(rng: Rng, schema: Schema, depth = 0): Json {
  if (rng.chance(0.15) || depth > 4) return anyValue(rng, depth);
  if (schema.const !== undefined) return schema.const as Json;
  if (schema.enum) return rng.chance(0.8) ? (rng.pick(schema.enum) as Json) : fuzzString(rng, schema);
  if (schema.anyOf?.length) return fromSchema(rng, rng.pick(schema.anyOf), depth + 1);
  const type = Array.isArray(schema.type) ? rng.pick(schema.type) : schema.type;
  switch (type) {
    case "object": {
      const out: Record<string, Json> = {};
      for (const [key, sub] of Object.entries(schema.properties ?? {})) {
        const required = schema.required?.includes(key);
        if (required ? rng.chance(0.9) : rng.chance(0.5)) out[key] = fromSchema(rng, sub, depth + 1);
      }
      if (rng.chance(0.1)) out[rng.pick(["extra", "__proto__", "constructor"])] = anyValue(rng);
      return out;
    }
    case "array":
      return Array.from({ length: rng.pick([0, 1, 2, 51, 1001]) }, () =>
        schema.items ? fromSchema(rng, schema.items, depth + 1) : anyValue(rng),
      );
    case "integer":
    case "number":
      return rng.pick([0, 1, -1, 59, 86_400, 86_401, schema.maximum ?? 10, (schema.maximum ?? 10) + 1, 0.5]);
    case "boolean":
      return rng.chance(0.5);
    case "string":
      return rng.chance(0.3) ? "ok-value" : fuzzString(rng, schema);
    default:
      return anyValue(rng, depth);
  }
}

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/** encodeURIComponent, except that a lone surrogate goes as the bytes a sloppy client would send. */
function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return "%ED%A0%80";
  }
}

describeEachDatabase("fuzz: generated bad requests on every route", (dialect) => {
  let s: TestServer;
  let ids: Record<string, string>;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    const user = await s.mgmt("POST", "/users", {
      external_id: "fuzz",
      identifiers: [{ value: "fuzz@example.com" }],
    });
    await s.mgmt("POST", "/config/scopes", { scope: "fuzz:scope" });
    await s.mgmt("POST", "/groups", { group: "fuzzers" });
    ids = { userID: user.body.id, provider: "google", groupName: "fuzzers", scope: "fuzz:scope" };
  });
  afterAll(() => s.close());

  it(`answers ${BUDGET_MS} ms of generated requests (seed ${SEED}) without a 5xx, in the error contract, writing nothing when refused`, {
    timeout: BUDGET_MS + 60_000,
  }, async () => {
    const rng = prng(SEED);
    const routes: ["management" | "frontend", RouteTable[number]][] = [
      ...managementRoutes.map((r) => ["management", r] as ["management", RouteTable[number]]),
      ...frontendRoutes.map((r) => ["frontend", r] as ["frontend", RouteTable[number]]),
    ];
    const started = Date.now();
    let requests = 0;
    const failures: string[] = [];
    while (Date.now() - started < BUDGET_MS && failures.length < 5) {
      const [surface, [routeMethod, path, spec]] = rng.pick(routes);
      const method = rng.chance(0.9) ? routeMethod : rng.pick(METHODS);
      const params = path.replace(/:(\w+)/g, (_, name: string) =>
        encode(rng.chance(0.6) && ids[name] ? (ids[name] as string) : fuzzString(rng).slice(0, 300)),
      );
      const url =
        (surface === "management"
          ? `/v2/session/apps/${rng.chance(0.95) ? s.appId : encode(fuzzString(rng))}`
          : "") +
        params +
        (spec.query && rng.chance(0.7)
          ? `?${new URLSearchParams(
              Object.fromEntries(
                Object.entries((spec.query as Schema).properties ?? {}).map(([k, sub]) => [
                  k,
                  String(fromSchema(rng, sub)),
                ]),
              ),
            )}`
          : "");
      const headers: Record<string, string> = {};
      if (surface === "management") {
        const auth = rng.int(10);
        if (auth < 8) headers.authorization = `Bearer ${s.apiKey}`;
        else if (auth === 8) headers.authorization = `Bearer ${fuzzString(rng).slice(0, 200)}`;
      } else {
        headers.host = rng.chance(0.9) ? `${s.appId}.localhost` : "nobody.example.org";
        if (rng.chance(0.3)) headers.authorization = `Bearer ${fuzzString(rng).slice(0, 200)}`;
        if (rng.chance(0.3)) headers.dpop = fuzzString(rng).slice(0, 300);
      }
      let payload: string | undefined;
      if (method !== "GET" && method !== "DELETE" ? rng.chance(0.95) : rng.chance(0.1)) {
        const kind = rng.int(10);
        if (kind === 0) payload = rng.pick(['{"a":', "[", "nul", "{}}", '{"a":1,"a":2}', "\u0000"]);
        else payload = JSON.stringify(spec.body ? fromSchema(rng, spec.body as Schema) : anyValue(rng));
        headers["content-type"] =
          kind === 1
            ? rng.pick([
                "text/plain",
                "application/x-www-form-urlencoded",
                "multipart/form-data",
                "application/json; charset=latin1",
              ])
            : "application/json";
      }
      const before = await tableCounts(s);
      const res = await s.inject({ method, url, headers, ...(payload !== undefined && { payload }) });
      requests++;
      const what = `${method} ${url.slice(0, 160)} ${payload?.slice(0, 160) ?? ""}`;
      if (res.status >= 500) failures.push(`${res.status} ${res.text.slice(0, 200)} for ${what}`);
      else if (res.status >= 400) {
        const body = res.body as { code?: string } | undefined;
        if (!body?.code || !(body.code in errorCatalogue))
          failures.push(`not the error contract: ${res.text.slice(0, 200)} for ${what}`);
        const after = await tableCounts(s);
        // Counting attempts is the one write a refused request may make: that is what limits them.
        for (const table of Object.keys(after))
          if (table !== "rate_limits" && after[table] !== before[table])
            failures.push(`${table} changed on a ${res.status} for ${what}`);
      }
    }
    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThan(100);
  });
});

import { afterAll, beforeAll, expect, it } from "vitest";
import type { RouteTable } from "../src/http/route-spec.js";
import { frontendRoutes } from "../src/http/routes-frontend.js";
import { managementRoutes } from "../src/http/routes-management.js";
import { tableCounts } from "./support/row-counts.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { type Answer, startTestServer, type TestServer } from "./support/test-server.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  const?: unknown;
}

/**
 * A body each route accepts, so that the sweep's requests reach schema validation with only one
 * field wrong — and, sent as is, get past it to the handler (the control). A route with a body and
 * no entry here fails the sweep: new routes must join it.
 */
const STEP_UP: Record<string, Json> = {
  jwks_url: "http://127.0.0.1:9/jwks.json",
  step_keys: [{ key: "kyc", description: "identity check" }],
  allowed_scopes: [
    {
      scope: "sweep:read",
      mode: "direct",
      direct: {
        identifier_types: ["email_address"],
        status: "review",
        granted_for: 60,
        grant_mode: "session-bound",
        steps: [{ order: 1, key: "kyc", expiration_duration: 60 }],
      },
    },
    { scope: "sweep:read", mode: "delegated", delegated: { delegation_hook: "http://127.0.0.1:9/signal" } },
  ],
};

const VALID: Record<string, (ids: { userId: string; configId: string }) => Record<string, Json>> = {
  "PUT /mode": () => ({ mode: "dev" }),
  "POST /tokens": () => ({ claims: { sub: "usr_sweep", scope: "read" }, expires_in: 60 }),
  "POST /config/scopes": () => ({ scope: "sweep:read" }),
  "DELETE /config/scopes": () => ({ scope: "sweep:read" }),
  "POST /config/groups": () => ({ name: "sweepers", scopes: [] }),
  "PUT /config/groups/:groupName": () => ({ scopes: [] }),
  "POST /config/claims": () => ({ mapping: { api_version: 2 } }),
  "PUT /config/claims": () => ({ mapping: { api_version: 3 } }),
  "POST /config/claims/preview": ({ userId }) => ({ user_id: userId, mapping: { api_version: 4 } }),
  "POST /users/:userID/scopes": () => ({ scope: "sweep:read" }),
  "POST /users/:userID/groups": () => ({ group: "sweepers" }),
  "POST /domains": () => ({ domain: `sweep-${Date.now()}.example.com` }),
  "POST /config/login/otp": () => ({ config_type: "otp", channel_type: "email", is_default: false }),
  "PUT /config/login/otp/:loginConfigID": () => ({ config_type: "otp", channel_type: "email" }),
  "PUT /config/session": () => ({
    access_token_ttl_seconds: 300,
    session_ttl_seconds: 2_592_000,
    idle_ttl_seconds: 604_800,
  }),
  "POST /config/login/password": () => ({
    enabled: true,
    rate_limit_login_ip: { ttl: 600_000_000_000, limit: 100 },
    password_compliancy: { min_length: 8, max_length: 0, uppercase: 0, lowercase: 0, numbers: 0, symbols: 0 },
  }),
  "PUT /config/login/password": () => ({
    enabled: true,
    rate_limit_login_identifier: { ttl: 600_000_000_000, limit: 10 },
  }),
  "POST /v1/session/stepup/request": () => ({ scope: "sweep:read", metadata: { amount: "5" } }),
  "POST /v1/session/stepup/continue": () => ({ challenge_token: "x.y.z", verification_token: "a.b.c" }),
  "POST /config/stepup": () => STEP_UP,
  "POST /config/login/oauth/:provider": () => ({
    client_id: "sweep-client",
    client_secret: "sweep-secret",
    scopes: ["openid"],
    options: { use_email_as_identifier: true },
  }),
  "PUT /config/login/oauth/:provider": () => ({ client_id: "sweep-client", client_secret: "sweep-secret" }),
  "POST /webhooks": () => ({
    url: "http://127.0.0.1:9/hook",
    verification_token: "sweep-token",
    events: ["user.created"],
  }),
  "POST /webhooks/:webhookID/events": () => ({ event: "user.deleted" }),
  "POST /webhooks/:webhookID/redeliver": () => ({ since: "2026-01-01T00:00:00Z" }),
  "PUT /config/stepup": () => STEP_UP,
  "PUT /config/passkey": () => ({
    rp_id: "example.com",
    rp_name: "Sweep",
    allowed_origins: ["https://example.com"],
  }),
  "POST /config/migration": () => ({ session_validation_url: "http://127.0.0.1:9/hook" }),
  "PUT /config/migration": () => ({ session_validation_url: "http://127.0.0.1:9/hook" }),
  "POST /users": () => ({
    external_id: `sweep-${Date.now()}-${Math.random()}`,
    identifiers: [{ type: "email_address", value: `sweep${Date.now()}@example.com` }],
    profile: { plan: "pro" },
    password_hash: {
      algorithm: "bcrypt",
      hash: "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
    },
  }),
  "POST /users/batch_lookup": () => ({ external_ids: ["sweep"], emails: ["sweep@example.com"] }),
  "PATCH /users/:userID/profile": () => ({ plan: "pro" }),
  "PUT /users/:userID/external_id": () => ({ external_id: "sweep-owner" }),
  "PUT /users/:userID/status": () => ({ status: "active" }),
  "PUT /users/:userID/password": () => ({ password: "a sweep password", revoke_sessions: false }),
  "POST /users/:userID/identifiers": () => ({
    identifier: { type: "email_address", value: "sweep2@example.com" },
  }),
  "DELETE /users/:userID/identifiers": () => ({
    identifier: { type: "email_address", value: "sweep2@example.com" },
  }),
  "POST /v1/session/login/otp": () => ({
    identifier: { type: "email_address", value: "otp-sweep@example.com" },
  }),
  "POST /v1/session/login/otp/check": () => ({ code: "123456" }),
  "POST /v1/session/otp": () => ({
    identifier: { type: "phone_number", value: "+33612349999" },
    code_challenge: "c".repeat(43),
  }),
  "POST /v1/session/otp/check": () => ({ code: "123456" }),
  "POST /v1/session/login/passkey/begin": () => ({ code_challenge: "a".repeat(43) }),
  "POST /v1/session/login/passkey/finish": () => ({
    login_token: "x.y.z",
    assertion: {
      id: "AA",
      rawId: "AA",
      type: "public-key",
      response: { clientDataJSON: "AA", authenticatorData: "AA", signature: "AA", userHandle: "AA" },
    },
  }),
  "POST /v1/session/me/passkeys/register/begin": () => ({
    username: "sweep",
    display_name: "Sweep",
    nickname: "Key",
  }),
  "POST /v1/session/me/passkeys/register/finish": () => ({
    registration_token: "x.y.z",
    attestation: {
      id: "AA",
      rawId: "AA",
      type: "public-key",
      response: { clientDataJSON: "AA", attestationObject: "AA", transports: ["internal"] },
    },
  }),
  "PATCH /v1/session/me/passkeys/:id": () => ({ nickname: "Key" }),
  "POST /v1/session/login/email/password": () => ({
    identifier: "sweep@example.com",
    password: "wrong password",
  }),
  "POST /v1/session/login/email/sign-up": () => ({
    identifier: "sweep@example.com",
    password: "a sign-up password",
  }),
  "POST /v1/session/me/password/reset": () => ({ password: "a new password", revoke_sessions: true }),
  "POST /v1/session/login/oauth/:provider/authorize": () => ({
    redirect_uri: "http://localhost:5173/signed-in",
    code_challenge: "c".repeat(43),
    code_challenge_method: "S256",
    dispatch_id: "d1",
  }),
  "POST /v1/session/login/oauth/:provider/callback": () => ({
    state: "s".repeat(43),
    code: "a-code",
    error: "access_denied",
    error_description: "no",
    user: "{}",
  }),
  "POST /v1/session/migration": () => ({ token: "legacy", code_challenge: "c".repeat(43) }),
  "POST /v1/session/login/finalize": () => ({ challenge_token: "x.y.z", code_verifier: "v".repeat(43) }),
  "POST /v1/session/refresh": () => ({ step_up_token: "x" }),
  "POST /v1/session/revoke": () => ({ step_up_token: "x" }),
};

/** The JSON types a schema admits (`integer` counts as `number`). */
function typesOf(schema: Schema): Set<string> {
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return new Set(variants.flatMap((v) => [...typesOf(v)]));
  if (schema.const !== undefined)
    return new Set([Array.isArray(schema.const) ? "array" : typeof schema.const]);
  const declared = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  return new Set(declared.map((t) => (t === "integer" ? "number" : t)));
}

const jsonType = (value: Json) => (Array.isArray(value) ? "array" : value === null ? "null" : typeof value);

/** A value of a JSON type the schema does not admit. */
function wrongValue(schema: Schema): Json | undefined {
  const allowed = typesOf(schema);
  if (allowed.size === 0) return undefined; // any value is fine (a free-form profile)
  return ([12345, "x", true, ["x"], { x: 1 }] as Json[]).find((v) => !allowed.has(jsonType(v)));
}

interface FieldCase {
  what: string;
  body: Record<string, Json>;
  field: string;
}

/** One wrong type for every field, nested ones too, and each required field left out. */
function fieldCases(schema: Schema, valid: Record<string, Json>, path: string[] = []): FieldCase[] {
  const cases: FieldCase[] = [];
  const withAt = (value: Json | undefined) => {
    const body = structuredClone(valid);
    return (key: string) => {
      let target = body as Record<string, Json>;
      for (const step of path) target = target[step] as Record<string, Json>;
      if (value === undefined) delete target[key];
      else target[key] = value;
      return body;
    };
  };
  let here = valid as Record<string, Json>;
  for (const step of path) here = here[step] as Record<string, Json>;
  for (const [key, sub] of Object.entries(schema.properties ?? {})) {
    const name = [...path, key].join("/");
    const wrong = wrongValue(sub);
    if (wrong !== undefined)
      cases.push({ what: `${name} as ${jsonType(wrong)}`, body: withAt(wrong)(key), field: key });
    if (schema.required?.includes(key))
      cases.push({ what: `${name} missing`, body: withAt(undefined)(key), field: key });
    const value = here[key];
    if (sub.properties && value && typeof value === "object" && !Array.isArray(value))
      cases.push(...fieldCases(sub, valid, [...path, key]));
  }
  return cases;
}

/**
 * Every field of every request body, from the route schemas: a wrong type or a missing required
 * field is the surface's 400 naming the field, and writes nothing at all — checked on a request
 * that reaches validation (right key or host, valid JSON) and whose valid twin reaches the handler.
 */
describeEachDatabase("every body field of every endpoint is validated", (dialect) => {
  let s: TestServer;
  let ids: { userId: string; configId: string; webhookId: string };
  beforeAll(async () => {
    s = await startTestServer(dialect);
    const user = await s.mgmt("POST", "/users", {
      external_id: "sweep",
      identifiers: [{ value: "sweep@example.com" }],
    });
    const config = await s.mgmt("POST", "/config/login/otp", { config_type: "otp", channel_type: "sms" });
    const webhook = await s.mgmt("POST", "/webhooks", {
      url: "http://127.0.0.1:9/hook",
      verification_token: "sweep-token",
      events: ["user.created"],
    });
    ids = { userId: user.body.id, configId: config.body.login_config.id, webhookId: webhook.body.webhook.id };
  });
  afterAll(() => s.close());

  const surfaces: [
    string,
    RouteTable,
    (method: string, path: string, body: unknown) => Promise<Answer>,
    string,
  ][] = [
    [
      "Management",
      managementRoutes,
      (method, path, body) =>
        s.mgmt(
          method as "POST",
          path
            .replace(":userID", ids.userId)
            .replace(":loginConfigID", ids.configId)
            .replace(":webhookID", ids.webhookId)
            .replace(":provider", "google")
            .replace(":groupName", "sweepers"),
          JSON.stringify(body),
        ),
      "invalid_request",
    ],
    [
      "Frontend",
      frontendRoutes,
      (method, path, body) =>
        s.inject({
          method: method as "POST",
          url: path.replace(":provider", "google"),
          headers: { host: `${s.appId}.localhost`, "content-type": "application/json" },
          payload: JSON.stringify(body),
        }),
      "bad_request",
    ],
  ];

  for (const [surface, routes, send, code] of surfaces) {
    for (const [method, path, spec] of routes) {
      if (!spec.body) continue;
      const route = `${method} ${path}`;
      it(`${surface} ${route}: each field wrong-typed or missing is 400 ${code} and writes nothing`, async () => {
        const valid = VALID[route];
        expect(valid, `add a valid body for ${route} to VALID`).toBeDefined();
        if (!valid) return;
        const schema = spec.body as Schema;
        const cases = fieldCases(schema, valid(ids));
        // A free-form body (a profile patch) has no fields to get wrong; its values are the domain's to check.
        if (schema.properties) expect(cases.length).toBeGreaterThan(0);
        for (const c of cases) {
          const before = await tableCounts(s);
          const res = await send(method, path, c.body);
          expect(res.status, `${route}: ${c.what}`).toBe(400);
          expect(res.body.code, `${route}: ${c.what}`).toBe(code);
          expect(res.body.message, `${route}: ${c.what}`).toContain(c.field);
          expect(await tableCounts(s), `${route}: ${c.what} wrote something`).toEqual(before);
        }
        // The control: the same request with every field right gets past validation to the handler.
        const control = await send(method, path, valid(ids));
        const rejectedBySchema = control.status === 400 && /^body\b/.test(String(control.body?.message));
        expect(rejectedBySchema, `${route}: the valid body is rejected: ${control.body?.message}`).toBe(
          false,
        );
      });
    }
  }
});

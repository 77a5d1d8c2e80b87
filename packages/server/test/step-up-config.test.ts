import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

// biome-ignore lint/suspicious/noExplicitAny: configs are edited field by field in the cases below
type Config = any;

/** Every mode and rule of seed 003 in one valid document; each case below breaks one rule of it. */
function validConfig(): Config {
  return {
    jwks_url: "https://api.example.com/.well-known/jwks.json",
    step_keys: [{ key: "high_value_transaction", description: "Triggered for transactions above $10,000" }],
    allowed_scopes: [
      {
        scope: "transfer",
        mode: "direct",
        direct: {
          identifier_types: ["email_address"],
          status: "review",
          granted_for: 3600,
          grant_mode: "session-bound",
          steps: [
            { order: 1, key: "verify_email", expiration_duration: 600 },
            { order: 2, key: "high_value_transaction", expiration_duration: 300 },
          ],
        },
      },
      {
        scope: "transfer",
        mode: "direct",
        direct: {
          identifier_types: ["phone_number"],
          status: "review",
          granted_for: 3600,
          grant_mode: "session-bound",
          steps: [{ order: 1, key: "verify_sms", expiration_duration: 600 }],
        },
      },
      {
        scope: "transfer",
        mode: "delegated",
        delegated: { delegation_hook: "https://api.example.com/stepup/signal" },
      },
      {
        scope: "prld:pwd:write",
        mode: "direct",
        direct: {
          identifier_types: ["email_address"],
          status: "continue",
          granted_for: 0,
          grant_mode: "single-use",
        },
      },
      {
        scope: "admin",
        mode: "direct",
        direct: { identifier_types: ["email_address", "phone_number"], status: "block" },
      },
      { scope: "prld:email:register", mode: "managed" },
    ],
  };
}

/** [the rule, how to break it, what the 400's message must name]. */
const violations: [string, (c: Config) => void, string][] = [
  [
    "a direct entry has no delegated part",
    (c) => {
      c.allowed_scopes[0].delegated = { delegation_hook: "https://api.example.com/x" };
    },
    "allowed_scopes[0].delegated must be omitted",
  ],
  [
    "a direct entry has its direct part",
    (c) => {
      delete c.allowed_scopes[0].direct;
    },
    "allowed_scopes[0].direct is required",
  ],
  [
    "a delegated entry has its delegated part",
    (c) => {
      delete c.allowed_scopes[2].delegated;
    },
    "allowed_scopes[2].delegated is required",
  ],
  [
    "a delegated entry has no direct part",
    (c) => {
      c.allowed_scopes[2].direct = c.allowed_scopes[4].direct;
    },
    "allowed_scopes[2].direct must be omitted",
  ],
  [
    "(scope, identifier_type) is unique among direct entries",
    (c) => {
      c.allowed_scopes[1].direct.identifier_types = ["phone_number", "email_address"];
    },
    "allowed_scopes[1].direct.identifier_types[1]",
  ],
  [
    "an identifier type is listed once in an entry",
    (c) => {
      c.allowed_scopes[4].direct.identifier_types = ["phone_number", "phone_number"];
    },
    "allowed_scopes[4].direct.identifier_types[1]",
  ],
  [
    "at most one delegated entry per scope",
    (c) => {
      c.allowed_scopes.push({
        scope: "transfer",
        mode: "delegated",
        delegated: { delegation_hook: "https://b.example/h" },
      });
    },
    "allowed_scopes[6]",
  ],
  [
    "jwks_url when an entry is delegated",
    (c) => {
      delete c.jwks_url;
      c.allowed_scopes[0].direct.steps.pop();
    },
    "jwks_url is required: allowed_scopes[2] is delegated",
  ],
  [
    "jwks_url when a step is custom",
    (c) => {
      delete c.jwks_url;
      c.allowed_scopes.splice(2, 1);
    },
    "jwks_url is required: allowed_scopes[0] has a custom step",
  ],
  [
    "granted_for with continue",
    (c) => {
      delete c.allowed_scopes[3].direct.granted_for;
    },
    "allowed_scopes[3].direct.granted_for is required",
  ],
  [
    "granted_for with review",
    (c) => {
      delete c.allowed_scopes[1].direct.granted_for;
    },
    "allowed_scopes[1].direct.granted_for is required",
  ],
  [
    "grant_mode with continue",
    (c) => {
      delete c.allowed_scopes[3].direct.grant_mode;
    },
    "allowed_scopes[3].direct.grant_mode is required",
  ],
  [
    "grant_mode with review",
    (c) => {
      delete c.allowed_scopes[0].direct.grant_mode;
    },
    "allowed_scopes[0].direct.grant_mode is required",
  ],
  [
    "steps with review",
    (c) => {
      delete c.allowed_scopes[1].direct.steps;
    },
    "allowed_scopes[1].direct.steps is required",
  ],
  [
    "steps not empty with review",
    (c) => {
      c.allowed_scopes[1].direct.steps = [];
    },
    "allowed_scopes[1].direct.steps is required",
  ],
  [
    "no steps with continue",
    (c) => {
      c.allowed_scopes[3].direct.steps = [{ order: 1, key: "verify_email", expiration_duration: 60 }];
    },
    "allowed_scopes[3].direct.steps must be omitted",
  ],
  [
    "no steps with block, not even none",
    (c) => {
      c.allowed_scopes[4].direct.steps = [];
    },
    "allowed_scopes[4].direct.steps must be omitted",
  ],
  [
    "step order starts at 1",
    (c) => {
      c.allowed_scopes[1].direct.steps[0].order = 0;
    },
    "/allowed_scopes/1/direct/steps/0/order",
  ],
  [
    "step orders are each used once",
    (c) => {
      c.allowed_scopes[0].direct.steps[1].order = 1;
    },
    "allowed_scopes[0].direct.steps[1].order 1 is used twice",
  ],
  [
    "step orders leave no gap",
    (c) => {
      c.allowed_scopes[0].direct.steps[1].order = 3;
    },
    "allowed_scopes[0].direct.steps[1].order 3 is past the last step",
  ],
  [
    "step keys match the pattern",
    (c) => {
      c.allowed_scopes[1].direct.steps[0].key = "verify sms";
    },
    "/allowed_scopes/1/direct/steps/0/key",
  ],
  [
    "expiration_duration is at most 86400",
    (c) => {
      c.allowed_scopes[1].direct.steps[0].expiration_duration = 86_401;
    },
    "/allowed_scopes/1/direct/steps/0/expiration_duration",
  ],
  [
    "expiration_duration is not negative",
    (c) => {
      c.allowed_scopes[1].direct.steps[0].expiration_duration = -1;
    },
    "/allowed_scopes/1/direct/steps/0/expiration_duration",
  ],
  [
    "expiration_duration is given",
    (c) => {
      delete c.allowed_scopes[1].direct.steps[0].expiration_duration;
    },
    "/allowed_scopes/1/direct/steps/0",
  ],
  [
    "custom step keys are declared in step_keys",
    (c) => {
      c.step_keys = [];
    },
    'allowed_scopes[0].direct.steps[1].key "high_value_transaction" is neither',
  ],
  [
    "a key appears once in a sequence",
    (c) => {
      c.allowed_scopes[0].direct.steps[1].key = "verify_email";
    },
    'allowed_scopes[0].direct.steps[1].key "verify_email" appears twice',
  ],
  [
    "verify_passkey needs a passkey config",
    (c) => {
      c.allowed_scopes[1].direct.steps[0].key = "verify_passkey";
    },
    "allowed_scopes[1] has a verify_passkey step, which needs a passkey config",
  ],
  [
    "step_keys declare each key once",
    (c) => {
      c.step_keys.push({ key: "high_value_transaction", description: "again" });
    },
    "step_keys[1].key",
  ],
  [
    "step_keys declare custom keys only",
    (c) => {
      c.step_keys.push({ key: "verify_sms", description: "mine" });
    },
    'step_keys[1].key "verify_sms" is a built-in step',
  ],
  [
    "step_keys have a description",
    (c) => {
      delete c.step_keys[0].description;
    },
    "/step_keys/0",
  ],
  [
    "granted_for is at most 86400",
    (c) => {
      c.allowed_scopes[0].direct.granted_for = 86_401;
    },
    "/allowed_scopes/0/direct/granted_for",
  ],
  [
    "granted_for is not negative",
    (c) => {
      c.allowed_scopes[0].direct.granted_for = -5;
    },
    "/allowed_scopes/0/direct/granted_for",
  ],
  [
    "identifier_types has at least one type",
    (c) => {
      c.allowed_scopes[4].direct.identifier_types = [];
    },
    "/allowed_scopes/4/direct/identifier_types",
  ],
  [
    "identifier_types are email_address or phone_number",
    (c) => {
      c.allowed_scopes[4].direct.identifier_types = ["username"];
    },
    "/allowed_scopes/4/direct/identifier_types/0",
  ],
  [
    "status is continue, review or block",
    (c) => {
      c.allowed_scopes[4].direct.status = "granted";
    },
    "/allowed_scopes/4/direct/status",
  ],
  [
    "grant_mode is one of the three",
    (c) => {
      c.allowed_scopes[3].direct.grant_mode = "forever";
    },
    "/allowed_scopes/3/direct/grant_mode",
  ],
  [
    "mode is delegated, direct or managed",
    (c) => {
      c.allowed_scopes[4].mode = "static";
    },
    "/allowed_scopes/4/mode",
  ],
  [
    "a scope is an allowed scope",
    (c) => {
      c.allowed_scopes[4].scope = "undeclared";
    },
    'allowed_scopes[4].scope "undeclared" is not an allowed scope',
  ],
  [
    "managed serves the register scopes only",
    (c) => {
      c.allowed_scopes[4] = { scope: "admin", mode: "managed" };
    },
    'allowed_scopes[4].mode "managed" serves only',
  ],
  [
    "the register scopes are managed",
    (c) => {
      c.allowed_scopes[5] = {
        scope: "prld:email:register",
        mode: "direct",
        direct: c.allowed_scopes[4].direct,
      };
    },
    'allowed_scopes[5].scope "prld:email:register" is served by mode "managed" only',
  ],
  [
    "a managed entry has neither direct nor delegated",
    (c) => {
      c.allowed_scopes[5].direct = c.allowed_scopes[4].direct;
    },
    "allowed_scopes[5]: a managed entry has neither",
  ],
  [
    "a managed scope once",
    (c) => {
      c.allowed_scopes.push({ scope: "prld:email:register", mode: "managed" });
    },
    "allowed_scopes[6]",
  ],
  [
    "delegation_hook is https",
    (c) => {
      c.allowed_scopes[2].delegated.delegation_hook = "http://api.example.com/signal";
    },
    "allowed_scopes[2].delegated.delegation_hook must be https",
  ],
  [
    "jwks_url is https",
    (c) => {
      c.jwks_url = "http://api.example.com/jwks.json";
    },
    "jwks_url must be https",
  ],
  [
    "jwks_url carries no credentials",
    (c) => {
      c.jwks_url = "https://me:secret@api.example.com/jwks.json";
    },
    "jwks_url must not carry credentials",
  ],
  [
    "step_keys is required",
    (c) => {
      delete c.step_keys;
    },
    "step_keys",
  ],
  [
    "allowed_scopes is required",
    (c) => {
      delete c.allowed_scopes;
    },
    "allowed_scopes",
  ],
  [
    "no unknown fields",
    (c) => {
      c.allowed_scopes[0].direct.extra = true;
    },
    "/allowed_scopes/0/direct",
  ],
];

describeEachDatabase("step-up config", (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    for (const scope of ["transfer", "admin", "prld:pwd:write", "prld:email:register"])
      expect((await s.mgmt("POST", "/config/scopes", { scope })).status).toBe(201);
  });
  afterAll(() => s.close());

  const iso = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

  it("is created once as the seed writes it, read, replaced whole and deleted", async () => {
    expect((await s.mgmt("GET", "/config/stepup")).body.code).toBe("config_not_found");
    expect((await s.mgmt("PUT", "/config/stepup", validConfig())).status).toBe(404);

    const created = await s.mgmt("POST", "/config/stepup", validConfig());
    expect(created.status, created.text).toBe(201);
    const expected = validConfig();
    // A single-use grant keeps its 0: only lasting grants default to 600.
    expect(created.body).toEqual({ config: { ...expected, created_at: iso, updated_at: iso } });
    expect((await s.mgmt("GET", "/config/stepup")).body).toEqual(created.body);

    const again = await s.mgmt("POST", "/config/stepup", validConfig());
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ code: "conflict", status: "conflict", message: expect.any(String) });

    const replacement = {
      step_keys: [],
      allowed_scopes: [
        {
          scope: "transfer",
          mode: "direct",
          direct: {
            identifier_types: ["phone_number"],
            status: "continue",
            granted_for: 0,
            grant_mode: "profile-bound",
          },
        },
      ],
    };
    const replaced = await s.mgmt("PUT", "/config/stepup", replacement);
    expect(replaced.status, replaced.text).toBe(200);
    // PUT replaces the whole document: jwks_url and the other entries are gone; below 1, 600.
    expect(replaced.body.config).toEqual({
      step_keys: [],
      allowed_scopes: [
        {
          scope: "transfer",
          mode: "direct",
          direct: {
            identifier_types: ["phone_number"],
            status: "continue",
            granted_for: 600,
            grant_mode: "profile-bound",
          },
        },
      ],
      created_at: created.body.config.created_at,
      updated_at: iso,
    });
    expect((await s.mgmt("GET", "/config/stepup")).body).toEqual(replaced.body);

    expect((await s.mgmt("DELETE", "/config/stepup")).status).toBe(204);
    expect((await s.mgmt("GET", "/config/stepup")).status).toBe(404);
    expect((await s.mgmt("DELETE", "/config/stepup")).status).toBe(404);
  });

  it("defaults granted_for below 1 to 600 for session-bound grants", async () => {
    const config = validConfig();
    config.allowed_scopes[0].direct.granted_for = 0;
    const created = await s.mgmt("POST", "/config/stepup", config);
    expect(created.status, created.text).toBe(201);
    expect(created.body.config.allowed_scopes[0].direct.granted_for).toBe(600);
    expect(created.body.config.allowed_scopes[3].direct.granted_for).toBe(0);
    expect((await s.mgmt("DELETE", "/config/stepup")).status).toBe(204);
  });

  it("needs no jwks_url when every step is built in and nothing is delegated", async () => {
    const config = validConfig();
    delete config.jwks_url;
    config.step_keys = [];
    config.allowed_scopes.splice(2, 1);
    config.allowed_scopes[0].direct.steps.pop();
    const created = await s.mgmt("POST", "/config/stepup", config);
    expect(created.status, created.text).toBe(201);
    expect(created.body.config.jwks_url).toBeUndefined();
    expect((await s.mgmt("DELETE", "/config/stepup")).status).toBe(204);
  });

  describe("refuses, naming the path, and writes nothing when", () => {
    for (const [rule, breakIt, names] of violations) {
      it(rule, async () => {
        const config = validConfig();
        breakIt(config);
        const posted = await s.mgmt("POST", "/config/stepup", config);
        expect(posted.status, posted.text).toBe(400);
        expect(posted.body).toEqual({
          code: "invalid_request",
          status: "bad_request",
          message: expect.any(String),
        });
        expect(posted.body.message).toContain(names);
        expect((await s.mgmt("GET", "/config/stepup")).status).toBe(404);

        // The same rule holds for PUT, which leaves the stored document as it was.
        const stored = await s.mgmt("POST", "/config/stepup", validConfig());
        expect(stored.status).toBe(201);
        const put = await s.mgmt("PUT", "/config/stepup", config);
        expect(put.status, put.text).toBe(400);
        expect(put.body.message).toContain(names);
        expect((await s.mgmt("GET", "/config/stepup")).body).toEqual(stored.body);
        expect((await s.mgmt("DELETE", "/config/stepup")).status).toBe(204);
      });
    }
  });

  it("accepts http hooks to loopback in dev mode only", async () => {
    const t = await s.forNewApp("step-up urls");
    for (const scope of ["transfer", "admin", "prld:pwd:write", "prld:email:register"])
      await t.mgmt("POST", "/config/scopes", { scope });
    const config = validConfig();
    config.jwks_url = "http://127.0.0.1:9/jwks.json";
    config.allowed_scopes[2].delegated.delegation_hook = "http://localhost:9/signal";
    expect((await t.mgmt("POST", "/config/stepup", config)).status).toBe(201);
    expect((await t.mgmt("PUT", "/mode", { mode: "prod" })).status).toBe(204);
    const put = await t.mgmt("PUT", "/config/stepup", config);
    expect(put.status).toBe(400);
    expect(put.body.message).toContain("must be https in prod mode");
  });

  it("keeps the scopes it names allowed: removing one is refused while it is configured", async () => {
    expect((await s.mgmt("POST", "/config/stepup", validConfig())).status).toBe(201);
    const removed = await s.mgmt("DELETE", "/config/scopes", { scope: "admin" });
    expect(removed.status).toBe(409);
    expect(removed.body).toMatchObject({ code: "scope_in_use" });
    expect(removed.body.message).toContain("step-up config allowed_scopes[4]");
    expect((await s.mgmt("DELETE", "/config/stepup")).status).toBe(204);
  });
});

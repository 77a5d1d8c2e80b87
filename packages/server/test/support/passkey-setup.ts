import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import { SessionClient } from "./session-client.js";
import { SoftAuthenticator } from "./soft-authenticator.js";
import type { TestServer } from "./test-server.js";

export const RP_ORIGIN = "https://example.com";

/** The passkey config the server-side suites use: a web app on example.com, passkey login on. */
export const PASSKEY_CONFIG = {
  rp_id: "example.com",
  rp_name: "Example",
  allowed_origins: [RP_ORIGIN, "https://app.example.com"],
  login_enabled: true,
  granted_scopes: ["reports:read"],
};

/**
 * A step-up rule asking users with an email for `steps` (default one `verify_passkey`), granting
 * `scope` to the session for 300 s.
 */
export function passkeyRule(
  scope: string,
  identifierTypes = ["email_address"],
  steps: { order: number; key: string; expiration_duration: number }[] = [
    { order: 1, key: "verify_passkey", expiration_duration: 300 },
  ],
) {
  return {
    scope,
    mode: "direct",
    direct: {
      identifier_types: identifierTypes,
      status: "review",
      granted_for: 300,
      grant_mode: "session-bound",
      steps,
    },
  };
}

/** The scopes the suites grant, and the passkey config. */
export async function setUpPasskeys(s: TestServer, config: Record<string, unknown> = PASSKEY_CONFIG) {
  for (const scope of ["prld:passkey:write", "reports:read", "payments:write"])
    expect((await s.mgmt("POST", "/config/scopes", { scope })).status).toBe(201);
  const put = await s.mgmt("PUT", "/config/passkey", config);
  expect(put.status, put.text).toBe(200);
}

export async function newUser(s: TestServer, email: string, more: { type: string; value: string }[] = []) {
  const created = await s.mgmt("POST", "/users", {
    identifiers: [{ type: "email_address", value: email }, ...more],
  });
  expect(created.status, created.text).toBe(201);
  return created.body.id as string;
}

/** A session of `userId` whose login granted `scopes` (as a login config's granted_scopes would). */
export async function signedIn(s: TestServer, userId: string, scopes: string[] = ["prld:passkey:write"]) {
  const c = new SessionClient(s, `${s.appId}.localhost`);
  const res = await c.signIn(userId, { scopes });
  expect(res.status, res.text).toBe(200);
  return c;
}

/** Registers a passkey of `auth` for the session's user; the finish answer. */
export async function register(
  c: SessionClient,
  auth: SoftAuthenticator,
  body: Record<string, unknown> = {},
) {
  const begun = await c.authed("POST", "/v1/session/me/passkeys/register/begin", body);
  expect(begun.status, begun.text).toBe(200);
  return c.authed("POST", "/v1/session/me/passkeys/register/finish", {
    registration_token: begun.body.registration_token,
    attestation: auth.create(begun.body.public_key),
  });
}

/** A primary passkey login up to its challenge token; the finish answer. */
export async function passkeyLogin(
  s: TestServer,
  auth: SoftAuthenticator,
  options: Parameters<SoftAuthenticator["get"]>[1] = {},
  host = `${s.appId}.localhost`,
) {
  // Each login from an address of its own: the limits are per IP (the limits test uses one).
  const remoteAddress = `10.${randomBytes(3).join(".")}`;
  const post = (url: string, body: unknown) =>
    s.inject({
      method: "POST",
      url,
      remoteAddress,
      headers: { host, "content-type": "application/json" },
      payload: JSON.stringify(body),
    });
  const begun = await post("/v1/session/login/passkey/begin", {});
  expect(begun.status, begun.text).toBe(200);
  const assertion = auth.get(begun.body.public_key, options);
  const finished = await post("/v1/session/login/passkey/finish", {
    login_token: begun.body.login_token,
    assertion,
  });
  return { begun, assertion, finished, post };
}

export { SoftAuthenticator };

import { createHash } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  newUser,
  PASSKEY_CONFIG,
  passkeyRule,
  RP_ORIGIN,
  register,
  SoftAuthenticator,
  setUpPasskeys,
  signedIn,
} from "./support/passkey-setup.js";
import { startReceiver } from "./support/receiver.js";
import type { SessionClient } from "./support/session-client.js";
import { startStepBackend } from "./support/step-backend.js";
import { claimsOf, StepUpCalls } from "./support/step-up-client.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const passkeyStep = { order: 1, key: "verify_passkey", expiration_duration: 300 };

/**
 * `verify_passkey` as a step-up step (prelude-api.md §4.11, docs/passkeys.md): the options on
 * /stepup/request, /otp/check and /stepup/continue, the assertion bound to the challenge token's
 * jti, the rules a passkey step makes apply to users with a passkey only, and no hook call.
 */
describeEachDatabase("passkeys: the verify_passkey step-up step", (dialect) => {
  let s: TestServer;
  let alice: string;
  let auth: SoftAuthenticator;
  let hookCalls: () => number;
  let closePeers: () => Promise<void>;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    await setUpPasskeys(s);
    for (const scope of ["wire", "export"]) await s.mgmt("POST", "/config/scopes", { scope });
    const backend = await startStepBackend("backend", () => s.clock.now());
    const hook = await startReceiver((_call, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ status: "review", grant_mode: "single-use", granted_for: 60, steps: [passkeyStep] }),
      );
    });
    hookCalls = () => hook.calls.length;
    closePeers = async () => {
      await hook.close();
      await backend.close();
    };
    const config = await s.mgmt("POST", "/config/stepup", {
      jwks_url: backend.jwksUrl,
      step_keys: [],
      allowed_scopes: [
        passkeyRule("payments:write"),
        passkeyRule(
          "payments:write",
          ["phone_number"],
          [{ order: 1, key: "verify_sms", expiration_duration: 300 }],
        ),
        passkeyRule(
          "export",
          ["email_address"],
          [
            { order: 1, key: "verify_email", expiration_duration: 300 },
            { order: 2, key: "verify_passkey", expiration_duration: 300 },
          ],
        ),
        { scope: "wire", mode: "delegated", delegated: { delegation_hook: hook.url } },
      ],
    });
    expect(config.status, config.text).toBe(201);
    alice = await newUser(s, "alice@example.com");
    auth = new SoftAuthenticator(RP_ORIGIN);
    expect((await register(await signedIn(s, alice), auth)).status).toBe(200);
  });
  afterAll(async () => {
    await closePeers();
    await s.close();
  });

  /** `/stepup/continue {challenge_token, passkey_assertion}` with the challenge DPoP proof. */
  const continueWith = (c: SessionClient, challengeToken: string, body: Record<string, unknown>) =>
    s.inject({
      method: "POST",
      url: "/v1/session/stepup/continue",
      headers: {
        host: c.host,
        "content-type": "application/json",
        authorization: `Bearer ${c.accessToken}`,
        dpop: new StepUpCalls(s, c).challengeProof("/stepup/continue", challengeToken),
      },
      payload: JSON.stringify({ challenge_token: challengeToken, ...body }),
    });

  it("asks for a passkey with options bound to the challenge token, and completes with its assertion", async () => {
    const c = await signedIn(s, alice, []);
    const step = new StepUpCalls(s, c);
    const requested = await step.request("payments:write");
    expect(requested.status, requested.text).toBe(200);
    expect(requested.body.status).toBe("review");
    const token = requested.body.challenge_token;
    expect(claimsOf(token).current_step).toBe("verify_passkey");
    const passkey = (await s.mgmt("GET", `/users/${alice}/passkeys`)).body.credentials[0];
    expect(requested.body.public_key_credential_request_options).toEqual({
      challenge: createHash("sha256")
        .update(`overture webauthn\u0000${claimsOf(token).jti}`)
        .digest("base64url"),
      timeout: 300_000,
      rpId: "example.com",
      allowCredentials: [{ id: passkey.credential_id, type: "public-key", transports: ["internal"] }],
      userVerification: "required",
    });

    const assertion = auth.get(requested.body.public_key_credential_request_options);
    const done = await continueWith(c, token, { passkey_assertion: assertion });
    expect(done.status, done.text).toBe(200);
    expect(claimsOf(done.body.challenge_token).current_step).toBe("completed");
    expect(done.body.public_key_credential_request_options).toBeUndefined();
    expect((await step.spend(done.body.challenge_token)).status).toBe(200);
    expect(claimsOf(c.accessToken!).scope).toContain("payments:write");

    // The assertion answered that token only: sent again, the token is spent.
    const replay = await continueWith(c, token, { passkey_assertion: assertion });
    expect(replay.status).toBe(409);
    expect(replay.body.code).toBe("token_reused");
  });

  it("refuses an assertion for another challenge, by another user's passkey, or without user verification", async () => {
    const bob = await newUser(s, "bob@example.com");
    const bobs = new SoftAuthenticator(RP_ORIGIN);
    expect((await register(await signedIn(s, bob), bobs)).status).toBe(200);
    const c = await signedIn(s, alice, []);
    const requested = await new StepUpCalls(s, c).request("payments:write");
    const token = requested.body.challenge_token;
    const options = requested.body.public_key_credential_request_options;
    const earlier = await new StepUpCalls(s, c).request("payments:write");
    const cases: [string, unknown, RegExp][] = [
      [
        "another challenge token's options",
        auth.get(earlier.body.public_key_credential_request_options),
        /challenge/,
      ],
      ["another user's passkey", bobs.get({ ...options, allowCredentials: [] }), /not one of your passkeys/],
      ["no user verification", auth.get(options, { userVerified: false }), /verif/],
      ["wrong origin", auth.get(options, { origin: "https://evil.example" }), /origin/],
    ];
    for (const [name, assertion, message] of cases) {
      const res = await continueWith(c, token, { passkey_assertion: assertion });
      expect(res.status, name).toBe(400);
      expect(res.body.code, name).toBe("invalid_passkey");
      expect(res.body.message, name).toMatch(message);
    }
    const stale = (await s.store.passkeys.findByCredentialId(s.appId, auth.get(options).id))!.signCount;
    const cloned = await continueWith(c, token, {
      passkey_assertion: auth.get(options, { signCount: stale }),
    });
    expect(cloned.status).toBe(403);
    expect(cloned.body.code).toBe("passkey_clone_detected");
    const done = await continueWith(c, token, { passkey_assertion: auth.get(options) });
    expect(done.status, done.text).toBe(200);
  });

  it("takes exactly one proof, and each proof at its own kind of step", async () => {
    const c = await signedIn(s, alice, []);
    const step = new StepUpCalls(s, c);
    const requested = await step.request("payments:write");
    const token = requested.body.challenge_token;
    const assertion = auth.get(requested.body.public_key_credential_request_options);
    const both = await continueWith(c, token, { passkey_assertion: assertion, verification_token: "a.b.c" });
    expect(both.status).toBe(400);
    expect(both.body.code).toBe("bad_request");
    expect((await continueWith(c, token, {})).body.code).toBe("bad_request");
    const custom = await continueWith(c, token, { verification_token: "a.b.c" });
    expect(custom.body.code).toBe("step_bypassed");
    expect(custom.body.message).toContain("passkey_assertion");

    // At an OTP step, an assertion is out of order; once the code is checked, the options come.
    const exported = await step.request("export");
    expect(exported.body.public_key_credential_request_options).toBeUndefined();
    const atEmail = await continueWith(c, exported.body.challenge_token, { passkey_assertion: assertion });
    expect(atEmail.body.code).toBe("step_bypassed");
    expect((await step.sendOtp(exported.body.challenge_token)).status).toBe(204);
    const checked = await step.checkOtp(
      exported.body.challenge_token,
      await step.lastCode("alice@example.com"),
    );
    expect(checked.status, checked.text).toBe(200);
    const next = checked.body.public_key_credential_request_options;
    expect(next.challenge).toBe(
      createHash("sha256")
        .update(`overture webauthn\u0000${claimsOf(checked.body.challenge_token).jti}`)
        .digest("base64url"),
    );
    const done = await continueWith(c, checked.body.challenge_token, { passkey_assertion: auth.get(next) });
    expect(done.status, done.text).toBe(200);
    expect(claimsOf(done.body.challenge_token).current_step).toBe("completed");
  });

  it("applies a passkey rule only to users with a passkey: the next rule serves the others", async () => {
    const noPasskey = await newUser(s, "carol@example.com");
    const refused = await new StepUpCalls(s, await signedIn(s, noPasskey, [])).request("payments:write");
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("scope_not_allowed");

    const withPhone = await newUser(s, "dan@example.com", [{ type: "phone_number", value: "+14155550123" }]);
    const bySms = await new StepUpCalls(s, await signedIn(s, withPhone, [])).request("payments:write");
    expect(bySms.status, bySms.text).toBe(200);
    expect(claimsOf(bySms.body.challenge_token).current_step).toBe("verify_sms");
    expect(bySms.body.public_key_credential_request_options).toBeUndefined();
  });

  it("never calls the delegation hook for a passkey step it decided on", async () => {
    const c = await signedIn(s, alice, []);
    const before = hookCalls();
    const requested = await new StepUpCalls(s, c).request("wire");
    expect(requested.status, requested.text).toBe(200);
    expect(hookCalls()).toBe(before + 1);
    const options = requested.body.public_key_credential_request_options;
    expect(options.allowCredentials).toHaveLength(1);
    const done = await continueWith(c, requested.body.challenge_token, {
      passkey_assertion: auth.get(options),
    });
    expect(done.status, done.text).toBe(200);
    expect(hookCalls()).toBe(before + 1);
  });

  it("keeps the passkey config while a step-up rule needs it, and needs it to write one", async () => {
    const removed = await s.mgmt("DELETE", "/config/passkey");
    expect(removed.status).toBe(409);
    expect(removed.body.message).toContain("payments:write");
    expect((await s.mgmt("GET", "/config/passkey")).status).toBe(200);

    const other = await s.forNewApp("passkey-step-needs-config");
    for (const scope of ["payments:write", "reports:read"])
      await other.mgmt("POST", "/config/scopes", { scope });
    const body = {
      step_keys: [],
      allowed_scopes: [passkeyRule("payments:write")],
    };
    const refused = await other.mgmt("POST", "/config/stepup", body);
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/verify_passkey.*passkey config/);
    expect((await other.mgmt("GET", "/config/stepup")).status).toBe(404);
    expect((await other.mgmt("PUT", "/config/passkey", PASSKEY_CONFIG)).status).toBe(200);
    expect((await other.mgmt("POST", "/config/stepup", body)).status).toBe(201);
  });
});

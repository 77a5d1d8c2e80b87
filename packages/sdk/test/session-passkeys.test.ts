import { createSessionClient, isApiError, type WebAuthnCalls } from "@overture/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { issueChallengeToken } from "../../server/src/domain/sessions/challenge-token.js";
import { passkeyRule, SoftAuthenticator } from "../../server/test/support/passkey-setup.js";
import { describeEachDatabase } from "../../server/test/support/test-databases.js";
import { startTestServer, type TestServer } from "../../server/test/support/test-server.js";

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString());

/**
 * The session client's passkey helpers (docs/passkeys.md) against a real server, with a software
 * authenticator standing in for `navigator.credentials`; the browser path is in the server's
 * Chromium suite (compat/passkeys.test.ts).
 */
describeEachDatabase("SDK session client: passkeys", (dialect) => {
  let s: TestServer;
  let address: string;
  let userId: string;
  const origin = "https://example.com";
  const auth = new SoftAuthenticator(origin);
  // The passkey the user picks when the authenticator offers its discoverable ones.
  let chosen: string | undefined;
  const webauthn: WebAuthnCalls = {
    create: async (options) => auth.create(options),
    get: async (options) => auth.get(options, chosen ? { credentialId: chosen } : {}),
  };
  beforeAll(async () => {
    s = await startTestServer(dialect);
    address = await s.app.listen({ port: 0, host: "127.0.0.1" });
    for (const scope of ["prld:passkey:write", "payments:write"])
      await s.mgmt("POST", "/config/scopes", { scope });
    await s.mgmt("PUT", "/config/passkey", {
      rp_id: "example.com",
      rp_name: "Example",
      allowed_origins: [origin],
      login_enabled: true,
    });
    const stepUp = await s.mgmt("POST", "/config/stepup", {
      step_keys: [],
      allowed_scopes: [passkeyRule("payments:write")],
    });
    expect(stepUp.status, stepUp.text).toBe(201);
    userId = (await s.mgmt("POST", "/users", { identifiers: [{ value: "sdk-pk@example.com" }] })).body.id;
  });
  afterAll(() => s.close());

  it("registers, lists, renames, signs in with, steps up with, and deletes a passkey", async () => {
    const client = createSessionClient({ baseUrl: address, webauthn });
    const app = (await s.store.apps.get(s.appId))!;
    await client.finalizeLogin(
      await issueChallengeToken(
        s.keys,
        app,
        address,
        { userId, method: "otp", scopes: ["prld:passkey:write"] },
        Date.now(),
      ),
    );
    const passkey = await client.registerPasskey({ nickname: "Laptop" });
    chosen = passkey.credential_id;
    expect(passkey).toMatchObject({ nickname: "Laptop", last_used_at: null });
    expect(await client.listPasskeys()).toEqual([passkey]);
    await client.renamePasskey(passkey.credential_id, "Desk");
    expect((await client.listPasskeys())[0]?.nickname).toBe("Desk");
    const again = await client.registerPasskey().catch((e: unknown) => e);
    expect(isApiError(again) && again.code).toBe("insufficient_scope");

    const stepped = await client.requestStepUp({ scope: "payments:write" });
    if (stepped.status !== "pending") throw new Error("payments:write should be pending");
    expect(stepped.currentStep).toBe("verify_passkey");
    const done = await client.verifyPasskeyStep(stepped);
    expect(done.status).toBe("completed");
    if (done.status === "completed")
      expect(claims(done.accessToken).scope.split(" ")).toContain("payments:write");

    const other = createSessionClient({ baseUrl: address, webauthn });
    const token = await other.loginWithPasskey();
    expect(claims(token)).toMatchObject({ sub: userId });
    expect((await other.listPasskeys())[0]?.last_used_at).toEqual(expect.any(Number));

    await client.deletePasskey(passkey.id);
    expect(await client.listPasskeys()).toEqual([]);
    const gone = await createSessionClient({ baseUrl: address, webauthn })
      .loginWithPasskey()
      .catch((e: unknown) => e);
    expect(isApiError(gone) && gone.code).toBe("invalid_passkey");
  });
});

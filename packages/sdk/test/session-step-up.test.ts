import { createSessionClient, isApiError } from "@overture/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { issueChallengeToken } from "../../server/src/domain/sessions/challenge-token.js";
import { startStepBackend } from "../../server/test/support/step-backend.js";
import { describeEachDatabase } from "../../server/test/support/test-databases.js";
import { startTestServer, type TestServer } from "../../server/test/support/test-server.js";

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString());

describeEachDatabase("SDK session client: step-up", (dialect) => {
  let s: TestServer;
  let address: string;
  let userId: string;
  let backend: Awaited<ReturnType<typeof startStepBackend>>;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    address = await s.app.listen({ port: 0, host: "127.0.0.1" });
    backend = await startStepBackend("b1");
    for (const scope of ["read", "transfer", "kyc", "admin"])
      await s.mgmt("POST", "/config/scopes", { scope });
    const email = ["email_address"];
    const grant = { granted_for: 300, grant_mode: "session-bound" };
    const created = await s.mgmt("POST", "/config/stepup", {
      jwks_url: backend.jwksUrl,
      step_keys: [{ key: "id_check", description: "documents" }],
      allowed_scopes: [
        { scope: "read", mode: "direct", direct: { identifier_types: email, status: "continue", ...grant } },
        {
          scope: "transfer",
          mode: "direct",
          direct: {
            identifier_types: email,
            status: "review",
            ...grant,
            steps: [{ order: 1, key: "verify_email", expiration_duration: 60 }],
          },
        },
        {
          scope: "kyc",
          mode: "direct",
          direct: {
            identifier_types: email,
            status: "review",
            ...grant,
            steps: [{ order: 1, key: "id_check", expiration_duration: 60 }],
          },
        },
        { scope: "admin", mode: "direct", direct: { identifier_types: email, status: "block" } },
      ],
    });
    expect(created.status, created.text).toBe(201);
    userId = (await s.mgmt("POST", "/users", { identifiers: [{ value: "sdk-up@example.com" }] })).body.id;
  });
  afterAll(async () => {
    await backend.close();
    await s.close();
  });

  async function session() {
    const client = createSessionClient({ baseUrl: address });
    const app = (await s.store.apps.get(s.appId))!;
    await client.finalizeLogin(
      await issueChallengeToken(s.keys, app, address, { userId, method: "otp" }, Date.now()),
    );
    return client;
  }

  it("continue, review with an OTP step, a custom step, and block", async () => {
    const client = await session();
    const read = await client.requestStepUp({ scope: "read" });
    expect(read.status).toBe("completed");
    if (read.status !== "completed") return;
    expect(claims(read.accessToken).scope.split(" ")).toContain("read");
    expect(await client.getAccessToken()).toBe(read.accessToken);

    const transfer = await client.requestStepUp({ scope: "transfer", metadata: { amount: "900" } });
    expect(transfer).toMatchObject({ status: "pending", currentStep: "verify_email" });
    if (transfer.status !== "pending") return;
    await client.otpCreate(transfer.challengeToken);
    const code = (
      (await s.mgmt("GET", "/dev/messages")).body.messages as { to: string; code: string }[]
    ).find((m) => m.to === "sdk-up@example.com")?.code as string;
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
    const refused = await client.otpCheck(transfer.challengeToken, wrong).catch((e: unknown) => e);
    expect(isApiError(refused) && refused.code).toBe("bad_check_code");
    const checked = await client.otpCheck(transfer.challengeToken, code);
    expect(checked.status).toBe("completed");
    if (checked.status === "completed")
      expect(claims(checked.accessToken).scope.split(" ")).toContain("transfer");

    const kyc = await client.requestStepUp({ scope: "kyc" });
    if (kyc.status !== "pending") throw new Error("kyc should be pending");
    const verification = await backend.issue({ userId, challengeId: kyc.challengeId, key: kyc.currentStep });
    const passed = await client.continueStepUp(kyc.challengeToken, verification);
    expect(passed.status).toBe("completed");
    if (passed.status === "completed") expect(claims(passed.accessToken).scope.split(" ")).toContain("kyc");

    expect(await client.requestStepUp({ scope: "admin" })).toEqual({ status: "block" });
    const unknown = await client.requestStepUp({ scope: "nope" }).catch((e: unknown) => e);
    expect(isApiError(unknown) && unknown.code).toBe("scope_not_allowed");
  });
});

import { afterAll, beforeAll, expect, it } from "vitest";
import { newId } from "../src/domain/shared/new-id.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

/** `PUT|GET|DELETE /config/passkey` (docs/passkeys.md): every rule, defaults, and nothing stored on a refusal. */
describeEachDatabase("passkey config", (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    expect((await s.mgmt("POST", "/config/scopes", { scope: "payments:write" })).status).toBe(201);
  });
  afterAll(() => s.close());

  const valid = {
    rp_id: "Example.com",
    rp_name: "Example",
    allowed_origins: ["https://example.com", "https://App.example.com:443/", "https://example.com"],
  };

  it("is created by PUT with its defaults, read by GET, replaced whole by PUT, and deleted", async () => {
    expect((await s.mgmt("GET", "/config/passkey")).status).toBe(404);
    const created = await s.mgmt("PUT", "/config/passkey", valid);
    expect(created.status, created.text).toBe(200);
    expect(created.body.config).toEqual({
      rp_id: "example.com",
      rp_name: "Example",
      allowed_origins: ["https://example.com", "https://app.example.com"],
      user_verification: "required",
      attestation_preference: "none",
      login_enabled: false,
      granted_scopes: [],
      aaguid_allowlist: [],
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect((await s.mgmt("GET", "/config/passkey")).body).toEqual(created.body);

    const replaced = await s.mgmt("PUT", "/config/passkey", {
      ...valid,
      user_verification: "preferred",
      attestation_preference: "direct",
      login_enabled: true,
      granted_scopes: ["payments:write"],
      aaguid_allowlist: ["ADCE0002-35BC-C60A-648B-0B25F1F05503"],
    });
    expect(replaced.status, replaced.text).toBe(200);
    expect(replaced.body.config).toMatchObject({
      user_verification: "preferred",
      attestation_preference: "direct",
      login_enabled: true,
      granted_scopes: ["payments:write"],
      aaguid_allowlist: ["adce0002-35bc-c60a-648b-0b25f1f05503"],
      created_at: created.body.config.created_at,
    });
    // A granted scope is in use: it cannot be removed while the config grants it.
    const removeScope = await s.mgmt("DELETE", "/config/scopes", { scope: "payments:write" });
    expect(removeScope.status).toBe(409);
    expect(removeScope.body.message).toContain("passkey config");

    expect((await s.mgmt("PUT", "/config/passkey", valid)).body.config.login_enabled).toBe(false);
    expect((await s.mgmt("DELETE", "/config/passkey")).status).toBe(204);
    expect((await s.mgmt("DELETE", "/config/passkey")).status).toBe(404);
    expect((await s.mgmt("GET", "/config/passkey")).body.code).toBe("config_not_found");
  });

  it("allows http://localhost origins only for the RP ID localhost", async () => {
    const local = await s.mgmt("PUT", "/config/passkey", {
      rp_id: "localhost",
      rp_name: "Dev",
      allowed_origins: ["http://localhost:5173", "https://localhost:8443"],
    });
    expect(local.status, local.text).toBe(200);
    expect(local.body.config.allowed_origins).toEqual(["http://localhost:5173", "https://localhost:8443"]);
    expect((await s.mgmt("DELETE", "/config/passkey")).status).toBe(204);
  });

  it("refuses a new rp_id while passkeys registered under the old one exist, unless forced", async () => {
    const own = await s.forNewApp("passkey-rp");
    expect((await own.mgmt("PUT", "/config/passkey", valid)).status).toBe(200);
    const userId = (await own.mgmt("POST", "/users", {})).body.id as string;
    // Registration is not built yet (docs/passkeys.md): a credential as it will store one.
    await own.store.passkeys.insert({
      id: newId("pkc"),
      appId: own.appId,
      userId,
      credentialId: "cred-rp",
      publicKey: "pQECAyYgASFYI",
      signCount: 0,
      transports: ["internal"],
      backupEligible: false,
      backupState: false,
      aaguid: "00000000-0000-0000-0000-000000000000",
      rpId: "example.com",
      nickname: null,
      createdAt: s.clock.now(),
      lastUsedAt: null,
    });
    const moved = { ...valid, rp_id: "example.org", allowed_origins: ["https://example.org"] };
    // The same RP ID is no change.
    expect((await own.mgmt("PUT", "/config/passkey", { ...valid, rp_name: "Renamed" })).status).toBe(200);
    const refused = await own.mgmt("PUT", "/config/passkey", moved);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe("conflict");
    expect(refused.body.message).toContain("?force=true");
    expect((await own.mgmt("GET", "/config/passkey")).body.config.rp_id).toBe("example.com");
    expect((await own.mgmt("PUT", "/config/passkey?force=maybe", moved)).status).toBe(400);
    const forced = await own.mgmt("PUT", "/config/passkey?force=true", moved);
    expect(forced.status, forced.text).toBe(200);
    expect(forced.body.config.rp_id).toBe("example.org");
  });

  it("lists a user's passkeys without key material, and deletes one with its event (Management)", async () => {
    const userId = (await s.mgmt("POST", "/users", {})).body.id as string;
    const otherId = (await s.mgmt("POST", "/users", {})).body.id as string;
    expect((await s.mgmt("GET", `/users/${userId}/passkeys`)).body).toEqual({ credentials: [] });
    const stored = (credentialId: string, owner: string, nickname: string | null) => ({
      id: newId("pkc"),
      appId: s.appId,
      userId: owner,
      credentialId,
      publicKey: "pQECAyYgASFYI-secret-looking",
      signCount: 3,
      transports: ["internal"],
      backupEligible: true,
      backupState: true,
      aaguid: "adce0002-35bc-c60a-648b-0b25f1f05503",
      rpId: "example.com",
      nickname,
      createdAt: s.clock.now(),
      lastUsedAt: null,
    });
    const mine = stored("cred-mine", userId, "Laptop");
    const theirs = stored("cred-theirs", otherId, null);
    await s.store.passkeys.insert(mine);
    await s.store.passkeys.insert(theirs);
    const listed = await s.mgmt("GET", `/users/${userId}/passkeys`);
    expect(listed.status).toBe(200);
    expect(listed.body.credentials).toEqual([
      {
        id: mine.id,
        credential_id: "cred-mine",
        nickname: "Laptop",
        transports: ["internal"],
        backup_eligible: true,
        backup_state: true,
        aaguid: "adce0002-35bc-c60a-648b-0b25f1f05503",
        rp_id: "example.com",
        created_at: expect.any(String),
        last_used_at: null,
      },
    ]);
    expect(listed.text).not.toContain("secret-looking");
    // Another user's passkey through this user's path: not found, and kept.
    const wrong = await s.mgmt("DELETE", `/users/${userId}/passkeys/${theirs.id}`);
    expect(wrong.status).toBe(404);
    expect(wrong.body.code).toBe("not_found");
    expect(await s.store.passkeys.get(s.appId, theirs.id)).not.toBeNull();
    expect((await s.mgmt("DELETE", `/users/${userId}/passkeys/${mine.id}`)).status).toBe(204);
    expect((await s.mgmt("DELETE", `/users/${userId}/passkeys/${mine.id}`)).status).toBe(404);
    expect((await s.mgmt("GET", `/users/${userId}/passkeys`)).body.credentials).toEqual([]);
    const events = await s.store.outbox.list(s.appId, { limit: 1000 });
    expect(events.filter((e) => e.type === "user.passkey.deleted").map((e) => e.payload)).toEqual([
      { user_id: userId, passkey_id: mine.id, credential_id: "cred-mine", deleted_at: expect.any(String) },
    ]);
    expect((await s.mgmt("GET", "/users/usr_nosuchuser/passkeys")).body.code).toBe("user_not_found");
    // Another app sees neither the user nor the passkey, and cannot delete it.
    const other = await s.forNewApp("passkey-other-app");
    expect((await other.mgmt("GET", `/users/${otherId}/passkeys`)).body.code).toBe("user_not_found");
    expect((await other.mgmt("DELETE", `/users/${otherId}/passkeys/${theirs.id}`)).body.code).toBe(
      "user_not_found",
    );
    expect(await s.store.passkeys.get(s.appId, theirs.id)).not.toBeNull();
    // Oversize ids are refused by the schema.
    expect((await s.mgmt("DELETE", `/users/${userId}/passkeys/${"p".repeat(65)}`)).status).toBe(400);
    // A webhook may subscribe to them.
    const hook = await s.mgmt("POST", "/webhooks", {
      url: "https://hooks.example.com/passkeys",
      verification_token: "passkey-hook-token",
      events: ["user.passkey.created", "user.passkey.deleted"],
    });
    expect(hook.status, hook.text).toBe(201);
  });

  it("refuses each broken rule with 400 invalid_request naming it, storing nothing", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...valid, rp_id: "https://example.com" }, "rp_id"],
      [{ ...valid, rp_id: "example.com:443" }, "rp_id"],
      [{ ...valid, rp_id: "192.0.2.1" }, "rp_id"],
      [{ ...valid, rp_id: "-bad-.com" }, "rp_id"],
      [{ ...valid, allowed_origins: ["http://example.com"] }, "allowed_origins[0]"],
      [{ ...valid, allowed_origins: ["https://example.com", "https://evil.com"] }, "allowed_origins[1]"],
      [{ ...valid, allowed_origins: ["https://notexample.com"] }, "allowed_origins[0]"],
      [{ ...valid, allowed_origins: ["https://example.com/login"] }, "allowed_origins[0]"],
      [{ ...valid, allowed_origins: ["not a url"] }, "allowed_origins[0]"],
      [{ ...valid, allowed_origins: ["http://localhost:5173"] }, "allowed_origins[0]"],
      [{ ...valid, allowed_origins: [] }, "allowed_origins"],
      [{ ...valid, aaguid_allowlist: ["adce0002-35bc-c60a-648b-0b25f1f05503"] }, "aaguid_allowlist"],
      [{ ...valid, aaguid_allowlist: ["not-a-uuid"] }, "aaguid_allowlist"],
      [{ ...valid, granted_scopes: ["not:allowed"] }, "granted_scopes[0]"],
      [{ ...valid, user_verification: "always" }, "user_verification"],
      [{ ...valid, rp_name: "" }, "rp_name"],
      [{ ...valid, extra: true }, "extra"],
      [{ rp_name: "x", allowed_origins: ["https://example.com"] }, "rp_id"],
    ];
    for (const [body, field] of cases) {
      const res = await s.mgmt("PUT", "/config/passkey", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe("invalid_request");
      expect(res.body.message, JSON.stringify(body)).toContain(field);
      expect((await s.mgmt("GET", "/config/passkey")).status).toBe(404);
    }
  });
});

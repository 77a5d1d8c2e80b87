import { createManagementClient, isApiError, OvertureApiError } from "@overture/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../server/test/support/test-databases.js";
import { startTestServer, type TestServer } from "../../server/test/support/test-server.js";

describeEachDatabase("SDK management client against a listening server", (dialect) => {
  let s: TestServer;
  let client: ReturnType<typeof createManagementClient>;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    const address = await s.app.listen({ port: 0, host: "127.0.0.1" });
    client = createManagementClient({ baseUrl: address, appId: s.appId, apiKey: s.apiKey });
  });
  afterAll(() => s.close());

  it("drives the user lifecycle", async () => {
    expect(await client.getMode()).toBe("dev");
    const user = await client.users.create({
      external_id: "sdk-1",
      identifiers: [{ value: "SDK@example.com" }],
      profile: { first_name: "Sam" },
    });
    expect(user.identifiers).toEqual([{ type: "email_address", value: "sdk@example.com" }]);
    expect((await client.users.findByExternalId("sdk-1"))?.id).toBe(user.id);
    expect(await client.users.findByExternalId("nobody")).toBeNull();
    await client.users.updateProfile(user.id, { first_name: null, last_name: "Smith" });
    expect((await client.users.get(user.id)).profile).toEqual({ last_name: "Smith" });
    await client.users.addIdentifier(user.id, { value: "+33612345671" });
    await client.users.removeIdentifier(user.id, { value: "sdk@example.com" });
    await client.users.setExternalId(user.id, "sdk-1b");
    expect((await client.users.setStatus(user.id, "disabled")).status).toBe("disabled");
    await client.users.setPassword(user.id, "a perfectly fine password");
    const found = await client.users.batchLookup({ external_ids: ["sdk-1b"] });
    expect(found.map((u) => u.id)).toEqual([user.id]);
    await client.users.delete(user.id);
    await expect(client.users.get(user.id)).rejects.toMatchObject({ status: 404, code: "user_not_found" });
  });

  it("manages scopes, groups, a user's grants, the claims mapping, and mints a token", async () => {
    expect(await client.scopes.add("reports:read")).toEqual(["reports:read"]);
    expect(await client.scopes.add("admin")).toEqual(["admin", "reports:read"]);
    const created = await client.groups.create({ name: "analysts", scopes: ["reports:read"] });
    expect(created).toMatchObject({ name: "analysts", scopes: ["reports:read"] });
    expect((await client.groups.setScopes("analysts", ["reports:read", "admin"])).scopes).toEqual([
      "admin",
      "reports:read",
    ]);
    expect((await client.groups.list()).map((g) => g.name)).toEqual(["analysts"]);
    const user = await client.users.create({ external_id: "sdk-grants" });
    expect(await client.users.addScope(user.id, "admin")).toEqual({ success: true });
    await client.users.addToGroup(user.id, "analysts");
    expect(await client.users.get(user.id)).toMatchObject({ scopes: ["admin"], groups: ["analysts"] });
    await client.users.removeScope(user.id, "admin");
    await client.users.removeFromGroup(user.id, "analysts");
    expect(await client.users.get(user.id)).toMatchObject({ scopes: [], groups: [] });
    await expect(client.scopes.remove("reports:read")).rejects.toMatchObject({
      status: 409,
      code: "scope_in_use",
    });
    await client.groups.delete("analysts");
    await expect(client.groups.get("analysts")).rejects.toMatchObject({ code: "group_not_found" });
    expect(await client.scopes.remove("reports:read")).toEqual(["admin"]);

    expect((await client.claims.create({ tier: { $custom_claim: "tier" } })).version).toBe(1);
    expect((await client.claims.update({ api_version: 2 })).version).toBe(2);
    expect((await client.claims.get()).mapping).toEqual({ api_version: 2 });
    await client.claims.delete();
    await expect(client.claims.get()).rejects.toMatchObject({ code: "config_not_found" });

    await client.scopes.add("transfer");
    const stepUp = {
      step_keys: [],
      allowed_scopes: [
        {
          scope: "transfer",
          mode: "direct" as const,
          direct: {
            identifier_types: ["email_address" as const],
            status: "continue" as const,
            granted_for: 0,
            grant_mode: "session-bound" as const,
          },
        },
      ],
    };
    expect((await client.stepUp.create(stepUp)).allowed_scopes[0]?.direct?.granted_for).toBe(600);
    await expect(client.stepUp.create(stepUp)).rejects.toMatchObject({ status: 409, code: "conflict" });
    const blocked = {
      ...stepUp,
      allowed_scopes: [
        {
          scope: "transfer",
          mode: "direct" as const,
          direct: { identifier_types: ["phone_number" as const], status: "block" as const },
        },
      ],
    };
    expect((await client.stepUp.update(blocked)).allowed_scopes).toEqual(blocked.allowed_scopes);
    expect((await client.stepUp.get()).allowed_scopes[0]?.direct?.status).toBe("block");
    await client.stepUp.delete();
    await expect(client.stepUp.get()).rejects.toMatchObject({ code: "config_not_found" });

    const github = await client.oauth.create("github", {
      client_id: "gh-client",
      client_secret: "gh-secret",
    });
    expect(github).toMatchObject({
      provider_id: "github",
      client_id: "gh-client",
      scopes: ["read:user", "user:email"],
    });
    expect(JSON.stringify(github)).not.toContain("gh-secret");
    expect((await client.oauth.update("github", { client_id: "gh-2", enabled: false })).enabled).toBe(false);
    expect((await client.oauth.list()).map((c) => c.provider_id)).toEqual(["github"]);
    await client.oauth.delete("github");
    expect(await client.oauth.list()).toEqual([]);

    const minted = await client.mintToken({ claims: { sub: user.id }, expires_in: 60 });
    expect(minted.token.split(".")).toHaveLength(3);
  });

  it("walks every page with listAll", async () => {
    for (let i = 0; i < 7; i++) await client.users.create({ external_id: `sdk-page-${i}` });
    const ids: string[] = [];
    for await (const u of client.users.listAll({ limit: 3 })) ids.push(u.id);
    expect(ids.length).toBeGreaterThanOrEqual(7);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("throws errors carrying the server's code", async () => {
    await client.users.create({ external_id: "sdk-dup" });
    const error = await client.users.create({ external_id: "sdk-dup" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OvertureApiError);
    expect(isApiError(error, "external_id_already_exists")).toBe(true);
    expect((error as OvertureApiError).requestId).toMatch(/^req_/);
    const badKey = createManagementClient({
      baseUrl: `http://127.0.0.1:${(s.app.server.address() as { port: number }).port}`,
      appId: s.appId,
      apiKey: "ovk_wrong",
    });
    await expect(badKey.users.list()).rejects.toMatchObject({ status: 401, code: "unauthorized" });
  });
});

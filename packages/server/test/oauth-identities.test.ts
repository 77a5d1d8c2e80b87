import { createManagementClient, mirrorUser } from "@overture/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { json, startReceiver } from "./support/receiver.js";
import { SessionClient } from "./support/session-client.js";
import { describeEachDatabase } from "./support/test-databases.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

describeEachDatabase("OAuth identities", (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(dialect);
  });
  afterAll(() => s.close());

  const oauth = (value: string) => ({ type: "oauth", value });

  it("are identifiers `<provider>:<id>`: normalised, inferred, unique per app, found and listed", async () => {
    const created = await s.mgmt("POST", "/users", {
      external_id: "with-google",
      identifiers: [{ value: "g@example.com" }, oauth(" Google:109876543210 "), { value: "github:42" }],
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.user.identifiers).toEqual([
      { type: "email_address", value: "g@example.com" },
      { type: "oauth", value: "google:109876543210" },
      { type: "oauth", value: "github:42" },
    ]);
    const id = created.body.id;
    // Unique per app: another user cannot hold the same account, in any case of the provider.
    const taken = await s.mgmt("POST", "/users", { identifiers: [oauth("GOOGLE:109876543210")] });
    expect([taken.status, taken.body.code]).toEqual([409, "identifier_already_exists"]);
    // The same id at another provider, or in another app, is another identity.
    expect((await s.mgmt("POST", "/users", { identifiers: [oauth("microsoft:109876543210")] })).status).toBe(
      201,
    );
    const other = await s.forNewApp("other oauth");
    expect((await other.mgmt("POST", "/users", { identifiers: [oauth("google:109876543210")] })).status).toBe(
      201,
    );
    // Ids are case-sensitive.
    expect((await s.mgmt("POST", "/users", { identifiers: [oauth("apple:001234.AbC")] })).status).toBe(201);
    expect((await s.mgmt("POST", "/users", { identifiers: [oauth("apple:001234.abc")] })).status).toBe(201);

    const found = await s.mgmt(
      "GET",
      `/users?identifier_type=oauth&identifier_value=${encodeURIComponent("Google:109876543210")}`,
    );
    expect(found.body.users.map((u: { id: string }) => u.id)).toEqual([id]);

    const events = (await s.store.outbox.list(s.appId, { limit: 10_000 })).length;
    const added = await s.mgmt("POST", `/users/${id}/identifiers`, { identifier: oauth("okta:00u1abcd") });
    expect(added.status, added.text).toBe(201);
    const removed = await s.mgmt("DELETE", `/users/${id}/identifiers`, { identifier: oauth("github:42") });
    expect(removed.status).toBe(200);
    const recorded = (await s.store.outbox.list(s.appId, { limit: 10_000 })).slice(events);
    expect(
      recorded.map((e) => [e.type, (e.payload as { identifier: { value: string } }).identifier.value]),
    ).toEqual([
      ["user.identifier.created", "okta:00u1abcd"],
      ["user.identifier.deleted", "github:42"],
    ]);

    // Batch lookup by OAuth identity (the toolkit's mirror), normalised like the rest.
    const batch = await s.mgmt("POST", "/users/batch_lookup", {
      oauth_identities: ["GOOGLE:109876543210", "google:unknown", "okta:00u1abcd"],
    });
    expect(batch.status, batch.text).toBe(200);
    expect(batch.body.users.map((u: { id: string }) => u.id)).toEqual([id]);
    const badBatch = await s.mgmt("POST", "/users/batch_lookup", { oauth_identities: ["myspace:1"] });
    expect([badBatch.status, badBatch.body.code]).toEqual([400, "invalid_identifier"]);

    // Seen by the user too.
    const c = new SessionClient(s, `${s.appId}.localhost`);
    await c.signIn(id);
    const mine = await c.bearer("GET", "/v1/session/me/identifiers");
    expect(mine.body.identifiers.map((i: { type: string; value: string }) => `${i.type} ${i.value}`)).toEqual(
      ["email_address g@example.com", "oauth google:109876543210", "oauth okta:00u1abcd"],
    );
  });

  it("refuses unknown providers and malformed ids, and never sends a code to one", async () => {
    for (const value of ["facebook:1", "google:", ":123", "google:has space", `google:${"x".repeat(256)}`]) {
      const res = await s.mgmt("POST", "/users", { identifiers: [oauth(value)] });
      expect([res.status, res.body.code], value).toEqual([400, "invalid_identifier"]);
    }
    const host = `${s.appId}.localhost`;
    for (const identifier of [oauth("google:123"), { value: "google:123" }]) {
      const res = await s.inject({
        method: "POST",
        url: "/v1/session/login/otp",
        headers: { host, "content-type": "application/json" },
        payload: JSON.stringify({ identifier }),
      });
      expect(res.status, JSON.stringify(identifier)).toBe(400);
    }
  });

  it("come from the migration hook alongside an email or phone, naming a known provider", async () => {
    let answer: unknown = {};
    const hook = await startReceiver((_call, res) => json(res, 200, answer));
    try {
      const t = await s.forNewApp("oauth migration");
      await t.mgmt("POST", "/config/migration", { session_validation_url: hook.url });
      const migrate = () =>
        t.inject({
          method: "POST",
          url: "/v1/session/migration",
          headers: { host: `${t.appId}.localhost`, "content-type": "application/json" },
          payload: JSON.stringify({ token: "legacy", code_challenge: "c".repeat(43) }),
        });
      answer = { external_id: "legacy-g", identifiers: [{ value: "lg@example.com" }, oauth("google:555")] };
      expect((await migrate()).status).toBe(200);
      const [user] = await t.store.users.findByExternalIds(t.appId, ["legacy-g"]);
      expect(user?.identifiers).toContainEqual({ type: "oauth", value: "google:555" });
      answer = { external_id: "legacy-only-oauth", identifiers: [oauth("google:556")] };
      expect((await migrate()).body.code).toBe("migration_hook_failed");
      expect((await t.store.outbox.list(t.appId, { limit: 1000 })).at(-1)?.payload).toMatchObject({
        reason: "missing_identifiers",
      });
      answer = { external_id: "legacy-bad", identifiers: [{ value: "b@example.com" }, oauth("myspace:1")] };
      expect((await migrate()).body.code).toBe("migration_hook_failed");
      expect((await t.store.outbox.list(t.appId, { limit: 1000 })).at(-1)?.payload).toMatchObject({
        reason: "invalid_response",
      });
    } finally {
      await hook.close();
    }
  });

  it("mirrorUser reconciles them when asked, and leaves them alone otherwise", async () => {
    const address = await s.app.listen({ port: 0, host: "127.0.0.1" });
    const client = createManagementClient({ baseUrl: address, appId: s.appId, apiKey: s.apiKey });
    await s.mgmt("POST", "/users", {
      external_id: "mirror-oauth",
      identifiers: [{ value: "m@example.com" }],
    });
    const linked = await mirrorUser(client, {
      externalId: "mirror-oauth",
      identifiers: [{ value: "m@example.com" }, { value: "GitHub:7" }],
    });
    expect(linked).toMatchObject({ status: "mirrored", added: 1, removed: 0 });
    // Emails alone: the GitHub link stays.
    const emailsOnly = await mirrorUser(client, {
      externalId: "mirror-oauth",
      identifiers: [{ value: "m2@example.com" }],
    });
    expect(emailsOnly).toMatchObject({ added: 1, removed: 1 });
    const user = await client.users.findByExternalId("mirror-oauth");
    expect(user?.identifiers.map((i) => i.value).sort()).toEqual(["github:7", "m2@example.com"]);
  });
});

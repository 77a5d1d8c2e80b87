import { afterAll, beforeAll, expect, it } from "vitest";
import { startWebhookDispatcher } from "../../packages/server/src/workers/webhook-dispatcher.js";
import { startTestIdp, type TestIdp } from "../../packages/server/test/support/oidc-idp.js";
import { describeEachDatabase } from "../../packages/server/test/support/test-databases.js";
import { startTestServer, type TestServer } from "../../packages/server/test/support/test-server.js";
import { runWalkthrough } from "./walkthrough.js";

describeEachDatabase("the migration walkthrough (examples/migration)", (dialect) => {
  let s: TestServer;
  let base: string;
  let dispatcher: ReturnType<typeof startWebhookDispatcher>;
  let google: TestIdp;
  beforeAll(async () => {
    // A local stand-in for Google (phase 4), as an operator's endpoint override points to it.
    google = await startTestIdp({
      shape: "google",
      clientId: "walkthrough",
      clientSecret: "walkthrough-secret",
    });
    s = await startTestServer(dialect, { OVERTURE_OAUTH_ENDPOINTS: JSON.stringify({ google: google.url }) });
    base = await s.app.listen({ port: 0, host: "127.0.0.1" });
    // As `overture serve` runs it (phase 5 consumes webhooks).
    dispatcher = startWebhookDispatcher(s.domain, { error: () => {} }, { intervalMs: 50 });
  });
  afterAll(async () => {
    dispatcher.stop();
    await dispatcher.idle();
    await s.close();
    await google.close();
  });

  it("goes through mirror, lazy migration, backfill with password hashes and OAuth identities, Google sign-in, a bootstrapped sign-up and webhooks", async () => {
    const lines: string[] = [];
    const report = await runWalkthrough({
      baseUrl: base,
      issuer: s.config.server.publicUrl,
      appId: s.appId,
      apiKey: s.apiKey,
      google: { idp: google, clientId: "walkthrough", clientSecret: "walkthrough-secret" },
      log: (l) => lines.push(l),
    });
    expect(lines.filter((l) => l.startsWith("Phase"))).toHaveLength(6);
    expect(report.eventsApplied).toBeGreaterThanOrEqual(2);
    expect(report.backfill).toMatchObject({ created: 4, skipped: 1, failed: 0 });
    expect(report.authPaths.legacy).toBeGreaterThanOrEqual(2);
    expect(report.authPaths.session).toBeGreaterThanOrEqual(4);

    // What Overture holds at the end: six users, each with its internal id as external_id.
    const users = (await s.mgmt("GET", "/users?limit=100")).body.users as { external_id: string | null }[];
    expect(users.map((u) => u.external_id).sort()).toEqual(
      ["u_alice", "u_bob", "u_carol", "u_dave", "u_erin", report.frankInternalId].sort(),
    );
    // Carol's imported PBKDF2 hash was replaced by argon2id at her first login; Dave had none.
    const [carol] = await s.store.users.findByExternalIds(s.appId, ["u_carol"]);
    expect(carol?.passwordHash).toMatch(/^\$argon2id\$/);
    const [dave] = await s.store.users.findByExternalIds(s.appId, ["u_dave"]);
    expect(dave?.passwordHash).toBeNull();
    const events = await s.store.outbox.list(s.appId, { limit: 1000 });
    expect(
      events
        .filter((e) => e.type === "user.created")
        .map((e) => (e.payload as { source: string }).source)
        .sort(),
    ).toEqual(["api", "api", "api", "api", "migration", "sign_up"].sort());
    // Erin's Google identity came with the backfill; her Google sign-in created nobody.
    const [erin] = await s.store.users.findByExternalIds(s.appId, ["u_erin"]);
    expect(erin?.identifiers.map((i) => `${i.type} ${i.value}`).sort()).toEqual([
      "email_address erin@example.com",
      "oauth google:104857600123456789",
    ]);
  }, 60_000);
});

import { createHash, randomBytes } from "node:crypto";
import {
  createAccessTokenVerifier,
  createDualTokenVerifier,
  createManagementClient,
  createMigrationHookVerifier,
  type ManagementClient,
  mirrorDelete,
  mirrorUser,
  runBackfill,
} from "@overture/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { json, startReceiver } from "../../server/test/support/receiver.js";
import { SessionClient } from "../../server/test/support/session-client.js";
import { describeEachDatabase } from "../../server/test/support/test-databases.js";
import { startTestServer, type TestServer } from "../../server/test/support/test-server.js";

describeEachDatabase("SDK backend toolkit", (dialect) => {
  let s: TestServer;
  let address: string;
  let client: ManagementClient;
  let issuer: string;
  let jwksUrl: string;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    address = await s.app.listen({ port: 0, host: "127.0.0.1" });
    client = createManagementClient({ baseUrl: address, appId: s.appId, apiKey: s.apiKey });
    issuer = `http://${s.appId}.localhost`;
    // The test server has one app, so its plain address serves that app's Frontend API.
    jwksUrl = `${address}/.well-known/jwks.json`;
  });
  afterAll(() => s.close());

  const signedIn = async (externalId?: string) => {
    const user = await client.users.create({ ...(externalId && { external_id: externalId }) });
    const session = new SessionClient(s, `${s.appId}.localhost`);
    expect((await session.signIn(user.id)).status).toBe(200);
    return { user, token: session.accessToken! };
  };

  it("verifyAccessToken checks signature, type, issuer, time and external_id, with a JWKS cache", async () => {
    let fetches = 0;
    const countingFetch: typeof fetch = (input, init) => {
      fetches++;
      return fetch(input, init);
    };
    const verify = createAccessTokenVerifier({ issuer, jwksUrl, fetch: countingFetch });
    const { user, token } = await signedIn(`ext-${randomBytes(3).toString("hex")}`);
    const claims = await verify(token);
    expect(claims).toMatchObject({ iss: issuer, sub: user.id, external_id: user.external_id });
    await verify(token);
    expect(fetches).toBe(1);

    const [h, p, sig] = token.split(".");
    const forged = JSON.parse(Buffer.from(p!, "base64url").toString());
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...forged, sub: "usr_someone_else" })).toString("base64url")}.${sig}`;
    await expect(verify(tampered)).rejects.toMatchObject({ code: "bad_signature" });
    await expect(verify("not.a.token")).rejects.toMatchObject({ code: "malformed" });
    const noneAlg = `${Buffer.from(JSON.stringify({ alg: "none", kid: JSON.parse(Buffer.from(h!, "base64url").toString()).kid, typ: "at+jwt" })).toString("base64url")}.${p}.`;
    await expect(verify(noneAlg)).rejects.toMatchObject({ code: "bad_signature" });
    await expect(
      createAccessTokenVerifier({ issuer: "https://elsewhere.example", jwksUrl })(token),
    ).rejects.toMatchObject({
      code: "wrong_issuer",
    });
    const later = createAccessTokenVerifier({ issuer, jwksUrl, now: () => Date.now() + 3 * 3600_000 });
    await expect(later(token)).rejects.toMatchObject({ code: "expired" });

    const bare = await signedIn();
    await expect(verify(bare.token)).rejects.toMatchObject({ code: "missing_external_id" });
    expect((await verify(bare.token, { allowMissingExternalId: true })).sub).toBe(bare.user.id);

    // Unknown kids trigger at most one refetch per interval; a rotation is picked up.
    const unknownKid = `${Buffer.from(JSON.stringify({ alg: "ES256", kid: "sig_unknown", typ: "at+jwt" })).toString("base64url")}.${p}.${sig}`;
    for (let i = 0; i < 5; i++)
      await expect(verify(unknownKid)).rejects.toMatchObject({ code: "bad_signature" });
    expect(fetches).toBeLessThanOrEqual(2);
    const rotating = createAccessTokenVerifier({ issuer, jwksUrl });
    await rotating(token);
    await s.keys.rotate(s.appId, "ES256");
    const fresh = await signedIn(`ext-${randomBytes(3).toString("hex")}`);
    expect(fresh.token.split(".")[0]).not.toBe(h);
    await expect(rotating(fresh.token)).resolves.toMatchObject({ sub: fresh.user.id });
  });

  it("a hook built on createMigrationHookVerifier accepts Overture's requests and refuses forgeries and replays", async () => {
    const verifyHook = createMigrationHookVerifier({ jwksUrl, appId: s.appId });
    const hook = await startReceiver(async (call, res) => {
      try {
        const valid = await verifyHook(call);
        json(res, 200, {
          external_id: `legacy-${valid.token}`,
          identifiers: [{ value: `${valid.token}@legacy.example` }],
        });
      } catch {
        json(res, 401, {});
      }
    });
    try {
      const config = await fetch(`${address}/v2/session/apps/${s.appId}/config/migration`, {
        method: "POST",
        headers: { authorization: `Bearer ${s.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ session_validation_url: hook.url }),
      });
      expect(config.status).toBe(201);
      const verifier = randomBytes(32).toString("base64url");
      const migrated = await fetch(`${address}/v1/session/migration`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          token: "jane",
          code_challenge: createHash("sha256").update(verifier).digest("base64url"),
        }),
      });
      expect(migrated.status).toBe(200);
      expect((await client.users.findByExternalId("legacy-jane"))?.identifiers).toEqual([
        { type: "email_address", value: "jane@legacy.example" },
      ]);

      const original = hook.calls[0]!;
      await expect(verifyHook(original)).rejects.toThrow(/replayed/);
      await expect(verifyHook({ ...original, body: original.body.replace("jane", "john") })).rejects.toThrow(
        /signature/,
      );
      await expect(verifyHook({ body: original.body, headers: {} })).rejects.toThrow(/missing/);
      const otherApp = createMigrationHookVerifier({ jwksUrl, appId: "aotherapp1" });
      await expect(otherApp(original)).rejects.toThrow(/this app/);
      const later = createMigrationHookVerifier({ jwksUrl, appId: s.appId, now: () => Date.now() + 600_000 });
      await expect(later(original)).rejects.toThrow(/too old/);
    } finally {
      await hook.close();
    }
  });

  it("the dual-token verifier routes each token one way and yields the same identity", async () => {
    const overture = createAccessTokenVerifier({ issuer, jwksUrl });
    const paths: string[] = [];
    const dual = createDualTokenVerifier({
      overture,
      overtureIssuer: issuer,
      verifyLegacy: async (token) => {
        const m = /^legacy\.(.+)$/.exec(token);
        if (!m) throw new Error("invalid legacy token");
        return { userId: m[1]! };
      },
      identify: async (claims) => ({ userId: claims.external_id! }),
      count: (path) => paths.push(path),
    });
    const { token, user } = await signedIn(`dual-${randomBytes(3).toString("hex")}`);
    const viaOverture = await dual.verify(`Bearer ${token}`);
    const viaLegacy = await dual.verify(`Bearer legacy.${user.external_id}`);
    expect(viaOverture).toEqual({ identity: { userId: user.external_id }, path: "session" });
    expect(viaLegacy).toEqual({ identity: { userId: user.external_id }, path: "legacy" });
    // A forged token claiming Overture's issuer fails on Overture's side; it is never tried as legacy.
    const [h, , sig] = token.split(".");
    const forged = `${h}.${Buffer.from(JSON.stringify({ iss: issuer, sub: "x", external_id: "admin" })).toString("base64url")}.${sig}`;
    await expect(dual.verify(`Bearer ${forged}`)).rejects.toMatchObject({ code: "bad_signature" });
    await expect(dual.verify("Basic abc")).rejects.toThrow(/bearer/);
    expect(dual.counts()).toEqual({ session: 1, legacy: 1 });
    expect(paths).toEqual(["session", "legacy"]);
  });

  it("mirrorUser patches the profile and reconciles identifiers as a diff, running every operation", async () => {
    expect(await mirrorUser(client, { externalId: "nobody-here", profile: { a: 1 } })).toEqual({
      status: "skipped",
      added: 0,
      removed: 0,
    });
    const externalId = `mirror-${randomBytes(3).toString("hex")}`;
    const user = await client.users.create({
      external_id: externalId,
      identifiers: [{ value: `${externalId}-old@example.com` }, { value: "+33612345679" }],
      profile: { first_name: "Old" },
    });
    const result = await mirrorUser(client, {
      externalId,
      profile: { first_name: "New", locale: "fr" },
      identifiers: [{ value: "+33 6 12 34 56 79" }, { value: `${externalId}-NEW@example.com` }],
    });
    expect(result).toEqual({ status: "mirrored", added: 1, removed: 1 });
    const after = await client.users.get(user.id);
    expect(after.profile).toEqual({ first_name: "New", locale: "fr" });
    expect(after.identifiers).toEqual([
      { type: "phone_number", value: "+33612345679" },
      { type: "email_address", value: `${externalId}-new@example.com` },
    ]);
    // Run again: nothing left to do.
    expect(await mirrorUser(client, { externalId, identifiers: after.identifiers })).toEqual({
      status: "mirrored",
      added: 0,
      removed: 0,
    });

    // One bad identifier fails; the other operations still run, and the errors come back together.
    const other = await client.users.create({ identifiers: [{ value: `${externalId}-taken@example.com` }] });
    const failing = mirrorUser(client, {
      externalId,
      profile: { first_name: "Newer" },
      identifiers: [
        { value: "+33612345679" },
        { value: `${externalId}-taken@example.com` },
        { type: "phone_number", value: "not a phone" },
        { value: `${externalId}-third@example.com` },
      ],
    });
    await expect(failing).rejects.toBeInstanceOf(AggregateError);
    await expect(failing).rejects.toMatchObject({
      errors: [expect.objectContaining({ code: "invalid_identifier" })],
    });
    const final = await client.users.get(user.id);
    expect(final.profile).toMatchObject({ first_name: "Newer" });
    expect(final.identifiers.map((i) => i.value)).toEqual([
      "+33612345679",
      `${externalId}-third@example.com`,
    ]);
    expect((await client.users.get(other.id)).identifiers).toHaveLength(1);

    expect(await mirrorDelete(client, externalId)).toBe("deleted");
    expect(await mirrorDelete(client, externalId)).toBe("absent");
  });

  it("runBackfill walks pages, checks idempotency first, treats conflicts as benign and resumes", async () => {
    const run = randomBytes(3).toString("hex");
    const table = Array.from({ length: 250 }, (_, i) => ({
      id: `${run}-${String(i).padStart(4, "0")}`,
      n: i,
    }));
    // Already on Overture (a lazy migration got there first), and one identifier owned elsewhere.
    for (const row of table.slice(0, 10)) await client.users.create({ external_id: `bf-${row.id}` });
    await client.users.create({ identifiers: [{ value: `taken-${run}@example.com` }] });

    const legacyChunks: number[] = [];
    const errors: string[] = [];
    const options = {
      client,
      fetchPage: async (cursor: string | null) => {
        const rows = table.filter((r) => cursor === null || r.id > cursor).slice(0, 60);
        return { rows, next: rows.length === 60 ? rows.at(-1)!.id : null };
      },
      externalIdOf: (row: { id: string }) => `bf-${row.id}`,
      fetchLegacy: async (rows: { id: string; n: number }[]) => {
        legacyChunks.push(rows.length);
        return new Map(
          rows.map((r) => [
            `bf-${r.id}`,
            {
              email: r.n === 20 ? `taken-${run}@example.com` : `bf-${r.id}@legacy.example`,
              name: `User ${r.n}`,
            },
          ]),
        );
      },
      toUser: (row: { n: number }, legacy: { email: string; name: string } | undefined) =>
        row.n === 30 || row.n === 31
          ? null
          : {
              identifiers: [{ value: row.n === 40 ? "not an email" : legacy!.email }],
              profile: { name: legacy!.name },
            },
      legacyChunkSize: 25,
      onError: (externalId: string) => errors.push(externalId),
    };

    // The first run stops (a crash) after two pages; it reported its cursor after each page.
    let saved: string | null = null;
    let pages = 0;
    await expect(
      runBackfill({
        ...options,
        fetchPage: async (cursor: string | null) => {
          if (pages++ === 2) throw new Error("crash");
          return options.fetchPage(cursor);
        },
        onPage: ({ cursor }: { cursor: string | null }) => {
          saved = cursor;
        },
      }),
    ).rejects.toThrow("crash");
    expect(saved).toBe(table[119]!.id);

    const resumed = await runBackfill({ ...options, startAfter: saved });
    expect(resumed.cursor).toBeNull();
    expect(resumed.failed).toBe(0);
    expect(resumed.created).toBe(130);
    expect(legacyChunks.every((n) => n <= 25)).toBe(true);

    // From the start again: everything is skipped by the idempotency check, nothing is fetched.
    legacyChunks.length = 0;
    const again = await runBackfill(options);
    expect(again.created).toBe(0);
    expect(again.skipped + again.failed).toBe(250);
    expect(again.failed).toBe(1); // the row with an invalid email never exists, so it is tried again
    expect(errors).toEqual([`bf-${table[40]!.id}`, `bf-${table[40]!.id}`]);
    for (const row of [table[0]!, table[119]!, table[249]!]) {
      expect(await client.users.findByExternalId(`bf-${row.id}`), row.id).not.toBeNull();
    }
    // Left out on purpose (toUser null), and left alone because its email belongs to another user.
    expect(await client.users.findByExternalId(`bf-${table[30]!.id}`)).toBeNull();
    expect(await client.users.findByExternalId(`bf-${table[20]!.id}`)).toBeNull();
  });
});

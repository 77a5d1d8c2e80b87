import { createManagementClient, createSessionClient, runBackfill } from "@overture/sdk";
// The browser's part at the (local) Google: follow its redirects. A test fixture, as is the IdP.
import { followProvider } from "../../packages/server/test/support/oauth-browser.js";
import type { TestIdp } from "../../packages/server/test/support/oidc-idp.js";
import { type CustomerUser, startCustomerBackend } from "./customer-backend.js";
import { createLegacyProvider } from "./legacy-provider.js";

export interface WalkthroughOptions {
  /** Where Overture serves both APIs (its Frontend API must resolve this host to the app). */
  baseUrl: string;
  /**
   * The `iss` of Overture's tokens for this app: `OVERTURE_PUBLIC_URL` when the app is served as
   * the default app on a plain address, as here (docs/frontend-api.md).
   */
  issuer: string;
  appId: string;
  apiKey: string;
  /**
   * A local OpenID provider Overture knows as Google (OVERTURE_OAUTH_ENDPOINTS), with this client
   * registered: where Erin, a Google user of the legacy provider, signs in (phase 4).
   */
  google: { idp: TestIdp; clientId: string; clientSecret: string };
  log?: (line: string) => void;
}

const PEOPLE = [
  {
    id: "u_alice",
    email: "alice@example.com",
    name: "Alice",
    legacyId: "lg_1",
    password: "alice-legacy-password",
  },
  { id: "u_bob", email: "bob@example.com", name: "Bob", legacyId: "lg_2" },
  {
    id: "u_carol",
    email: "carol@example.com",
    name: "Carol",
    legacyId: "lg_3",
    password: "carol-legacy-password",
  },
  { id: "u_dave", email: "dave@example.com", name: "Dave", legacyId: "lg_4" },
  {
    id: "u_erin",
    email: "erin@example.com",
    name: "Erin",
    legacyId: "lg_5",
    google: "104857600123456789",
  },
];

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString());

function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Error(`walkthrough: expected ${what}`);
}

/**
 * The migration guide (seed 002) end to end against a running Overture: a legacy provider with its
 * users, the customer's backend, and the guide's phases — mirror, lazy migration through the SDK,
 * backfill of dormant users with their password hashes and OAuth identities, a Google sign-in on
 * Overture landing on the backfilled user, an Overture-native sign-up bootstrapped with
 * update-external-id, and the switch to Overture's webhooks as the source of changes. Throws at the first step that does not go as the guide says.
 */
export async function runWalkthrough(o: WalkthroughOptions) {
  const log = o.log ?? ((line: string) => console.log(line));
  const base = o.baseUrl.replace(/\/+$/, "");
  const overture = createManagementClient({ baseUrl: base, appId: o.appId, apiKey: o.apiKey });
  const legacy = createLegacyProvider();
  const backend = await startCustomerBackend({
    legacy,
    overture,
    overtureIssuer: o.issuer,
    jwksUrl: `${base}/.well-known/jwks.json`,
    appId: o.appId,
    webhookToken: "walkthrough-webhook-token",
  });
  const api = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(backend.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const mgmt = (path: string, body: unknown) =>
    fetch(`${base}/v2/session/apps/${o.appId}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${o.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const frontend = async (path: string, body: unknown) => {
    const res = await fetch(`${base}/v1/session${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return (await res.json()) as { challenge_token?: string; code?: string };
  };

  try {
    log("Set-up: the legacy provider and the customer's table hold the same five people.");
    for (const [i, p] of PEOPLE.entries()) {
      legacy.addAccount(
        {
          id: p.legacyId,
          email: p.email,
          name: p.name,
          ...(p.google && { externalAccounts: [{ provider: "oauth_google", providerUserId: p.google }] }),
        },
        p.password,
      );
      const row: CustomerUser = {
        id: p.id,
        email: p.email,
        name: p.name,
        legacyId: p.legacyId,
        createdAt: i,
      };
      backend.users.set(p.id, row);
    }
    check(
      (await mgmt("/config/migration", { session_validation_url: `${backend.url}/hooks/session-validate` }))
        .status === 201,
      "the migration config",
    );
    check((await mgmt("/config/login/password", {})).status === 201, "the password config");

    log("Phase 1 — mirror: a change before migration has nothing to mirror to.");
    const aliceLegacy = legacy.login("alice@example.com", "alice-legacy-password");
    const early = await api("POST", "/api/me/profile", aliceLegacy, { name: "Alice Early" });
    check(early.status === 200 && early.body.mirrored === "skipped", "the mirror to skip an unmigrated user");

    log("Phase 2 — lazy migration: Alice's legacy session becomes an Overture session.");
    const alice = createSessionClient({ baseUrl: base });
    const aliceToken = await alice.migrate({ token: aliceLegacy });
    check(claims(aliceToken).external_id === "u_alice", "Alice's token to carry her internal id");
    const viaOverture = await api("GET", "/api/me", aliceToken);
    const viaLegacy = await api("GET", "/api/me", aliceLegacy);
    check(viaOverture.body.id === "u_alice" && viaOverture.body.path === "session", "the Overture path");
    check(viaLegacy.body.id === "u_alice" && viaLegacy.body.path === "legacy", "the legacy path");
    const mirrored = await api("POST", "/api/me/profile", aliceToken, {
      name: "Alice Liddell",
      phone: "+33612345678",
    });
    check(mirrored.body.mirrored === "mirrored", "the change to be mirrored");
    const aliceOnOverture = await overture.users.findByExternalId("u_alice");
    check(aliceOnOverture?.profile.name === "Alice Liddell", "the mirrored profile");
    check(
      aliceOnOverture.identifiers.some((i) => i.value === "+33612345678"),
      "the mirrored phone",
    );

    log("Phase 3 — backfill: the dormant users, with their password hashes.");
    // Keyset pagination over the customer's table, two rows a page, by created_at.
    const fetchPage = async (cursor: number | null) => {
      const page = [...backend.users.values()]
        .filter((u) => u.legacyId && (cursor === null || u.createdAt > cursor))
        .sort((a, b) => a.createdAt - b.createdAt)
        .slice(0, 2);
      return { rows: page, next: page.length === 2 ? page[1]!.createdAt : null };
    };
    const backfill = await runBackfill({
      client: overture,
      fetchPage,
      externalIdOf: (row) => row.id,
      fetchLegacy: async (chunk) => {
        const accounts = new Map(legacy.getAccounts(chunk.map((r) => r.legacyId!)).map((a) => [a.id, a]));
        return new Map(chunk.map((r) => [r.id, accounts.get(r.legacyId!)!]));
      },
      toUser: (row, account) => ({
        // Every OAuth external account too, the provider's name normalised (`oauth_google` → `google`).
        identifiers: [
          { value: row.email },
          ...(account?.externalAccounts ?? []).map((a) => ({
            type: "oauth" as const,
            value: `${a.provider.replace(/^oauth_/, "")}:${a.providerUserId}`,
          })),
        ],
        profile: { name: row.name },
        ...(account?.password && {
          password_hash: {
            algorithm: "pbkdf2_sha256" as const,
            hash: account.password.hash,
            salt: account.password.salt,
            iterations: account.password.iterations,
          },
        }),
      }),
    });
    check(
      backfill.created === 4 && backfill.skipped === 1 && backfill.failed === 0,
      "4 created and Alice skipped",
    );
    const carolChallenge = await frontend("/login/email/password", {
      identifier: "carol@example.com",
      password: "carol-legacy-password",
    });
    check(carolChallenge.challenge_token, "Carol's imported password to sign her in");
    const carol = createSessionClient({ baseUrl: base });
    const carolToken = await carol.finalizeLogin(carolChallenge.challenge_token);
    check(
      (await api("GET", "/api/me", carolToken)).body.id === "u_carol",
      "Carol to be herself on the backend",
    );
    const again = await runBackfill({
      client: overture,
      fetchPage,
      externalIdOf: (row) => row.id,
      fetchLegacy: async () => new Map(),
      toUser: () => null,
    });
    check(again.created === 0 && again.skipped === 5, "a second run to skip everyone");

    log("Phase 4 — sign-in flips to Overture: Erin signs in with Google and is her backfilled self.");
    check(
      (
        await mgmt("/config/login/oauth/google", {
          client_id: o.google.clientId,
          client_secret: o.google.clientSecret,
          options: { use_email_as_identifier: true },
        })
      ).status === 201,
      "the Google login config",
    );
    o.google.idp.allowRedirects([`${base}/v1/session/login/oauth/google/callback`]);
    o.google.idp.next = {
      sub: "104857600123456789",
      email: "erin@example.com",
      email_verified: true,
      given_name: "Erin",
    };
    // The browser keeps Overture's binding cookie between authorize and the callback.
    let cookie = "";
    const browserFetch: typeof fetch = async (input, init) => {
      const res = await fetch(input, { ...init, headers: { ...(init?.headers as object), cookie } });
      cookie = res.headers.getSetCookie()[0]?.split(";")[0] ?? cookie;
      return res;
    };
    const erin = createSessionClient({ baseUrl: base, fetch: browserFetch });
    const atGoogle = await erin.startOAuthLogin({
      provider: "google",
      redirectUri: "http://localhost:5173/signed-in",
    });
    const back = await followProvider(atGoogle);
    const landed = await fetch(back.url, { redirect: "manual", headers: { cookie } });
    const outcome = await erin.finishOAuthLogin(String(landed.headers.get("location")));
    check(outcome.status === "signed_in", "Erin to be signed in");
    const erinOnOverture = await overture.users.findByExternalId("u_erin");
    check(claims(outcome.accessToken).sub === erinOnOverture?.id, "Google to land on the backfilled user");
    check(claims(outcome.accessToken).external_id === "u_erin", "her token to carry her internal id");
    check((await api("GET", "/api/me", outcome.accessToken)).body.id === "u_erin", "Erin on the backend");

    log("Phase 5 — Overture-native sign-up, bootstrapped with update-external-id.");
    const signUp = await frontend("/login/email/sign-up", {
      identifier: "frank@example.com",
      password: "a brand new password",
    });
    check(signUp.challenge_token, "a sign-up challenge");
    const frank = createSessionClient({ baseUrl: base });
    const frankFirst = await frank.finalizeLogin(signUp.challenge_token);
    check(claims(frankFirst).external_id === undefined, "a fresh sign-up to have no external_id");
    check((await api("GET", "/api/me", frankFirst)).status === 401, "other endpoints to refuse it");
    const boot = await api("POST", "/api/bootstrap", frankFirst);
    const bootAgain = await api("POST", "/api/bootstrap", frankFirst);
    check(boot.status === 200 && bootAgain.body.id === boot.body.id, "an idempotent bootstrap");
    await frank.invalidateCache();
    const frankToken = await frank.refresh();
    check(
      claims(frankToken).external_id === boot.body.id,
      "the refreshed token to carry the new internal id",
    );
    check(
      (await api("GET", "/api/me", frankToken)).body.email === "frank@example.com",
      "Frank on the backend",
    );

    log("Phase 6 — webhooks: stop mirroring, let Overture's events update the backend.");
    const webhook = await overture.webhooks.create({
      url: `${backend.url}/hooks/overture-events`,
      verification_token: "walkthrough-webhook-token",
      events: ["user.created", "user.updated", "user.profile.updated"],
    });
    check((await overture.webhooks.activate(webhook.id)).active, "the webhook to pass its handshake");
    // Changes made on Overture's side now reach the backend: a status change and a profile edit.
    const dave = await overture.users.findByExternalId("u_dave");
    check(dave, "Dave on Overture");
    await overture.users.setStatus(dave.id, "disabled");
    const frankUser = backend.users.get(String(boot.body.id));
    check(frankUser, "Frank's row");
    await overture.users.updateProfile(frankUser.overtureUserId!, { name: "Frank Overture" });
    // The dispatcher sends within a second or so; wait up to 20 s.
    for (
      let i = 0;
      i < 200 && !(backend.users.get("u_dave")?.status === "disabled" && frankUser.name === "Frank Overture");
      i++
    )
      await new Promise((r) => setTimeout(r, 100));
    check(backend.users.get("u_dave")?.status === "disabled", "Dave's status to arrive by webhook");
    check(frankUser.name === "Frank Overture", "Frank's profile edit to arrive by webhook");
    const log5 = await overture.webhooks.deliveries(webhook.id);
    check(
      log5.deliveries.every((d) => d.status === "delivered"),
      "every delivery delivered",
    );

    const report = {
      aliceUserId: aliceOnOverture.id,
      eventsApplied: backend.eventsApplied(),
      backfill,
      frankInternalId: String(boot.body.id),
      authPaths: backend.authPaths(),
    };
    log(`Done: ${JSON.stringify(report)}`);
    return report;
  } finally {
    await backend.close();
  }
}

import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  answerActivation,
  createAccessTokenVerifier,
  createDualTokenVerifier,
  createMigrationHookVerifier,
  createWebhookVerifier,
  type ManagementClient,
  mirrorUser,
} from "@overture/sdk";
import type { LegacyProvider } from "./legacy-provider.js";

/** A row of the customer's own user table: their source of truth during the migration. */
export interface CustomerUser {
  id: string;
  email: string;
  name: string;
  phone?: string;
  /** The legacy provider's id; absent for users who signed up on Overture. */
  legacyId?: string;
  /** The Overture user, once linked by a bootstrap. */
  overtureUserId?: string;
  /** Mirrored from Overture's events once webhooks are the source (phase 5). */
  status?: string;
  createdAt: number;
}

export interface BackendOptions {
  legacy: LegacyProvider;
  overture: ManagementClient;
  /** Overture's Frontend API origin: the `iss` of its tokens. */
  overtureIssuer: string;
  jwksUrl: string;
  appId: string;
  /** The verification token the backend registers its webhook with (phase 5). */
  webhookToken: string;
}

/**
 * The customer's backend during the migration (seed 002): its user table, the migration hook,
 * endpoints that accept either token, a profile edit mirrored to Overture, and the bootstrap that
 * links an Overture-native sign-up to a new internal user.
 */
export async function startCustomerBackend(o: BackendOptions) {
  const users = new Map<string, CustomerUser>();
  const verifyHook = createMigrationHookVerifier({ jwksUrl: o.jwksUrl, appId: o.appId });
  const verifyOverture = createAccessTokenVerifier({ issuer: o.overtureIssuer, jwksUrl: o.jwksUrl });
  const byLegacyId = (legacyId: string) => [...users.values()].find((u) => u.legacyId === legacyId);
  const verifyWebhookRequest = createWebhookVerifier({ jwksUrl: o.jwksUrl, appId: o.appId });
  /** Event ids already applied: a batch that arrives again changes nothing (docs/webhooks.md). */
  const applied = new Set<string>();
  const auth = createDualTokenVerifier({
    overture: verifyOverture,
    overtureIssuer: o.overtureIssuer,
    // Both branches end in the same internal user: the external_id is the internal id.
    identify: async (claims) => users.get(claims.external_id!) ?? Promise.reject(new Error("unknown user")),
    verifyLegacy: async (token) => {
      const account = o.legacy.verify(token);
      const user = account && byLegacyId(account.id);
      if (!user) throw new Error("invalid legacy session");
      return user;
    },
  });

  const routes: Record<string, (req: IncomingMessage, body: string) => Promise<[number, unknown]>> = {
    // Overture calls this with the legacy token; answer with who it is.
    "POST /hooks/session-validate": async (req, body) => {
      try {
        await verifyHook({ body, headers: req.headers });
      } catch {
        return [401, { error: "not from Overture" }];
      }
      const { token } = JSON.parse(body) as { token: string };
      const account = o.legacy.verify(token);
      const user = account && byLegacyId(account.id);
      if (!user) return [401, { error: "invalid legacy session" }];
      return [
        200,
        { external_id: user.id, identifiers: [{ value: user.email }], profile: { name: user.name } },
      ];
    },
    "GET /api/me": async (req) => {
      try {
        const { identity, path } = await auth.verify(req.headers.authorization);
        return [200, { id: identity.id, email: identity.email, name: identity.name, path }];
      } catch {
        return [401, { error: "unauthenticated" }];
      }
    },
    // A profile edit: written here first, then mirrored to Overture (skipped if not migrated yet).
    "POST /api/me/profile": async (req, body) => {
      let me: CustomerUser;
      try {
        me = (await auth.verify(req.headers.authorization)).identity;
      } catch {
        return [401, { error: "unauthenticated" }];
      }
      const change = JSON.parse(body) as { name?: string; phone?: string };
      Object.assign(me, change);
      const mirrored = await mirrorUser(o.overture, {
        externalId: me.id,
        profile: { name: me.name },
        identifiers: [{ value: me.email }, ...(me.phone ? [{ value: me.phone }] : [])],
      });
      return [200, { mirrored: mirrored.status }];
    },
    // Phase 5: Overture's webhook. The activation handshake, then signed batches, applied once each.
    "GET /hooks/overture-events": async (req) => {
      const answer = answerActivation(req.url ?? "", { verificationToken: o.webhookToken, appId: o.appId });
      return [answer.status, answer.body];
    },
    "POST /hooks/overture-events": async (req, body) => {
      let batch: Awaited<ReturnType<typeof verifyWebhookRequest>>;
      try {
        batch = await verifyWebhookRequest({ body, headers: req.headers });
      } catch {
        return [401, { error: "not from Overture" }];
      }
      for (const event of batch.events) {
        if (applied.has(event.id)) continue;
        applied.add(event.id);
        if (event.type === "user.updated") {
          const row = event.payload.external_id ? users.get(event.payload.external_id) : undefined;
          if (row) row.status = event.payload.status;
        } else if (event.type === "user.profile.updated") {
          const row = [...users.values()].find((u) => u.overtureUserId === event.payload.user_id);
          const name = event.payload.profile.name;
          if (row && typeof name === "string") row.name = name;
        }
      }
      return [200, {}];
    },
    // The one endpoint that accepts an Overture token without external_id: provision or link.
    "POST /api/bootstrap": async (req) => {
      const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
      let claims: Awaited<ReturnType<typeof verifyOverture>>;
      try {
        claims = await verifyOverture(token, { allowMissingExternalId: true });
      } catch {
        return [401, { error: "unauthenticated" }];
      }
      const overtureUser = await o.overture.users.get(claims.sub);
      const email = overtureUser.identifiers.find((i) => i.type === "email_address")?.value ?? "";
      // Idempotent: a retry finds the row by Overture id (or email) and only redoes the link.
      let user = [...users.values()].find((u) => u.overtureUserId === claims.sub || u.email === email);
      if (!user) {
        user = { id: `u_${randomUUID()}`, email, name: email.split("@")[0]!, createdAt: Date.now() };
        users.set(user.id, user);
      }
      user.overtureUserId = claims.sub;
      if (overtureUser.external_id !== user.id) await o.overture.users.setExternalId(claims.sub, user.id);
      return [200, { id: user.id }];
    },
  };

  const server = createServer((req, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const route = routes[`${req.method} ${(req.url ?? "").split("?")[0]}`];
      const [status, body] = route ? await route(req, Buffer.concat(chunks).toString("utf8")) : [404, {}];
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    users,
    authPaths: () => auth.counts(),
    eventsApplied: () => applied.size,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export type CustomerBackend = Awaited<ReturnType<typeof startCustomerBackend>>;

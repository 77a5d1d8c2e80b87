import { createHash, generateKeyPairSync, type KeyObject, sign, verify } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

/** A user at the test identity provider. `extra` claims are added to its ID tokens as they are. */
export interface IdpAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  given_name?: string;
  family_name?: string;
  extra?: Record<string, unknown>;
}

/**
 * How the provider behaves like one of the real ones. `google`: claims in the ID token; `okta`:
 * claims only from userinfo (oidc-provider's default); `microsoft`: the multi-tenant issuer
 * template in discovery and `tid`-specific issuers in tokens; `apple`: form_post, `email_verified`
 * as a string, and a client secret that is an ES256 JWT from the team's key.
 */
export type IdpShape = "google" | "okta" | "microsoft" | "apple";

export interface TestIdp {
  /** The issuer base: discovery is at `<url>/.well-known/openid-configuration`. */
  url: string;
  /** Who signs in next; `"deny"` declines consent. */
  next: IdpAccount | "deny";
  /** Rewrites the claims of the next ID tokens before they are signed again with the IdP's key. */
  tamper: ((claims: Record<string, unknown>) => Record<string, unknown>) | null;
  /** Replaces the signing key (a new kid); the old one is no longer published. */
  rotateKeys(): Promise<void>;
  /** Registers the client's redirect URIs (the callback URL is known once the app is). */
  allowRedirects(uris: string[]): void;
  /** Token requests the provider answered, with their form bodies. */
  tokenRequests: Record<string, string>[];
  close(): Promise<void>;
}

export const MICROSOFT_TENANT = "9f1c2d3e-1111-4222-8333-944455556666";

interface Options {
  shape: IdpShape;
  clientId: string;
  clientSecret: string;
  redirectUris?: string[];
  /** Apple: the public half of the team's .p8 key, and its ids. */
  apple?: { publicKey: KeyObject; teamId: string; keyId: string };
}

function newSigningKey() {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = privateKey.export({ format: "jwk" });
  return {
    privateKey,
    jwk: {
      ...jwk,
      kid: createHash("sha256")
        .update(jwk.n ?? "")
        .digest("base64url")
        .slice(0, 16),
      alg: "RS256",
      use: "sig",
    },
  };
}

const b64json = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
const decode = (part: string) => JSON.parse(Buffer.from(part, "base64url").toString("utf8"));

/**
 * panva's `oidc-provider`, a certified OpenID Provider, on 127.0.0.1: logins are decided by the test
 * (`next`) instead of a form, and a thin layer gives it the shape of a real provider.
 */
export async function startTestIdp(options: Options): Promise<TestIdp> {
  const accounts = new Map<string, IdpAccount>();
  let redirectUris = options.redirectUris ?? ["http://localhost/unused"];
  let key = newSigningKey();
  let provider: Provider;
  const server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const idp: TestIdp = {
    url,
    next: { sub: "idp-user-1", email: "user@example.com", email_verified: true },
    tamper: null,
    tokenRequests: [],
    allowRedirects(uris) {
      redirectUris = uris;
      provider = build();
    },
    async rotateKeys() {
      key = newSigningKey();
      provider = build();
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  function resign(token: string, rewrite: (claims: Record<string, unknown>) => Record<string, unknown>) {
    const [h = "", p = ""] = token.split(".");
    const input = `${b64json(decode(h))}.${b64json(rewrite(decode(p)))}`;
    return `${input}.${sign("sha256", Buffer.from(input), key.privateKey).toString("base64url")}`;
  }

  function build(): Provider {
    const p = new Provider(url, {
      clients: [
        {
          client_id: options.clientId,
          client_secret: options.clientSecret,
          redirect_uris: redirectUris,
          response_types: ["code"],
          grant_types: ["authorization_code"],
          token_endpoint_auth_method: options.shape === "okta" ? "client_secret_basic" : "client_secret_post",
        },
      ],
      jwks: { keys: [key.jwk as never] },
      claims: {
        openid: ["sub"],
        email: ["email", "email_verified"],
        profile: ["given_name", "family_name"],
      },
      scopes: ["openid", "email", "profile", "name"],
      conformIdTokenClaims: options.shape === "okta",
      // Okta's custom authorization servers are often set to HTTP Basic only.
      ...(options.shape === "okta" && { clientAuthMethods: ["client_secret_basic"] }),
      features: { devInteractions: { enabled: false } },
      pkce: { required: () => true, methods: ["S256"] },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      cookies: { keys: ["test-idp-cookie-key"] },
      adapter: MemoryStore,
      // Set explicitly, so the provider does not print a notice for each default.
      ttl: {
        AuthorizationCode: 60,
        Interaction: 600,
        Session: 3600,
        Grant: 3600,
        AccessToken: 3600,
        IdToken: 3600,
      },
      renderError(ctx, out) {
        ctx.type = "json";
        ctx.body = out;
      },
      async findAccount(_ctx, id) {
        const account = accounts.get(id);
        if (!account) return undefined;
        return {
          accountId: id,
          async claims() {
            const { extra: _extra, ...claims } = account;
            return claims;
          },
        };
      },
    });
    p.use(async (ctx, next) => {
      await next();
      if (ctx.path === "/token" && !options.apple)
        idp.tokenRequests.push({ ...(ctx.oidc?.body as Record<string, string>) });
      const body = ctx.body as Record<string, unknown> | undefined;
      if (ctx.path === "/.well-known/openid-configuration" && body && options.shape === "microsoft")
        ctx.body = { ...body, issuer: `${url}/{tenantid}/v2.0` };
      if (ctx.path === "/token" && body && typeof body.id_token === "string") {
        ctx.body = { ...body, id_token: resign(body.id_token, shapeClaims) };
      }
    });
    return p;
  }

  function shapeClaims(claims: Record<string, unknown>) {
    const account = accounts.get(String(claims.sub));
    let out: Record<string, unknown> = { ...claims, ...account?.extra };
    if (options.shape === "microsoft")
      out = { tid: MICROSOFT_TENANT, ...out, iss: `${url}/${MICROSOFT_TENANT}/v2.0` };
    if (options.shape === "apple" && typeof out.email_verified === "boolean")
      out.email_verified = String(out.email_verified);
    return idp.tamper ? idp.tamper(out) : out;
  }

  provider = build();

  async function handle(req: IncomingMessage, res: ServerResponse) {
    try {
      if (req.url?.startsWith("/interaction/")) return await interaction(req, res);
      if (options.apple && req.method === "POST" && req.url?.startsWith("/token")) {
        // Apple's client secret is a JWT from the team's key; past this check, the registered one.
        const form = Object.fromEntries(new URLSearchParams(await readBody(req)));
        idp.tokenRequests.push({ ...form });
        if (!appleSecretValid(form.client_secret ?? "", options, url)) {
          res.writeHead(400, { "content-type": "application/json" });
          return res.end(JSON.stringify({ error: "invalid_client" }));
        }
        (req as IncomingMessage & { body?: string }).body = new URLSearchParams({
          ...form,
          client_secret: options.clientSecret,
        }).toString();
      }
      provider.callback()(req, res);
    } catch (error) {
      res.writeHead(500);
      res.end(String(error));
    }
  }

  async function interaction(req: IncomingMessage, res: ServerResponse) {
    const details = await provider.interactionDetails(req, res);
    const next = idp.next;
    if (next === "deny") {
      return provider.interactionFinished(
        req,
        res,
        { error: "access_denied", error_description: "The user declined." },
        { mergeWithLastSubmission: false },
      );
    }
    accounts.set(next.sub, next);
    const grant = new provider.Grant({ accountId: next.sub, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: next.sub }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  }

  return idp;
}

/** The provider's storage: its own in-memory one works, but warns on every start. */
class MemoryStore {
  private static readonly rows = new Map<string, Record<string, unknown>>();
  constructor(private readonly model: string) {}
  private key = (id: string) => `${this.model}:${id}`;
  async upsert(id: string, payload: Record<string, unknown>) {
    MemoryStore.rows.set(this.key(id), payload);
  }
  async find(id: string) {
    return MemoryStore.rows.get(this.key(id));
  }
  async findByUid(uid: string) {
    return [...MemoryStore.rows.entries()].find(
      ([k, v]) => k.startsWith(`${this.model}:`) && v.uid === uid,
    )?.[1];
  }
  async findByUserCode() {
    return undefined;
  }
  async consume(id: string) {
    const row = MemoryStore.rows.get(this.key(id));
    if (row) row.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id: string) {
    MemoryStore.rows.delete(this.key(id));
  }
  async revokeByGrantId(grantId: string) {
    for (const [k, v] of MemoryStore.rows) if (v.grantId === grantId) MemoryStore.rows.delete(k);
  }
}

/** A request body as text: the test providers read forms themselves. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function appleSecretValid(secret: string, options: Options, audience: string): boolean {
  const apple = options.apple;
  if (!apple) return false;
  const [h = "", p = "", s = ""] = secret.split(".");
  try {
    const header = decode(h);
    const claims = decode(p);
    const ok = verify(
      "sha256",
      Buffer.from(`${h}.${p}`),
      { key: apple.publicKey, dsaEncoding: "ieee-p1363" },
      Buffer.from(s, "base64url"),
    );
    const now = Math.floor(Date.now() / 1000);
    return (
      ok &&
      header.alg === "ES256" &&
      header.kid === apple.keyId &&
      claims.iss === apple.teamId &&
      claims.sub === options.clientId &&
      claims.aud === audience &&
      typeof claims.exp === "number" &&
      claims.exp > now
    );
  } catch {
    return false;
  }
}

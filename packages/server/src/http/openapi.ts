import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";

/**
 * OpenAPI 3.1 generated from the route schemas, served at /openapi.json, with a Swagger UI page at
 * /docs whose assets are served by this server (no CDN). docs/openapi.json is the same document,
 * written by `npm run docs` and checked by a test.
 */
const FRONTEND = "Frontend API: ";

/** Every tag a route uses, in the order /docs shows them (a test checks each route's tag is here). */
export const TAGS: readonly (readonly [string, string])[] = [
  [
    "Users",
    "Management API: users, their identifiers, profile, status, password, scopes, groups and sessions.",
  ],
  ["Mode", "Management API: the application's mode (dev/prod)."],
  ["Config - Login OTP", "Management API: one-time-code login: channels, senders, granted scopes."],
  ["Config - Login Password", "Management API: password login: policy and rate limits."],
  [
    "Config - Login OAuth",
    "Management API: social login providers: client credentials, scopes, email trust (docs/social-login.md).",
  ],
  [
    "Config - Login Passkey",
    "Management API: the app as a WebAuthn relying party: RP ID, origins, verification, passkey login (docs/passkeys.md).",
  ],
  ["Config - Sessions", "Management API: session and access-token lifetimes."],
  [
    "Config - Scopes",
    "Management API: the scopes users, groups and login methods may grant (docs/scopes-and-claims.md).",
  ],
  ["Config - Groups", "Management API: named sets of allowed scopes; membership applies at login."],
  [
    "Config - Claims",
    "Management API: the claims mapping: what every access token carries beyond its registered claims.",
  ],
  [
    "Config - Step-up",
    "Management API: which scopes may be asked for mid-session, and how each is decided (docs/step-up.md).",
  ],
  [
    "Config - Migration",
    "Management API: the session validation hook lazy migration calls (docs/migration.md).",
  ],
  ["Domains", "Management API: custom domains serving the Frontend API (docs/domains.md)."],
  [
    "Webhooks",
    "Management API: endpoints of yours that receive the app's events, signed and retried (docs/webhooks.md).",
  ],
  ["Tokens", "Management API: minting test tokens signed with the app's key (dev mode)."],
  [
    "Signing keys",
    "Management API: the app's published public keys, their purpose and status (docs/keys.md).",
  ],
  [
    "OTP",
    `${FRONTEND}one-time-code sign-in (web cookie flow and native flow); the identifier is an object (docs/otp.md).`,
  ],
  ["Password", `${FRONTEND}password login, sign-up, rules and change.`],
  [
    "Social login",
    `${FRONTEND}sign-in with Google, Apple, Microsoft, GitHub and Okta: authorize, the provider's callback (docs/social-login.md).`,
  ],
  [
    "Passkey login",
    `${FRONTEND}sign-in with a discoverable passkey: begin, then finish with the assertion (docs/passkeys.md).`,
  ],
  ["Login Migration", `${FRONTEND}a legacy session exchanged for a challenge token (docs/migration.md).`],
  ["Sessions", `${FRONTEND}finalize a login, refresh, log out (DPoP).`],
  [
    "Step-up",
    `${FRONTEND}a scope asked for mid-session, its steps, and the grant spent on /refresh (docs/step-up.md).`,
  ],
  ["Self-service sessions", `${FRONTEND}the signed-in user's sessions (Bearer).`],
  [
    "Passkey management",
    `${FRONTEND}the signed-in user's passkeys: register, list, rename, delete (Bearer + DPoP; docs/passkeys.md).`,
  ],
  ["Keys", `${FRONTEND}the app's public signing keys (JWKS).`],
];

export async function installOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Overture",
        version,
        description:
          "Self-hostable implementation of the Prelude Session API. Management API under " +
          "`/v2/session/apps/{appID}` (API key); Frontend API under `/v1/session` (per app).",
        license: { name: "Apache-2.0", identifier: "Apache-2.0" },
      },
      components: {
        securitySchemes: {
          apiKey: {
            type: "http",
            scheme: "bearer",
            description: "A management API key of the application (`overture key create`).",
          },
        },
      },
      // One server for this origin (the Management API, and the Frontend API of the default app), one
      // for an app's own Frontend host; "Try it out" picks and edits them.
      servers: [
        { url: "/", description: "This server: the Management API, and the Frontend API of the default app" },
        {
          url: "{scheme}://{host}",
          description:
            "An app's Frontend API host: `{appId}.<base domain>` or a custom domain (docs/frontend-api.md)",
          variables: {
            scheme: { enum: ["https", "http"], default: "https" },
            host: { default: "localhost:4000" },
          },
        },
      ],
      // In this order on /docs: the Management API (users first, then what configures an app),
      // then the Frontend API in the order a session lives.
      tags: TAGS.map(([name, description]) => ({ name, description })),
    },
  });
  await app.register(swaggerUi, {
    routePrefix: "/docs",
    // One spec URL, /openapi.json: the page's own copies point there.
    uiHooks: {
      onRequest: (request, reply, done) => {
        const path = request.url.split("?")[0];
        if (path === "/docs/json" || path === "/docs/yaml") reply.redirect("/openapi.json", 308);
        else done();
      },
    },
    // Nothing leaves the server: no online validator badge, no upgrade of plain-http local pages.
    uiConfig: { validatorUrl: null },
    staticCSP: true,
    transformStaticCSP: (header) =>
      header
        .replace(" validator.swagger.io", "")
        .replace(/ ?upgrade-insecure-requests;/, "")
        .replace(/ https:/g, "")
        // Swagger UI sets inline styles (React style attributes); scripts stay 'self' only.
        .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
  });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
}

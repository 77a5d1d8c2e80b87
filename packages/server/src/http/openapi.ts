import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";

/**
 * OpenAPI 3.1 generated from the route schemas, served at /openapi.json, with a Swagger UI page at
 * /docs whose assets are served by this server (no CDN). docs/openapi.json is the same document,
 * written by `npm run docs` and checked by a test.
 */
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
      tags: [
        { name: "Mode", description: "The application's mode (dev/prod)." },
        { name: "Domains", description: "Custom domains serving the Frontend API." },
        {
          name: "Webhooks",
          description:
            "Endpoints of yours that receive the app's events, signed and retried (docs/webhooks.md).",
        },
        { name: "Tokens", description: "Minting test tokens signed with the app's key (dev mode)." },
        {
          name: "Users",
          description: "Users, their identifiers, profile, status, password, scopes and groups.",
        },
        {
          name: "Config - Scopes",
          description: "The scopes users, groups and login methods may grant (docs/scopes-and-claims.md).",
        },
        {
          name: "Config - Groups",
          description: "Named sets of allowed scopes; membership applies at login.",
        },
        {
          name: "Config - Claims",
          description: "The claims mapping: what every access token carries beyond its registered claims.",
        },
        {
          name: "Config - Login OTP",
          description: "One-time-code login: channels, senders, granted scopes.",
        },
        { name: "Config - Login Password", description: "Password login: policy and rate limits." },
        {
          name: "Config - Login OAuth",
          description:
            "Social login providers: client credentials, scopes, email trust (docs/social-login.md).",
        },
        { name: "Config - Sessions", description: "Session and access-token lifetimes." },
        {
          name: "Config - Step-up",
          description:
            "Which scopes may be asked for mid-session, and how each is decided (docs/step-up.md).",
        },
        {
          name: "Config - Migration",
          description: "The session validation hook lazy migration calls (docs/migration.md).",
        },
        {
          name: "OTP",
          description: "Frontend API: one-time-code sign-in (web cookie flow and native flow).",
        },
        { name: "Keys", description: "Frontend API: the app's public signing keys." },
        { name: "Password", description: "Frontend API: password login, sign-up, rules and change." },
        {
          name: "Social login",
          description:
            "Frontend API: sign-in with Google, Apple, Microsoft, GitHub and Okta — authorize, the provider's callback (docs/social-login.md).",
        },
        { name: "Sessions", description: "Frontend API: finalize a login, refresh, log out (DPoP)." },
        {
          name: "Self-service sessions",
          description: "Frontend API: the signed-in user's sessions (Bearer).",
        },
        {
          name: "Step-up",
          description:
            "Frontend API: a scope asked for mid-session, its steps, and the grant spent on /refresh (docs/step-up.md).",
        },
        {
          name: "Login Migration",
          description: "Frontend API: a legacy session exchanged for a challenge token (docs/migration.md).",
        },
      ],
    },
  });
  await app.register(swaggerUi, {
    routePrefix: "/docs",
    // Nothing leaves the server: no online validator badge, no upgrade of plain-http local pages.
    uiConfig: { validatorUrl: null },
    staticCSP: true,
    transformStaticCSP: (header) =>
      header
        .replace(" validator.swagger.io", "")
        .replace(/ ?upgrade-insecure-requests;/, "")
        .replace(/ https:/g, ""),
  });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
}

import {
  OAuthConfigListResponse,
  OAuthConfigRequest,
  OAuthConfigResponse,
  type OAuthProvider,
  OAuthProviderParams,
} from "@overture/protocol";
import {
  deleteOAuthConfig,
  isOAuthProvider,
  listOAuthConfigs,
  type OAuthConfigRecord,
  saveOAuthConfig,
} from "../../domain/oauth/oauth-config.js";
import { isoTime } from "../../domain/shared/clock.js";
import { fail } from "../api-error.js";
import { defineRoute } from "../route-spec.js";

const tag = "Config - Login OAuth";

/** Never a secret: neither `client_secret` nor Apple's `p8_key` is returned. */
const present = (c: OAuthConfigRecord) => ({
  provider_id: c.provider,
  client_id: c.value.client_id,
  enabled: c.value.enabled,
  scopes: c.value.scopes,
  granted_scopes: c.value.granted_scopes,
  options: c.value.options,
  ...(c.value.apple && { apple: { team_id: c.value.apple.team_id, key_id: c.value.apple.key_id } }),
  ...(c.value.okta && { okta: c.value.okta }),
  created_at: isoTime(c.createdAt),
  updated_at: isoTime(c.updatedAt),
});

function provider(name: string): OAuthProvider {
  if (!isOAuthProvider(name)) fail({ ok: false, reason: "oauth_provider_unknown" });
  return name as OAuthProvider;
}

export const listOAuthProviders = defineRoute({
  operationId: "listLoginOAuthConfigs",
  summary: "List the OAuth login configs",
  tag,
  responses: { 200: OAuthConfigListResponse },
  errors: [],
  handler: async ({ app, deps }) => ({
    status: 200,
    body: { configs: (await listOAuthConfigs(deps.domain, app.id)).map(present) },
  }),
});

export const createOAuthProvider = defineRoute({
  operationId: "createLoginOAuthConfig",
  summary: "Configure an OAuth provider",
  description:
    "`google`, `apple`, `microsoft`, `github` or `okta`; one config each (a second is a 409 `conflict`). " +
    "`client_secret` (or Apple's `p8_key`) is sealed and never returned (docs/social-login.md).",
  tag,
  params: OAuthProviderParams,
  body: OAuthConfigRequest,
  responses: { 201: OAuthConfigResponse },
  errors: ["oauth_provider_not_found", "conflict"],
  handler: async ({ app, params, body, deps }) => {
    const saved = await saveOAuthConfig(deps.domain, app, provider(params.provider), body, "create");
    if (!saved.ok) fail(saved);
    return { status: 201, body: { config: present(saved.config) } };
  },
});

export const updateOAuthProvider = defineRoute({
  operationId: "updateLoginOAuthConfig",
  summary: "Replace an OAuth provider's config",
  description: "The whole document, under the create rules; a secret left out is kept.",
  tag,
  params: OAuthProviderParams,
  body: OAuthConfigRequest,
  responses: { 200: OAuthConfigResponse },
  errors: ["oauth_provider_not_found", "config_not_found"],
  handler: async ({ app, params, body, deps }) => {
    const saved = await saveOAuthConfig(deps.domain, app, provider(params.provider), body, "replace");
    if (!saved.ok) fail(saved);
    return { status: 200, body: { config: present(saved.config) } };
  },
});

export const deleteOAuthProvider = defineRoute({
  operationId: "deleteLoginOAuthConfig",
  summary: "Remove an OAuth provider's config",
  tag,
  params: OAuthProviderParams,
  responses: { 204: null },
  errors: ["oauth_provider_not_found", "config_not_found"],
  handler: async ({ app, params, deps }) => {
    const removed = await deleteOAuthConfig(deps.domain, app.id, provider(params.provider));
    if (!removed.ok) fail(removed);
    return { status: 204 };
  },
});

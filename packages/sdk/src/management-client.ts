import type {
  AppMode,
  CreateGroupRequest,
  CreateUserRequest,
  IdentifierInput,
  ListUsersQuery,
  MintTokenRequest,
  OAuthConfigRequest,
  OAuthProvider,
  StepUpConfigRequest,
  User,
  UserStatus,
  WebhookEventName,
} from "@overture/protocol";
import { OvertureApiError } from "./overture-api-error.js";

export interface ManagementClientOptions {
  /** Server origin, e.g. `https://auth.example.com` or `http://127.0.0.1:4000`. */
  baseUrl: string;
  appId: string;
  apiKey: string;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Per-request timeout; default 10 s. */
  timeoutMs?: number;
}

/** A group of allowed scopes (docs/scopes-and-claims.md). */
export interface Group {
  name: string;
  scopes: string[];
  created_at: string;
  updated_at: string;
}

/** The app's claims mapping and its version. */
export interface ClaimsConfig {
  mapping: Record<string, unknown>;
  version: number;
  created_at: string;
  updated_at: string;
}

/** The app's step-up config as stored (docs/step-up.md). */
export type StepUpConfig = StepUpConfigRequest & { created_at: string; updated_at: string };

/** An OAuth provider's config as shown: never its client secret or Apple key (docs/social-login.md). */
export interface OAuthConfig {
  provider_id: OAuthProvider;
  client_id: string;
  enabled: boolean;
  scopes: string[];
  granted_scopes: string[];
  options: { use_email_as_identifier: boolean; allow_email_account_merge: boolean; verify_email: boolean };
  apple?: { team_id: string; key_id: string };
  okta?: { issuer_url: string };
  created_at: string;
  updated_at: string;
}

/** A webhook as the Management API shows it (docs/webhooks.md); never its verification token. */
export interface Webhook {
  id: string;
  url: string;
  events: WebhookEventName[];
  active: boolean;
  last_http_code: number | null;
  last_http_code_date: string | null;
  created_at: string;
  updated_at: string;
}

/** One row of a webhook's delivery log. */
export interface WebhookDelivery {
  event_id: string;
  event_type: string;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  last_latency_ms: number | null;
  first_attempt_at: string | null;
  last_attempt_at: string | null;
  next_attempt_at: string | null;
  delivered_at: string | null;
  created_at: string;
}

export interface UserPage {
  users: User[];
  next_cursor: string | null;
}

/**
 * Client for the Management API (server-side only: the key can create and delete users). Every
 * failure is thrown as an OvertureApiError carrying the server's code.
 */
export function createManagementClient(options: ManagementClientOptions) {
  const doFetch = options.fetch ?? globalThis.fetch;
  const base = `${options.baseUrl.replace(/\/+$/, "")}/v2/session/apps/${encodeURIComponent(options.appId)}`;

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await doFetch(base + path, {
      method,
      headers: {
        authorization: `Bearer ${options.apiKey}`,
        accept: "application/json",
        ...(body !== undefined && { "content-type": "application/json" }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const text = await response.text();
    const json: unknown = text ? safeJson(text) : undefined;
    if (!response.ok) {
      const err = (json ?? {}) as { code?: string; message?: string };
      throw new OvertureApiError(
        response.status,
        err.code ?? "unknown",
        err.message ?? `HTTP ${response.status}`,
        response.headers.get("x-request-id"),
      );
    }
    return json as T;
  }

  const user = (id: string) => `/users/${encodeURIComponent(id)}`;
  const group = (name: string) => `/config/groups/${encodeURIComponent(name)}`;
  const webhook = (id: string) => `/webhooks/${encodeURIComponent(id)}`;
  type One = { webhook: Webhook };

  return {
    getMode: async () => (await call<{ mode: AppMode }>("GET", "/mode")).mode,
    setMode: (mode: AppMode) => call<void>("PUT", "/mode", { mode }),

    users: {
      create: async (input: CreateUserRequest) =>
        (await call<{ id: string; user: User }>("POST", "/users", input)).user,
      get: async (id: string) => (await call<{ user: User }>("GET", user(id))).user,
      list: (query: ListUsersQuery = {}) => call<UserPage>("GET", `/users${queryString(query)}`),
      /** Every user matching `query`, page after page. */
      async *listAll(query: Omit<ListUsersQuery, "cursor"> = {}): AsyncGenerator<User> {
        let cursor: string | null = null;
        do {
          const page: UserPage = await call<UserPage>(
            "GET",
            `/users${queryString({ ...query, ...(cursor !== null && { cursor }) })}`,
          );
          yield* page.users;
          cursor = page.next_cursor;
        } while (cursor !== null);
      },
      /** The user with this external_id, or null. */
      findByExternalId: async (externalId: string) =>
        (await call<UserPage>("GET", `/users${queryString({ external_id: externalId })}`)).users[0] ?? null,
      batchLookup: async (lookup: { external_ids?: string[]; emails?: string[] }) =>
        (await call<{ users: User[] }>("POST", "/users/batch_lookup", lookup)).users,
      delete: (id: string) => call<void>("DELETE", user(id)),
      /** JSON merge patch: a key set to null is removed. */
      updateProfile: (id: string, patch: Record<string, unknown>) =>
        call<void>("PATCH", `${user(id)}/profile`, patch),
      setExternalId: (id: string, externalId: string) =>
        call<void>("PUT", `${user(id)}/external_id`, { external_id: externalId }),
      setStatus: async (id: string, status: UserStatus) =>
        (await call<{ user: User }>("PUT", `${user(id)}/status`, { status })).user,
      setPassword: (id: string, password: string) => call<void>("PUT", `${user(id)}/password`, { password }),
      addIdentifier: async (id: string, identifier: IdentifierInput) =>
        (await call<{ user: User }>("POST", `${user(id)}/identifiers`, { identifier })).user,
      removeIdentifier: (id: string, identifier: IdentifierInput) =>
        call<{ message: string }>("DELETE", `${user(id)}/identifiers`, { identifier }),
      /** Idempotent; the scope must be an allowed scope. */
      addScope: (id: string, scope: string) =>
        call<{ success: true }>("POST", `${user(id)}/scopes`, { scope }),
      removeScope: (id: string, scope: string) =>
        call<void>("DELETE", `${user(id)}/scopes/${encodeURIComponent(scope)}`),
      /** Idempotent; takes effect at the user's next login. */
      addToGroup: (id: string, groupName: string) =>
        call<{ success: true }>("POST", `${user(id)}/groups`, { group: groupName }),
      removeFromGroup: (id: string, groupName: string) =>
        call<void>("DELETE", `${user(id)}/groups/${encodeURIComponent(groupName)}`),
    },

    scopes: {
      list: async () => (await call<{ scopes: string[] }>("GET", "/config/scopes")).scopes,
      /** Idempotent; answers the allowed scopes. */
      add: async (scope: string) =>
        (await call<{ scopes: string[] }>("POST", "/config/scopes", { scope })).scopes,
      /** Refused (`scope_in_use`) while a group, login config or the step-up config uses it; answers the rest. */
      remove: async (scope: string) =>
        (await call<{ scopes: string[] }>("DELETE", "/config/scopes", { scope })).scopes,
    },

    groups: {
      list: async () => (await call<{ groups: Group[] }>("GET", "/config/groups")).groups,
      create: (input: CreateGroupRequest) => call<Group>("POST", "/config/groups", input),
      get: (name: string) => call<Group>("GET", group(name)),
      setScopes: (name: string, scopes: string[]) => call<Group>("PUT", group(name), { scopes }),
      delete: (name: string) => call<void>("DELETE", group(name)),
    },

    claims: {
      get: async () => (await call<{ config: ClaimsConfig }>("GET", "/config/claims")).config,
      create: async (mapping: Record<string, unknown>) =>
        (await call<{ config: ClaimsConfig }>("POST", "/config/claims", { mapping })).config,
      update: async (mapping: Record<string, unknown>) =>
        (await call<{ config: ClaimsConfig }>("PUT", "/config/claims", { mapping })).config,
      delete: () => call<void>("DELETE", "/config/claims"),
    },

    /** Social login providers (docs/social-login.md): one config each; secrets are write-only. */
    oauth: {
      list: async () => (await call<{ configs: OAuthConfig[] }>("GET", "/config/login/oauth")).configs,
      create: async (provider: OAuthProvider, config: OAuthConfigRequest) =>
        (await call<{ config: OAuthConfig }>("POST", `/config/login/oauth/${provider}`, config)).config,
      /** The whole document; a secret left out is kept. */
      update: async (provider: OAuthProvider, config: OAuthConfigRequest) =>
        (await call<{ config: OAuthConfig }>("PUT", `/config/login/oauth/${provider}`, config)).config,
      delete: (provider: OAuthProvider) => call<void>("DELETE", `/config/login/oauth/${provider}`),
    },

    /** Webhooks (docs/webhooks.md): registered inactive; `activate` runs the handshake. */
    webhooks: {
      create: async (input: { url: string; verification_token: string; events: WebhookEventName[] }) =>
        (await call<One>("POST", "/webhooks", input)).webhook,
      list: async () => (await call<{ webhooks: Webhook[] }>("GET", "/webhooks")).webhooks,
      get: async (id: string) => (await call<One>("GET", webhook(id))).webhook,
      delete: (id: string) => call<void>("DELETE", webhook(id)),
      /** Throws `webhook_activation_failed` (with the reason) when the endpoint does not echo the challenge. */
      activate: async (id: string) => (await call<One>("POST", `${webhook(id)}/activate`)).webhook,
      deactivate: async (id: string) => (await call<One>("POST", `${webhook(id)}/deactivate`)).webhook,
      addEvent: async (id: string, event: WebhookEventName) =>
        (await call<One>("POST", `${webhook(id)}/events`, { event })).webhook,
      removeEvent: async (id: string, event: WebhookEventName) =>
        (await call<One>("DELETE", `${webhook(id)}/events/${encodeURIComponent(event)}`)).webhook,
      deliveries: (
        id: string,
        query: { limit?: number; cursor?: string; status?: WebhookDelivery["status"] } = {},
      ) =>
        call<{ deliveries: WebhookDelivery[]; next_cursor: string | null }>(
          "GET",
          `${webhook(id)}/deliveries${queryString(query)}`,
        ),
      redeliver: async (id: string, eventId: string) =>
        (
          await call<{ delivery: WebhookDelivery }>(
            "POST",
            `${webhook(id)}/deliveries/${encodeURIComponent(eventId)}/redeliver`,
          )
        ).delivery,
      redeliverSince: async (id: string, since: string) =>
        (await call<{ redelivered: number }>("POST", `${webhook(id)}/redeliver`, { since })).redelivered,
    },

    /** Step-up (docs/step-up.md): one document; `update` replaces it whole. */
    stepUp: {
      get: async () => (await call<{ config: StepUpConfig }>("GET", "/config/stepup")).config,
      create: async (config: StepUpConfigRequest) =>
        (await call<{ config: StepUpConfig }>("POST", "/config/stepup", config)).config,
      update: async (config: StepUpConfigRequest) =>
        (await call<{ config: StepUpConfig }>("PUT", "/config/stepup", config)).config,
      delete: () => call<void>("DELETE", "/config/stepup"),
    },

    /** Dev mode only: a token signed with the app's access-token key, for tests. */
    mintToken: (input: MintTokenRequest) =>
      call<{ token: string; expires_at: string }>("POST", "/tokens", input),
  };
}

export type ManagementClient = ReturnType<typeof createManagementClient>;

function queryString(query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const s = params.toString();
  return s ? `?${s}` : "";
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

import type { Generated } from "kysely";

/** Kysely table types. Timestamps are epoch milliseconds; JSON columns hold serialised text. */
export interface DatabaseSchema {
  apps: AppsTable;
  api_keys: ApiKeysTable;
  users: UsersTable;
  user_identifiers: UserIdentifiersTable;
  outbox_events: OutboxEventsTable;
  signing_keys: SigningKeysTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  spent_tokens: SpentTokensTable;
  oauth_states: OAuthStatesTable;
  passkey_credentials: PasskeyCredentialsTable;
  app_configs: AppConfigsTable;
  rate_limits: RateLimitsTable;
  otp_configs: OtpConfigsTable;
  otp_verifications: OtpVerificationsTable;
  dev_messages: DevMessagesTable;
  domains: DomainsTable;
  allowed_scopes: AllowedScopesTable;
  scope_groups: ScopeGroupsTable;
  scope_group_scopes: ScopeGroupScopesTable;
  user_scopes: UserScopesTable;
  user_group_members: UserGroupMembersTable;
  step_up_challenges: StepUpChallengesTable;
  step_up_grants: StepUpGrantsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  daily_counts: DailyCountsTable;
  overture_migrations: MigrationsTable;
}

export interface AppsTable {
  id: string;
  name: string;
  mode: "dev" | "prod";
  token_alg: "ES256" | "RS256";
  access_ttl_seconds: Generated<number>;
  session_ttl_seconds: Generated<number>;
  idle_ttl_seconds: Generated<number>;
  token_config_version: Generated<number>;
  created_at: number;
  updated_at: number;
}

export interface ApiKeysTable {
  id: string;
  app_id: string;
  name: string;
  secret_sha256: string;
  hint: string;
  created_at: number;
  revoked_at: number | null;
}

export interface UsersTable {
  id: string;
  app_id: string;
  external_id: string | null;
  status: "active" | "disabled";
  profile: string;
  password_hash: string | null;
  created_at: number;
  updated_at: number;
}

export interface UserIdentifiersTable {
  id: string;
  app_id: string;
  user_id: string;
  type: "email_address" | "phone_number" | "oauth";
  value: string;
  created_at: number;
}

export interface OutboxEventsTable {
  id: string;
  app_id: string;
  type: string;
  payload: string;
  created_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  delivered_at: number | null;
}

export interface MigrationsTable {
  name: string;
  applied_at: number;
}

export interface SigningKeysTable {
  id: string;
  app_id: string;
  purpose: "token" | "hook";
  alg: "ES256" | "RS256" | "PS256";
  public_jwk: string;
  private_key: string;
  created_at: number;
  retired_at: number | null;
  expires_at: number | null;
}

export interface SessionsTable {
  id: string;
  app_id: string;
  user_id: string;
  jkt: string;
  method: string;
  scopes: string;
  user_agent: string | null;
  ip: string | null;
  generation: number;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  idle_expires_at: number;
  revoked_at: number | null;
  revoked_reason: string | null;
  /** Space-separated ids of the user's groups at login (migration 0010). */
  group_ids: Generated<string>;
}

export interface RefreshTokensTable {
  token_sha256: string;
  session_id: string;
  generation: number;
  created_at: number;
  spent_at: number | null;
  /** No longer written or read (migration 0007); kept so that nodes of the previous release still work. */
  successor_sealed: string | null;
}

export interface PasskeyCredentialsTable {
  id: string;
  app_id: string;
  user_id: string;
  credential_id: string;
  public_key: string;
  sign_count: number;
  /** Space-separated. */
  transports: string;
  /** 0 or 1, on both engines. */
  backup_eligible: number;
  backup_state: number;
  aaguid: string;
  rp_id: string;
  nickname: string | null;
  created_at: number;
  last_used_at: number | null;
}

export interface OAuthStatesTable {
  state_hash: string;
  app_id: string;
  provider: string;
  browser_hash: string;
  redirect_uri: string;
  code_challenge: string;
  expires_at: number;
  created_at: number;
}

export interface SpentTokensTable {
  app_id: string;
  kind: string;
  jti: string;
  expires_at: number;
}

export interface AppConfigsTable {
  app_id: string;
  kind: string;
  value: string;
  created_at: number;
  updated_at: number;
}

export interface RateLimitsTable {
  key: string;
  window_start: number;
  hits: number;
  expires_at: number;
}

export interface OtpConfigsTable {
  id: string;
  app_id: string;
  channel: "sms" | "email";
  is_default: number;
  value: string;
  created_at: number;
  updated_at: number;
}

export interface OtpVerificationsTable {
  id: string;
  flow: Generated<"web" | "native" | "stepup">;
  app_id: string;
  token_sha256: string;
  config_id: string;
  identifier_type: "email_address" | "phone_number";
  identifier_value: string;
  code_mac: string;
  code_challenge: string | null;
  attempts: number;
  sends: number;
  last_sent_at: number;
  expires_at: number;
  consumed_at: number | null;
  created_at: number;
  challenge_step: string | null;
}

export interface DevMessagesTable {
  id: string;
  app_id: string;
  channel: string;
  recipient: string;
  code: string;
  body: string;
  created_at: number;
}

export interface DomainsTable {
  id: string;
  app_id: string;
  host: string;
  status: "pending" | "verified";
  cname_target: string;
  created_at: number;
  updated_at: number;
  verified_at: number | null;
}

export interface AllowedScopesTable {
  app_id: string;
  scope: string;
  created_at: number;
}

export interface ScopeGroupsTable {
  id: string;
  app_id: string;
  name: string;
  created_at: number;
  updated_at: number;
}

export interface ScopeGroupScopesTable {
  group_id: string;
  app_id: string;
  scope: string;
}

export interface UserScopesTable {
  user_id: string;
  app_id: string;
  scope: string;
  created_at: number;
}

export interface UserGroupMembersTable {
  user_id: string;
  group_id: string;
  created_at: number;
}

export interface StepUpChallengesTable {
  id: string;
  app_id: string;
  user_id: string;
  session_id: string;
  scope: string;
  grant_mode: "single-use" | "session-bound" | "profile-bound";
  granted_for: number;
  steps: string;
  steps_done: number;
  token_jti: string;
  metadata: string;
  register_identifier: string | null;
  expires_at: number;
  spent_at: number | null;
  created_at: number;
}

export interface StepUpGrantsTable {
  id: string;
  app_id: string;
  user_id: string;
  session_id: string | null;
  scope: string;
  grant_mode: "single-use" | "session-bound" | "profile-bound";
  expires_at: number;
  created_at: number;
}

export interface WebhooksTable {
  id: string;
  app_id: string;
  url: string;
  events: string;
  verification_token_sealed: string;
  active: number;
  activated_at: number | null;
  last_http_code: number | null;
  last_http_code_at: number | null;
  created_at: number;
  updated_at: number;
  lease_owner: Generated<string | null>;
  lease_until: Generated<number | null>;
}

export interface WebhookDeliveriesTable {
  webhook_id: string;
  event_id: string;
  app_id: string;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  next_attempt_at: number;
  first_attempt_at: number | null;
  last_attempt_at: number | null;
  last_status: number | null;
  last_error: string | null;
  last_latency_ms: number | null;
  delivered_at: number | null;
  created_at: number;
}

export interface DailyCountsTable {
  app_id: string;
  /** UTC date, `YYYY-MM-DD`. */
  day: string;
  metric: string;
  shard: number;
  count: number;
}

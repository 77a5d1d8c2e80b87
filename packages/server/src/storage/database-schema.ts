/** Kysely table types. Timestamps are epoch milliseconds; JSON columns hold serialised text. */
export interface DatabaseSchema {
  apps: AppsTable;
  api_keys: ApiKeysTable;
  users: UsersTable;
  user_identifiers: UserIdentifiersTable;
  outbox_events: OutboxEventsTable;
  signing_keys: SigningKeysTable;
  overture_migrations: MigrationsTable;
}

export interface AppsTable {
  id: string;
  name: string;
  mode: "dev" | "prod";
  token_alg: "ES256" | "RS256";
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
  type: "email_address" | "phone_number";
  value: string;
  created_at: number;
}

export interface OutboxEventsTable {
  id: string;
  app_id: string;
  type: string;
  payload: string;
  created_at: number;
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

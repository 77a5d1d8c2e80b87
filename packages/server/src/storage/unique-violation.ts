/**
 * Names the unique index a failed write collided with, or null when the error is something else.
 * Both engines report it differently: PostgreSQL gives the index name (SQLSTATE 23505); SQLite only
 * lists the columns, which are mapped back to the index names declared in migrations/.
 */
export function uniqueViolationIndex(error: unknown): string | null {
  if (typeof error !== "object" || error === null) return null;
  const e = error as { code?: unknown; constraint?: unknown; message?: unknown };
  if (e.code === "23505" && typeof e.constraint === "string") return e.constraint;
  if (e.code === "SQLITE_CONSTRAINT_UNIQUE" || e.code === "SQLITE_CONSTRAINT_PRIMARYKEY") {
    const columns = String(e.message).replace(/^UNIQUE constraint failed: /, "");
    return sqliteUniqueColumns[columns] ?? columns;
  }
  return null;
}

const sqliteUniqueColumns: Record<string, string> = {
  "users.app_id, users.external_id": "users_app_external_id",
  "user_identifiers.app_id, user_identifiers.type, user_identifiers.value": "user_identifiers_app_value",
  "api_keys.secret_sha256": "api_keys_secret_sha256",
  "overture_migrations.name": "overture_migrations_pkey",
  "domains.host": "domains_host",
};

import type { StepUpHookFailure } from "./frontend/step-up.js";
import type { Identifier } from "./identifier.js";

/**
 * Events recorded in the outbox (prelude-api.md §8.5). The first seven are Prelude's; the
 * `user.external_id.updated`, `user.status.updated` and `user.password.updated` events are Overture
 * extensions so that every user mutation leaves a record, and `user.updated` is the one the
 * migration guide subscribes to (docs/events.md).
 */
export interface EventPayloads {
  "user.created": {
    user_id: string;
    external_id: string | null;
    identifiers: Identifier[];
    profile: Record<string, unknown>;
    source: "api" | "sign_up" | "login" | "migration" | "import";
    created_at: string;
  };
  "user.deleted": { user_id: string; external_id: string | null; deleted_at: string };
  "user.profile.updated": { user_id: string; profile: Record<string, unknown>; updated_at: string };
  "user.identifier.created": { user_id: string; identifier: Identifier; created_at: string };
  "user.identifier.deleted": { user_id: string; identifier: Identifier; deleted_at: string };
  "user.external_id.updated": {
    user_id: string;
    external_id: string;
    previous_external_id: string | null;
    updated_at: string;
  };
  "user.status.updated": { user_id: string; status: string; previous_status: string; updated_at: string };
  "user.password.updated": { user_id: string; updated_at: string };
  /**
   * The user's status, external_id, scopes, groups or password changed; the user's status,
   * external_id, scopes and groups are given as they are after the change (never the password).
   */
  "user.updated": {
    user_id: string;
    changed: UserUpdatedField[];
    status: string;
    external_id: string | null;
    scopes: string[];
    groups: string[];
    updated_at: string;
  };
  "user.session.created": {
    user_id: string;
    session_id: string;
    identifier: Identifier | null;
    metadata: { method: string; user_agent: string | null; ip: string | null };
    created_at: string;
  };
  "user.session.revoked": { user_id: string; session_id: string; reason: string; revoked_at: string };
  "user.passkey.created": { user_id: string; passkey_id: string; credential_id: string; created_at: string };
  "user.passkey.deleted": { user_id: string; passkey_id: string; credential_id: string; deleted_at: string };
  /** An assertion whose signature counter did not go up: the authenticator may have been copied. */
  "user.passkey.clone_detected": {
    user_id: string;
    passkey_id: string;
    credential_id: string;
    stored_sign_count: number;
    presented_sign_count: number;
    occurred_at: string;
  };
  "otp.delivery_failed": { channel: string; config_id: string; reason: string; occurred_at: string };
  "migration.hook_failed": {
    reason: MigrationHookFailure;
    /** The hook's HTTP status, when it answered. */
    status_code: number | null;
    occurred_at: string;
  };
  "step_up.hook_failed": {
    reason: StepUpHookFailure;
    scope_requested: string;
    user_id: string;
    /** The hook's HTTP status, when it answered. */
    status_code: number | null;
    occurred_at: string;
  };
}

/** What a `user.updated` event reports as changed. */
export type UserUpdatedField = "status" | "external_id" | "scopes" | "groups" | "password";

/** Why a call to the migration hook failed (docs/migration.md). */
export type MigrationHookFailure =
  | "request_failed"
  | "invalid_status_code"
  | "response_decode_failed"
  | "missing_external_id"
  | "missing_identifiers"
  | "invalid_response";

export type EventType = keyof EventPayloads;

/** The envelope every recorded event has; `payload` is the per-type object above. */
export interface EventEnvelope<T extends EventType = EventType> {
  id: string;
  type: T;
  app_id: string;
  created_at: string;
  payload: EventPayloads[T];
}

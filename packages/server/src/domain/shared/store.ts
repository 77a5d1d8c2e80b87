import type { ActivityRepository } from "../activity/activity-repository.js";
import type { ApiKeyRepository } from "../apps/api-key-repository.js";
import type { AppRepository } from "../apps/app-repository.js";
import type { AppConfigRepository } from "../apps/config-repository.js";
import type { DomainRepository } from "../apps/domain-repository.js";
import type { SigningKeyRepository } from "../apps/signing-key-repository.js";
import type { OutboxRepository } from "../events/outbox-repository.js";
import type { UserRepository } from "../identity/user-repository.js";
import type { OtpRepository } from "../login/otp/otp-repository.js";
import type { OAuthStateRepository } from "../oauth/oauth-state-repository.js";
import type { PasskeyRepository } from "../passkeys/passkey-repository.js";
import type { ScopeRepository } from "../scopes/scope-repository.js";
import type { SessionRepository } from "../sessions/session-repository.js";
import type { SpentTokenRepository } from "../sessions/spent-token-repository.js";
import type { StepUpRepository } from "../step-up/step-up-repository.js";
import type { WebhookDeliveryRepository } from "../webhooks/delivery-repository.js";
import type { WebhookRepository } from "../webhooks/webhook-repository.js";
import type { RateLimitRepository } from "./rate-limit-repository.js";

/**
 * Every feature's repository, as one transaction sees them. Each interface lives with its feature
 * (docs/architecture.md); storage/ implements them all, for SQLite and PostgreSQL.
 */

export interface Repositories {
  apps: AppRepository;
  apiKeys: ApiKeyRepository;
  users: UserRepository;
  outbox: OutboxRepository;
  signingKeys: SigningKeyRepository;
  sessions: SessionRepository;
  spentTokens: SpentTokenRepository;
  configs: AppConfigRepository;
  rateLimits: RateLimitRepository;
  otp: OtpRepository;
  domains: DomainRepository;
  scopes: ScopeRepository;
  stepUp: StepUpRepository;
  webhooks: WebhookRepository;
  deliveries: WebhookDeliveryRepository;
  oauthStates: OAuthStateRepository;
  passkeys: PasskeyRepository;
  activity: ActivityRepository;
}

export interface Store extends Repositories {
  readonly dialect: "sqlite" | "postgres";
  /**
   * Runs `work` in one database transaction; everything it writes commits or rolls back together.
   * `work` throwing rolls it back and rejects with the error; `rollback(value)` rolls it back and
   * resolves with `value` — how an expected outcome found midway (a taken identifier) undoes what
   * was written before it.
   *
   * On SQLite the transactions of one event-loop turn commit together (storage/group-commit.ts), so
   * `work` must not wait on anything but its own statements: no network calls, no timers, no
   * password hashing inside. Do such I/O before the transaction, or after it.
   */
  transaction<T>(work: (tx: Repositories, rollback: (value: T) => never) => Promise<T>): Promise<T>;
}

/** Thrown by a transaction's `rollback`; the store catches it and resolves with its value. */
export class RolledBack<T> {
  constructor(readonly value: T) {}
}

/** The `rollback` handed to transaction work. */
export function rollbackWith<T>(value: T): never {
  throw new RolledBack(value);
}

import type { ApiKeyRepository } from "../apps/api-key-repository.js";
import type { AppRepository } from "../apps/app-repository.js";
import type { AppConfigRepository } from "../apps/config-repository.js";
import type { DomainRepository } from "../apps/domain-repository.js";
import type { SigningKeyRepository } from "../apps/signing-key-repository.js";
import type { OutboxRepository } from "../events/outbox-repository.js";
import type { UserRepository } from "../identity/user-repository.js";
import type { OtpRepository } from "../login/otp/otp-repository.js";
import type { SessionRepository } from "../sessions/session-repository.js";
import type { SpentTokenRepository } from "../sessions/spent-token-repository.js";
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
}

export interface Store extends Repositories {
  readonly dialect: "sqlite" | "postgres";
  /** Runs `work` in one database transaction; everything it writes commits or rolls back together. */
  transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T>;
}

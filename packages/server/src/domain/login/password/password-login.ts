import { randomBytes } from "node:crypto";
import type { RateLimitRule } from "@overture/protocol";
import type { AppRecord } from "../../apps/app-repository.js";
import { recordEvent } from "../../events/record-event.js";
import { createUser, policyMessage } from "../../identity/create-user.js";
import { normalizeEmail } from "../../identity/normalize-identifier.js";
import { endAllSessions } from "../../identity/update-user.js";
import { recordUserUpdated } from "../../identity/user-updated.js";
import { type PasswordConfigValue, passwordConfig, passwordRules } from "../../passwords/password-config.js";
import { HASHER_BUSY } from "../../passwords/password-hasher.js";
import { checkPassword } from "../../passwords/password-policy.js";
import { issueChallengeToken } from "../../sessions/challenge-token.js";
import { isoTime } from "../../shared/clock.js";
import type { DomainDeps } from "../../shared/domain-deps.js";
import { admitThrottled, type ThrottleRule } from "../../shared/login-throttle.js";
import { consumeRateLimit, type RateLimitResult } from "../../shared/rate-limit.js";
import { consumeScope } from "../../step-up/consume-scope.js";

type Failure =
  | {
      ok: false;
      reason:
        | "login_method_unavailable"
        | "invalid_input"
        | "wrong_credentials"
        | "account_disabled"
        | "weak_password"
        | "identifier_taken";
      message?: string;
    }
  | Extract<RateLimitResult, { ok: false }>;

export interface PasswordAttempt {
  email: string;
  password: string;
  ip: string;
  issuer: string;
}

/**
 * Email + password → challenge token. Unknown email, no password set and wrong password all answer
 * the same `unauthorized` after the same argon2 work, so neither the answer nor its timing says
 * whether an account exists.
 */
export async function loginWithPassword(
  deps: DomainDeps,
  app: AppRecord,
  attempt: PasswordAttempt,
): Promise<{ ok: true; challengeToken: string } | Failure> {
  const admitted = await admit(deps, app, attempt);
  if (!admitted.ok) return admitted;
  const { email, throttle } = admitted;

  const [user] = await deps.store.users.findByIdentifiers(app.id, [{ type: "email_address", value: email }]);
  const stored = user?.passwordHash ?? (await dummyHash(deps));
  const matches = await deps.passwords.verify(stored, attempt.password, app.id);
  if (matches === HASHER_BUSY) {
    await throttle.refund();
    return { ok: false, reason: "rate_limited", retryAfterSeconds: 1 };
  }
  // Only a wrong guess counts against the email (docs/security.md); the right password is free.
  if (!user?.passwordHash || !matches) {
    return { ok: false, reason: "wrong_credentials", message: "The email or password is incorrect." };
  }
  await throttle.refund();
  if (user.status !== "active") return { ok: false, reason: "account_disabled" };
  if (deps.passwords.needsRehash(user.passwordHash)) {
    // An imported hash gives way to the app's method once the password is known (docs/passwords.md).
    const rehashed = await deps.passwords.hash(attempt.password);
    await deps.store.users.replacePasswordHash(app.id, user.id, user.passwordHash, rehashed);
  }
  const now = deps.clock.now();
  const challengeToken = await issueChallengeToken(
    deps.keys,
    app,
    attempt.issuer,
    { userId: user.id, method: "password", identifier: { type: "email_address", value: email } },
    now,
  );
  return { ok: true, challengeToken };
}

/**
 * Creates an account with an email and a password and signs it in. An email that already has an
 * account answers `identifier_already_exists` (the SDK's ConflictError): sign-up cannot hide that,
 * so it is rate-limited per IP like login (docs/passwords.md).
 */
export async function signUpWithPassword(
  deps: DomainDeps,
  app: AppRecord,
  attempt: PasswordAttempt,
): Promise<{ ok: true; challengeToken: string } | Failure> {
  const admitted = await admit(deps, app, attempt);
  if (!admitted.ok) return admitted;
  const { email, config, throttle } = admitted;
  const check = checkPassword(attempt.password, config.password_compliancy);
  if (!check.ok) {
    await throttle.refund();
    return { ok: false, reason: "weak_password", message: policyMessage(check.failed) };
  }

  const created = await createUser(
    deps,
    app.id,
    { identifiers: [{ type: "email_address", value: email }], password: attempt.password },
    "sign_up",
  );
  if (!created.ok) {
    // A taken email counts: it is what sign-up reveals, so probing many costs like guessing.
    if (created.reason === "identifier_taken") return { ok: false, reason: "identifier_taken" };
    await throttle.refund();
    return { ok: false, reason: "invalid_input", ...(created.message && { message: created.message }) };
  }
  await throttle.refund();
  const challengeToken = await issueChallengeToken(
    deps.keys,
    app,
    attempt.issuer,
    { userId: created.user.id, method: "sign_up", identifier: { type: "email_address", value: email } },
    deps.clock.now(),
  );
  return { ok: true, challengeToken };
}

export const PASSWORD_WRITE_SCOPE = "prld:pwd:write";

/**
 * A signed-in user sets a new password; needs `prld:pwd:write` on the session, which this consumes:
 * the scope is removed in the same transaction as the change, so one grant sets one password.
 * The user's other sessions end with it unless `revokeSessions` is false (docs/passwords.md).
 */
export async function resetOwnPassword(
  deps: DomainDeps,
  app: AppRecord,
  input: { userId: string; sessionId: string; password: string; revokeSessions?: boolean },
): Promise<
  | { ok: true }
  | { ok: false; reason: "scope_missing" | "weak_password" | "wrong_credentials"; message?: string }
> {
  const check = checkPassword(input.password, await passwordRules(deps, app.id));
  if (!check.ok) return { ok: false, reason: "weak_password", message: policyMessage(check.failed) };
  const session = await deps.store.sessions.get(app.id, input.sessionId);
  if (!session) return { ok: false, reason: "scope_missing" };
  // A grant of a scope the app no longer allows is void, as in the tokens (token-contents.ts).
  if ((await deps.store.scopes.findAllowed(app.id, [PASSWORD_WRITE_SCOPE])).length === 0)
    return { ok: false, reason: "scope_missing" };
  const hash = await deps.passwords.hash(input.password);
  const now = deps.clock.now();
  const missing = { ok: false, reason: "scope_missing" } as const;
  return deps.store.transaction(async (tx, rollback) => {
    if (!(await consumeScope(tx, session, PASSWORD_WRITE_SCOPE, now))) return rollback(missing);
    await tx.users.update(app.id, input.userId, { passwordHash: hash }, now);
    if (input.revokeSessions !== false)
      await endAllSessions(tx, app.id, input.userId, "password_changed", now, session.id);
    await recordEvent(
      tx,
      app.id,
      "user.password.updated",
      { user_id: input.userId, updated_at: isoTime(now) },
      now,
    );
    const user = await tx.users.get(app.id, input.userId);
    if (user) await recordUserUpdated(tx, app.id, user, ["password"], now);
    return { ok: true } as const;
  });
}

/**
 * What login and sign-up check before any password work: password login is enabled, the attempt is
 * within the IP's limit (counted even for a malformed email), the email is valid, and the email's
 * throttle admits it (counted now, refunded by the caller when it was no wrong guess).
 */
async function admit(
  deps: DomainDeps,
  app: AppRecord,
  attempt: PasswordAttempt,
): Promise<
  { ok: true; email: string; config: PasswordConfigValue; throttle: { refund(): Promise<void> } } | Failure
> {
  const config = await enabledConfig(deps, app);
  if (!config.ok) return config;
  const now = deps.clock.now();
  const byIp = await consumeRateLimit(
    deps.store,
    { operation: "password", appId: app.id, dimension: "ip", value: attempt.ip },
    config.value.rate_limit_login_ip,
    now,
  );
  if (!byIp.ok) return byIp;
  const email = normalizeEmail(attempt.email);
  if (email === null)
    return { ok: false, reason: "invalid_input", message: "identifier must be an email address." };
  const throttle = await admitThrottled(
    deps.store,
    { operation: "password", appId: app.id },
    email,
    attempt.ip,
    passwordThrottle(config.value.rate_limit_login_identifier),
    now,
  );
  if (!throttle.ok) return throttle;
  return { ok: true, email, config: config.value, throttle };
}

/**
 * The password config's per-identifier rule, read as NIST 800-63B §5.2.2 asks: `limit` wrong
 * guesses per email per `ttl` before the email slows down, and half of them from any one IP.
 */
export function passwordThrottle(rule: RateLimitRule): ThrottleRule {
  return {
    windowMs: Math.max(1000, Math.floor(rule.ttl / 1_000_000)),
    free: rule.limit,
    perSource: Math.max(1, Math.ceil(rule.limit / 2)),
  };
}

async function enabledConfig(deps: DomainDeps, app: AppRecord) {
  const config = await passwordConfig.read(deps, app.id);
  if (!config?.value.enabled) {
    return {
      ok: false,
      reason: "login_method_unavailable",
      message: "Password login is not enabled for this app.",
    } as const;
  }
  return { ok: true, value: config.value } as const;
}

/** A real argon2id hash of a random secret, made once, so unknown users cost the same to reject. */
const dummies = new WeakMap<DomainDeps["passwords"], Promise<string>>();
function dummyHash(deps: DomainDeps): Promise<string> {
  let hash = dummies.get(deps.passwords);
  if (!hash) {
    hash = deps.passwords.hash(randomBytes(32).toString("base64url"));
    dummies.set(deps.passwords, hash);
  }
  return hash;
}

import { createHmac, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import type { ContactIdentifier, Identifier, IdentifierInput } from "@overture/protocol";
import type { AppRecord } from "../../apps/app-repository.js";
import { createUser } from "../../identity/create-user.js";
import { normalizeIdentifier } from "../../identity/normalize-identifier.js";
import type { UserRecord } from "../../identity/user-repository.js";
import type { DomainDeps } from "../../shared/domain-deps.js";
import { admitThrottled, type ThrottleRule } from "../../shared/login-throttle.js";
import { newId } from "../../shared/new-id.js";
import type { DomainReason, Failure } from "../../shared/outcome.js";
import { consumeRateLimit } from "../../shared/rate-limit.js";
import { sha256 } from "../../shared/sha256.js";
import type { OtpChannel, OtpConfigRecord, OtpFlow, OtpVerificationRecord } from "./otp-repository.js";
import { sendOtp } from "./send-otp.js";

export const OTP_TTL_MS = 10 * 60_000;
export const OTP_MAX_CHECKS = 5;
export const OTP_RESEND_COOLDOWN_MS = 30_000;
export const OTP_MAX_SENDS = 5;
/** Starts per client IP per 10 minutes, whatever the identifier (ttl in nanoseconds). */
const STARTS_PER_IP = { ttl: 600_000_000_000, limit: 30 };
/**
 * Codes sent to one identifier (starts and resends): 8 an hour before it slows down, 5 of them from
 * any one IP, so a stranger can neither flood a phone nor keep its owner from getting a code.
 */
export const OTP_SENDS: ThrottleRule = { windowMs: 3_600_000, free: 8, perSource: 5 };

/** Used in `dev` mode when the app has no OTP config for a channel: OTP works out of the box. */
export const DEV_CONSOLE_CONFIG_ID = "lcfg_dev_console";

type Fail<R extends DomainReason> = Failure<R>;

/**
 * The config that sends to `channel`: the one named, else the channel's default, else its oldest;
 * in `dev` mode with none at all, a built-in console sender.
 */
export async function resolveOtpConfig(
  deps: DomainDeps,
  app: AppRecord,
  channel: OtpChannel,
  loginConfigId?: string,
): Promise<{ ok: true; config: OtpConfigRecord } | Fail<"invalid_input" | "login_method_unavailable">> {
  const notConfigured = {
    ok: false,
    reason: "login_method_unavailable",
    message: `OTP over ${channel} is not configured.`,
  } as const;
  if (loginConfigId === DEV_CONSOLE_CONFIG_ID) {
    return app.mode === "dev" ? { ok: true, config: devConsoleConfig(app, channel) } : notConfigured;
  }
  if (loginConfigId !== undefined) {
    const config = await deps.store.otp.getConfig(app.id, loginConfigId);
    if (!config)
      return {
        ok: false,
        reason: "invalid_input",
        message: "login_config_id names no OTP config of this app.",
      };
    if (config.channel !== channel)
      return { ok: false, reason: "invalid_input", message: `login_config_id is not an ${channel} config.` };
    return { ok: true, config };
  }
  const configs = (await deps.store.otp.listConfigs(app.id)).filter((c) => c.channel === channel);
  const config = configs.find((c) => c.isDefault) ?? configs[0];
  if (config) return { ok: true, config };
  return app.mode === "dev" ? { ok: true, config: devConsoleConfig(app, channel) } : notConfigured;
}

function devConsoleConfig(app: AppRecord, channel: OtpChannel): OtpConfigRecord {
  return {
    id: DEV_CONSOLE_CONFIG_ID,
    appId: app.id,
    channel,
    isDefault: true,
    templateId: null,
    senderId: null,
    grantedScopes: [],
    delivery: { type: "console" },
    createdAt: app.createdAt,
    updatedAt: app.createdAt,
  };
}

/**
 * Sends a fresh 6-digit code to the identifier and returns the verification token that later
 * checks and resends present. Known and unknown recipients are treated alike: nobody is created
 * or looked up before the code comes back right.
 */
export async function startOtp(
  deps: DomainDeps,
  app: AppRecord,
  input: {
    flow: OtpFlow;
    identifier: IdentifierInput;
    loginConfigId?: string;
    codeChallenge?: string;
    ip: string;
    /** For a step-up step: the step it completes (docs/step-up.md). */
    challengeStep?: string;
  },
): Promise<
  | { ok: true; verificationToken: string; expiresAt: number }
  | Fail<
      "invalid_identifier" | "invalid_input" | "login_method_unavailable" | "rate_limited" | "delivery_failed"
    >
> {
  const normalized = normalizeIdentifier(input.identifier);
  // A code goes to an email or a phone; an OAuth identity has nowhere to receive one.
  if (!normalized.ok || !isContact(normalized.identifier)) return { ok: false, reason: "invalid_identifier" };
  const { identifier } = normalized;
  const resolved = await resolveOtpConfig(deps, app, channelOf(identifier), input.loginConfigId);
  if (!resolved.ok) return resolved;
  const now = deps.clock.now();
  const byIp = await consumeRateLimit(
    deps.store,
    { operation: "otp", appId: app.id, dimension: "ip", value: input.ip },
    STARTS_PER_IP,
    now,
  );
  if (!byIp.ok) return byIp;
  const sends = await admitSend(deps, app, identifier, input.ip, now);
  if (!sends.ok) return sends;
  const code = newCode();
  const verificationToken = `ovv_${randomBytes(32).toString("base64url")}`;
  const id = newId("otp", now);
  await deps.store.otp.insertVerification({
    id,
    flow: input.flow,
    appId: app.id,
    tokenSha256: sha256(verificationToken),
    configId: resolved.config.id,
    identifier,
    codeMac: codeMac(deps, id, code),
    codeChallenge: input.codeChallenge ?? null,
    attempts: 0,
    sends: 1,
    lastSentAt: now,
    expiresAt: now + OTP_TTL_MS,
    consumedAt: null,
    createdAt: now,
    challengeStep: input.challengeStep ?? null,
  });
  const sent = await sendOtp(deps, app, resolved.config, message(identifier, code));
  if (!sent.ok) {
    await deps.store.otp.consume(id, now);
    return sent;
  }
  return { ok: true, verificationToken, expiresAt: now + OTP_TTL_MS };
}

export interface CheckedOtp {
  user: UserRecord;
  identifier: Identifier;
  scopes: string[];
  codeChallenge: string | null;
}

const NO_PENDING = {
  ok: false,
  reason: "no_pending_verification",
  message: "No pending verification; start again.",
} as const;

/**
 * The pending verification a request names, if it belongs to the request's flow: a verification
 * started natively (maybe PKCE-bound) is never redeemed by the web check, which starts a session
 * without a verifier, nor a web one by the native check.
 */
async function pendingVerification(
  deps: DomainDeps,
  app: AppRecord,
  flows: readonly OtpFlow[],
  verificationToken: string | undefined,
) {
  const v = verificationToken
    ? await deps.store.otp.findVerification(app.id, sha256(verificationToken))
    : null;
  return v && v.consumedAt === null && flows.includes(v.flow) ? v : null;
}

/**
 * Checks a code against a pending verification and consumes it when right. Wrong and expired codes
 * answer the same `wrong_code`; after five checks the verification is dead, resends included.
 */
export async function redeemCode(
  deps: DomainDeps,
  v: OtpVerificationRecord,
  code: string,
): Promise<{ ok: true } | Fail<"no_pending_verification" | "wrong_code">> {
  const now = deps.clock.now();
  const attempts = await deps.store.otp.countAttempt(v.id);
  const expected = Buffer.from(v.codeMac, "hex");
  const given = Buffer.from(codeMac(deps, v.id, code.trim()), "hex");
  const right = timingSafeEqual(expected, given);
  if (!right || now >= v.expiresAt || attempts > OTP_MAX_CHECKS) return { ok: false, reason: "wrong_code" };
  if (!(await deps.store.otp.consume(v.id, now))) return NO_PENDING;
  return { ok: true };
}

/**
 * Checks a sign-in code (redeemCode); the right one finds the user by the identifier or creates
 * one (a first successful check is a sign-up).
 */
export async function checkOtp(
  deps: DomainDeps,
  app: AppRecord,
  input: { flow: OtpFlow; verificationToken: string | undefined; code: string },
): Promise<
  ({ ok: true } & CheckedOtp) | Fail<"no_pending_verification" | "wrong_code" | "account_disabled">
> {
  const v = await pendingVerification(deps, app, [input.flow], input.verificationToken);
  if (!v) return NO_PENDING;
  const redeemed = await redeemCode(deps, v, input.code);
  if (!redeemed.ok) return redeemed;

  const user = await findOrCreateUser(deps, app, v.identifier);
  if (user.status !== "active") return { ok: false, reason: "account_disabled" };
  const config =
    v.configId === DEV_CONSOLE_CONFIG_ID ? null : await deps.store.otp.getConfig(app.id, v.configId);
  return {
    ok: true,
    user,
    identifier: v.identifier,
    scopes: config?.grantedScopes ?? [],
    codeChallenge: v.codeChallenge,
  };
}

/**
 * Sends a new code for a pending verification, after a 30 s cooldown, at most five sends in all.
 * The new code comes with the checks the verification has left, not new ones: a verification that
 * used its five checks is dead, and a resend of it is refused.
 */
export async function retryOtp(
  deps: DomainDeps,
  app: AppRecord,
  input: { flows: readonly OtpFlow[]; verificationToken: string | undefined; ip: string },
): Promise<
  | { ok: true }
  | Fail<
      | "no_pending_verification"
      | "rate_limited"
      | "login_method_unavailable"
      | "invalid_input"
      | "delivery_failed"
    >
> {
  const now = deps.clock.now();
  const v = await pendingVerification(deps, app, input.flows, input.verificationToken);
  if (!v || now >= v.expiresAt || v.attempts >= OTP_MAX_CHECKS) return NO_PENDING;
  const wait = v.lastSentAt + OTP_RESEND_COOLDOWN_MS - now;
  if (wait > 0) return { ok: false, reason: "rate_limited", retryAfterSeconds: Math.ceil(wait / 1000) };
  if (v.sends >= OTP_MAX_SENDS)
    return { ok: false, reason: "rate_limited", message: "Too many codes sent; start again later." };
  const resolved = await resolveOtpConfig(deps, app, channelOf(v.identifier), v.configId);
  if (!resolved.ok) return resolved;
  const sends = await admitSend(deps, app, v.identifier, input.ip, now);
  if (!sends.ok) return sends;
  const code = newCode();
  if (!(await deps.store.otp.recordResend(v.id, codeMac(deps, v.id, code), now, OTP_MAX_CHECKS)))
    return NO_PENDING;
  return sendOtp(deps, app, resolved.config, message(v.identifier, code));
}

/** One more code to `identifier` from `ip`, under OTP_SENDS. */
function admitSend(deps: DomainDeps, app: AppRecord, identifier: Identifier, ip: string, now: number) {
  return admitThrottled(
    deps.store,
    { operation: "otp-send", appId: app.id },
    identifier.value,
    ip,
    OTP_SENDS,
    now,
  );
}

async function findOrCreateUser(
  deps: DomainDeps,
  app: AppRecord,
  identifier: Identifier,
): Promise<UserRecord> {
  const [existing] = await deps.store.users.findByIdentifiers(app.id, [identifier]);
  if (existing) return existing;
  const created = await createUser(deps, app.id, { identifiers: [identifier] }, "login");
  if (created.ok) return created.user;
  // Lost a race with another first login (or a create) of the same identifier: use the winner.
  const [winner] = await deps.store.users.findByIdentifiers(app.id, [identifier]);
  if (!winner) throw new Error(`could not find or create the user of a verified ${identifier.type}`);
  return winner;
}

function isContact(identifier: Identifier): identifier is ContactIdentifier {
  return identifier.type === "email_address" || identifier.type === "phone_number";
}

function channelOf(identifier: ContactIdentifier): OtpChannel {
  return identifier.type === "email_address" ? "email" : "sms";
}

function newCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, "0");
}

/** Bound to the verification id, so a code MAC is useless for any other verification. */
function codeMac(deps: DomainDeps, verificationId: string, code: string): string {
  return createHmac("sha256", deps.secrets.otpCode)
    .update(verificationId)
    .update("\0")
    .update(code)
    .digest("hex");
}

function message(identifier: Identifier, code: string) {
  return { to: identifier.value, code, body: `Your verification code is ${code}. It expires in 10 minutes.` };
}

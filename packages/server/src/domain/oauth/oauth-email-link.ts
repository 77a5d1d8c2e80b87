import { randomUUID } from "node:crypto";
import { OAUTH_PROVIDERS, type OAuthProvider } from "@overture/protocol";
import type { AppRecord } from "../apps/app-repository.js";
import { redeemCode, startOtp } from "../login/otp/otp-login.js";
import { issueChallengeToken } from "../sessions/challenge-token.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import { decodeJsonPart, signJws, timeClaims, verifyJws } from "../shared/jws.js";
import { newId } from "../shared/new-id.js";
import type { Failure } from "../shared/outcome.js";
import type { ProviderIdentity } from "./identity-provider.js";
import { enabledProvider } from "./provider-client.js";
import { resolveOAuthAccount } from "./resolve-oauth-account.js";

export const EMAIL_LINK_GRANT_MODE = "oauth-email-link";
/** The email OTP must be done within this long of the callback. */
export const EMAIL_LINK_TTL_SECONDS = 600;

interface EmailLink {
  jti: string;
  exp: number;
  provider: OAuthProvider;
  identity: ProviderIdentity;
  email: string;
  codeChallenge: string;
}

/**
 * The `status=otp_required` challenge token (prelude-api.md §4.3, §6.3): grant mode
 * `oauth-email-link`, one `verify_email` step, `metadata.oauth_email`, and what the callback
 * learned from the provider (signed, so the OTP check can trust it without a row).
 */
export async function issueEmailLinkToken(
  deps: Pick<DomainDeps, "keys" | "clock">,
  app: AppRecord,
  issuer: string,
  link: { provider: OAuthProvider; identity: ProviderIdentity; email: string; codeChallenge: string },
): Promise<string> {
  const key = await deps.keys.signingKey(app);
  const iat = Math.floor(deps.clock.now() / 1000);
  return signJws(
    { alg: key.alg, kid: key.kid, typ: "JWT" },
    {
      iss: issuer,
      jti: randomUUID(),
      iat,
      exp: iat + EMAIL_LINK_TTL_SECONDS,
      token_use: "challenge",
      app_id: app.id,
      challenge_id: newId("chl", deps.clock.now()),
      grant_mode: EMAIL_LINK_GRANT_MODE,
      current_step: "verify_email",
      steps: [{ order: 1, key: "verify_email", done: false, expiration_duration: EMAIL_LINK_TTL_SECONDS }],
      metadata: { oauth_email: link.email },
      cc: link.codeChallenge,
      oauth: {
        provider: link.provider,
        sub: link.identity.subject,
        ...(link.identity.givenName && { given_name: link.identity.givenName }),
        ...(link.identity.familyName && { family_name: link.identity.familyName }),
      },
    },
    key.privateKey,
  );
}

/** Whether a challenge token is meant for this flow (the OTP routes serve step-up too). Unverified. */
export function isEmailLinkToken(token: string): boolean {
  return decodeJsonPart(token.split(".")[1] ?? "")?.grant_mode === EMAIL_LINK_GRANT_MODE;
}

async function readEmailLink(
  deps: Pick<DomainDeps, "keys" | "clock">,
  app: AppRecord,
  token: string,
): Promise<{ ok: true; link: EmailLink } | Failure<"challenge_invalid" | "challenge_expired">> {
  const invalid = { ok: false, reason: "challenge_invalid" } as const;
  const verified = await verifyJws(token, (kid) => deps.keys.verificationKey(app.id, kid));
  if (verified?.header.typ !== "JWT") return invalid;
  const p = verified.payload;
  if (p.token_use !== "challenge" || p.app_id !== app.id || p.grant_mode !== EMAIL_LINK_GRANT_MODE)
    return invalid;
  const time = timeClaims(p, deps.clock.now());
  if (time === "expired") return { ok: false, reason: "challenge_expired" };
  if (time !== "valid") return invalid;
  const oauth = p.oauth as Record<string, unknown> | undefined;
  const email = (p.metadata as Record<string, unknown> | undefined)?.oauth_email;
  if (
    typeof p.jti !== "string" ||
    typeof p.cc !== "string" ||
    typeof email !== "string" ||
    typeof oauth?.sub !== "string" ||
    !(OAUTH_PROVIDERS as readonly unknown[]).includes(oauth.provider)
  )
    return invalid;
  return {
    ok: true,
    link: {
      jti: p.jti,
      exp: p.exp as number,
      provider: oauth.provider as OAuthProvider,
      email,
      codeChallenge: p.cc,
      identity: {
        subject: oauth.sub,
        email,
        emailVerified: false,
        ...(typeof oauth.given_name === "string" && { givenName: oauth.given_name }),
        ...(typeof oauth.family_name === "string" && { familyName: oauth.family_name }),
      },
    },
  };
}

/** The one OTP verification of an email link: by its token's jti. */
const stepRef = (link: EmailLink) => `oauth ${link.jti}`;

/** `POST /otp {challenge_token}` for an email link: sends the code to `metadata.oauth_email`. */
export async function startEmailLinkOtp(
  deps: DomainDeps,
  app: AppRecord,
  input: { challengeToken: string; ip: string },
): Promise<{ ok: true; verificationToken: string } | Failure> {
  const read = await readEmailLink(deps, app, input.challengeToken);
  if (!read.ok) return read;
  const started = await startOtp(deps, app, {
    flow: "stepup",
    identifier: { type: "email_address", value: read.link.email },
    ip: input.ip,
    challengeStep: stepRef(read.link),
  });
  return started.ok ? { ok: true, verificationToken: started.verificationToken } : started;
}

/**
 * `POST /otp/check {code, challenge_token}` for an email link: the right code verifies the email,
 * spends the token, and the sign-in resolves as if the provider had vouched for the email. The
 * answer is a `session-start` challenge token bound to the attempt's PKCE challenge; no DPoP proof
 * is needed here, as no session key exists yet — finalize binds the session.
 */
export async function checkEmailLinkOtp(
  deps: DomainDeps,
  app: AppRecord,
  input: { challengeToken: string; code: string },
  issuer: string,
): Promise<{ ok: true; challengeToken: string } | Failure> {
  const read = await readEmailLink(deps, app, input.challengeToken);
  if (!read.ok) return read;
  const { link } = read;
  const pending = await deps.store.otp.findPendingForStep(app.id, stepRef(link));
  if (pending?.flow !== "stepup")
    return {
      ok: false,
      reason: "no_pending_verification",
      message: "No code was sent for this sign-in; call /otp first.",
    };
  const redeemed = await redeemCode(deps, pending, input.code);
  if (!redeemed.ok) return redeemed;
  if (!(await deps.store.spentTokens.markSpent(app.id, "challenge", link.jti, link.exp * 1000)))
    return { ok: false, reason: "token_reused", message: "This challenge token was already used." };
  const enabled = await enabledProvider(deps, app, link.provider);
  if (!enabled.ok) return enabled;
  const resolved = await resolveOAuthAccount(deps, app, link.provider, enabled.config, {
    ...link.identity,
    emailVerified: true,
  });
  if (resolved.ok === "verify_email") return { ok: false, reason: "challenge_invalid" };
  if (!resolved.ok) return resolved;
  const challengeToken = await issueChallengeToken(
    deps.keys,
    app,
    issuer,
    {
      userId: resolved.user.id,
      method: "oauth",
      identifier: resolved.identifier,
      scopes: enabled.config.granted_scopes,
      codeChallenge: link.codeChallenge,
    },
    deps.clock.now(),
  );
  return { ok: true, challengeToken };
}

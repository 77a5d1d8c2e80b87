import type { AuthenticationResponseJson } from "@overture/protocol";
import type { AppRecord } from "../apps/app-repository.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import { decodeJsonPart, timeClaims, verifyJws } from "../shared/jws.js";
import type { Failure } from "../shared/outcome.js";
import { checkChallengeProof, type ProofInput } from "./challenge-proof.js";
import { type CompletedStep, completeStep } from "./complete-step.js";
import { completePasskeyStep } from "./passkey-step.js";
import { isOtpStep, PASSKEY_STEP, stepUpConfig } from "./step-up-config.js";
import type { StepUpChallengeRecord } from "./step-up-repository.js";
import { COMPLETED, currentStep, readStepUpToken } from "./step-up-token.js";

/** The longest a verification token may live: its jti is remembered that long (`token_reused`). */
const VERIFICATION_MAX_LIFETIME_S = 3600;

/**
 * `POST /stepup/continue` (Bearer and challenge DPoP) completes the current step: a custom step
 * with `verification_token`, an RS256 JWT by which the app's backend vouches the user passed it
 * (prelude-api.md §7.3, docs/step-up.md "Custom steps"), or a `verify_passkey` step with
 * `passkey_assertion` (passkey-step.ts). The caller sends exactly one of the two.
 */
export async function continueStepUp(
  deps: DomainDeps,
  app: AppRecord,
  input: {
    challengeToken: string;
    proof: ProofInput;
    caller: { userId: string; sessionId: string };
  } & (
    | { verificationToken: string; passkeyAssertion?: undefined }
    | { passkeyAssertion: AuthenticationResponseJson; verificationToken?: undefined }
  ),
  issuer: string,
): Promise<CompletedStep | Failure> {
  const now = deps.clock.now();
  const read = await readStepUpToken(deps, app, input.challengeToken, now);
  if (!read.ok) return read;
  const { challenge } = read;
  if (challenge.sessionId !== input.caller.sessionId || challenge.userId !== input.caller.userId)
    return { ok: false, reason: "challenge_mismatch", message: "This challenge belongs to another session." };
  const proved = await checkChallengeProof(deps, app, challenge, input.proof);
  if (!proved.ok) return proved;
  const step = currentStep(challenge);
  if (step === COMPLETED)
    return {
      ok: false,
      reason: "step_not_found",
      message: "The challenge is completed; spend it on /refresh.",
    };
  if (input.passkeyAssertion !== undefined)
    return step === PASSKEY_STEP
      ? completePasskeyStep(deps, app, challenge, input.passkeyAssertion, issuer)
      : {
          ok: false,
          reason: "step_bypassed",
          message: `The current step is "${step}", not "${PASSKEY_STEP}".`,
        };
  if (isOtpStep(step) || step === PASSKEY_STEP)
    return {
      ok: false,
      reason: "step_bypassed",
      message:
        step === PASSKEY_STEP
          ? `The current step is "${step}": send passkey_assertion.`
          : `The current step is "${step}", which Overture verifies itself (docs/step-up.md).`,
    };
  return completeCustomStep(deps, app, challenge, step, input.verificationToken, issuer);
}

/** A custom step vouched for by the app's backend, verified with the config's `jwks_url`. */
async function completeCustomStep(
  deps: DomainDeps,
  app: AppRecord,
  challenge: StepUpChallengeRecord,
  step: string,
  verificationToken: string,
  issuer: string,
): Promise<CompletedStep | Failure> {
  const now = deps.clock.now();
  const invalid = (message: string) => ({ ok: false, reason: "verification_invalid", message }) as const;
  const jwksUrl = (await stepUpConfig.read(deps, app.id))?.value.jwks_url;
  if (!jwksUrl) return invalid("The app has no jwks_url to verify the token with.");
  const header = decodeJsonPart(verificationToken.split(".")[0] ?? "");
  if (header?.alg !== "RS256" || typeof header.kid !== "string")
    return invalid("The verification token must be RS256 with a kid.");
  const verified = await verifyJws(verificationToken, async (kid) => {
    const key = await deps.customerJwks.rsaKey(app, jwksUrl, kid);
    return key ? { key, alg: "RS256" } : null;
  });
  if (!verified)
    return invalid("The verification token's signature does not verify with the app's jwks_url.");
  const claims = verified.payload;
  const time = timeClaims(claims, now);
  if (time !== "valid")
    return invalid(
      time === "expired"
        ? "The verification token has expired."
        : "The verification token has no valid exp and nbf.",
    );
  if (typeof claims.iat === "number" && claims.iat * 1000 > now + 60_000)
    return invalid("The verification token is issued in the future.");
  if ((claims.exp as number) - Math.floor(now / 1000) > VERIFICATION_MAX_LIFETIME_S)
    return invalid(`The verification token must expire within ${VERIFICATION_MAX_LIFETIME_S} s.`);
  if (typeof claims.jti !== "string" || claims.jti.length === 0 || claims.jti.length > 256)
    return invalid("The verification token needs a jti.");
  if (claims.sub !== challenge.userId || claims.challenge_id !== challenge.id)
    return {
      ok: false,
      reason: "challenge_mismatch",
      message: "The verification token is for another user or challenge.",
    };
  if (claims.key !== step) {
    const later = challenge.steps.some((s) => s.key === claims.key);
    return later
      ? {
          ok: false,
          reason: "step_bypassed",
          message: `The current step is "${step}", not "${String(claims.key)}".`,
        }
      : {
          ok: false,
          reason: "step_not_found",
          message: `The challenge has no step "${String(claims.key)}".`,
        };
  }
  if (claims.status !== "completed")
    return {
      ok: false,
      reason: "step_not_completed",
      message: "The verification token's status is not completed.",
    };

  const jti = claims.jti;
  const expiresAt = (claims.exp as number) * 1000;
  return completeStep(deps, app, challenge, issuer, async (tx) =>
    (await tx.spentTokens.markSpent(app.id, "verification", jti, expiresAt))
      ? null
      : { ok: false, reason: "token_reused", message: "This verification token was already used." },
  );
}

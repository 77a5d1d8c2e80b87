import type { Identifier } from "@overture/protocol";
import type { AppRecord } from "../apps/app-repository.js";
import { redeemCode, startOtp } from "../login/otp/otp-login.js";
import { isActive } from "../sessions/sessions.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import type { Failure } from "../shared/outcome.js";
import { checkChallengeProof, type ProofInput } from "./challenge-proof.js";
import { type CompletedStep, completeStep } from "./complete-step.js";
import { isOtpStep, OTP_STEPS } from "./step-up-config.js";
import type { StepUpChallengeRecord } from "./step-up-repository.js";
import { COMPLETED, currentStep, readStepUpToken } from "./step-up-token.js";

/** Names the one step an OTP verification completes: this challenge, this many steps done. */
const stepRef = (c: StepUpChallengeRecord) => `${c.id} ${c.stepsDone}`;

/** The challenge of a token whose current step is an OTP step, or why not. */
async function atOtpStep(deps: DomainDeps, app: AppRecord, token: string) {
  const read = await readStepUpToken(deps, app, token, deps.clock.now());
  if (!read.ok) return read;
  const step = currentStep(read.challenge);
  if (step === COMPLETED)
    return {
      ok: false,
      reason: "step_not_found",
      message: "The challenge is completed; spend it on /refresh.",
    } as const;
  if (!isOtpStep(step))
    return {
      ok: false,
      reason: "step_bypassed",
      message: `The current step is "${step}"; complete it with /stepup/continue.`,
    } as const;
  return { ok: true, challenge: read.challenge, step } as const;
}

/**
 * `POST /otp {challenge_token}`: sends a code for the current step to the identifier it verifies —
 * the user's oldest of the step's type, or for a register scope the one being added — under the
 * login OTP's limits and senders (docs/otp.md).
 */
export async function startStepOtp(
  deps: DomainDeps,
  app: AppRecord,
  input: { challengeToken: string; ip: string },
): Promise<{ ok: true; verificationToken: string } | Failure> {
  const at = await atOtpStep(deps, app, input.challengeToken);
  if (!at.ok) return at;
  const { challenge, step } = at;
  const session = await deps.store.sessions.get(app.id, challenge.sessionId);
  if (!session || !isActive(session, deps.clock.now()))
    return { ok: false, reason: "session_ended", message: "The session has ended." };
  let target: Identifier | undefined;
  if (challenge.registerIdentifier) target = challenge.registerIdentifier;
  else {
    const user = await deps.store.users.get(app.id, challenge.userId);
    target = user?.identifiers.find((i) => i.type === OTP_STEPS[step]);
  }
  if (!target)
    return {
      ok: false,
      reason: "invalid_input",
      message: `This account has no ${OTP_STEPS[step] === "email_address" ? "email address" : "phone number"} to send the code to.`,
    };
  const started = await startOtp(deps, app, {
    flow: "stepup",
    identifier: target,
    ip: input.ip,
    challengeStep: stepRef(challenge),
  });
  return started.ok ? { ok: true, verificationToken: started.verificationToken } : started;
}

/**
 * `POST /otp/check {code, challenge_token}` with the challenge DPoP proof: the right code for the
 * current step completes it and answers the next token.
 */
export async function checkStepOtp(
  deps: DomainDeps,
  app: AppRecord,
  input: { challengeToken: string; code: string; proof: ProofInput },
  issuer: string,
): Promise<CompletedStep | Failure> {
  const at = await atOtpStep(deps, app, input.challengeToken);
  if (!at.ok) return at;
  const { challenge } = at;
  const proved = await checkChallengeProof(deps, app, challenge, input.proof);
  if (!proved.ok) return proved;
  const pending = await deps.store.otp.findPendingForStep(app.id, stepRef(challenge));
  if (pending?.flow !== "stepup")
    return {
      ok: false,
      reason: "no_pending_verification",
      message: "No code was sent for this step; call /otp first.",
    };
  const redeemed = await redeemCode(deps, pending, input.code);
  if (!redeemed.ok) return redeemed;
  return completeStep(deps, app, challenge, issuer);
}

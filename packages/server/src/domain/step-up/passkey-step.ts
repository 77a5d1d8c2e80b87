import type { AuthenticationResponseJson } from "@overture/protocol";
import type { AppRecord } from "../apps/app-repository.js";
import { checkPasskeyAssertion, recordPasskeyUse } from "../passkeys/passkey-assertion.js";
import { passkeyConfig } from "../passkeys/passkey-config.js";
import { usablePasskeys } from "../passkeys/passkeys.js";
import { requestOptions, webauthnChallenge } from "../passkeys/webauthn-ceremony.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import type { Failure } from "../shared/outcome.js";
import { consumeRateLimit } from "../shared/rate-limit.js";
import { type CompletedStep, completeStep } from "./complete-step.js";
import { PASSKEY_STEP } from "./step-up-config.js";
import type { StepUpChallengeRecord } from "./step-up-repository.js";
import { currentStep } from "./step-up-token.js";

export type PasskeyRequestOptions = ReturnType<typeof requestOptions>;

/** Passkey step attempts per session and minute (ttl in nanoseconds). */
export const PASSKEY_STEPS_PER_SESSION = { ttl: 60_000_000_000, limit: 20 };

/**
 * What `navigator.credentials.get` needs for a challenge at its `verify_passkey` step: a WebAuthn
 * challenge derived from the challenge token's jti (so an assertion answers that token only, and
 * dies with it), and the user's passkeys under the app's RP ID. Undefined at any other step.
 */
export async function passkeyStepOptions(
  deps: Pick<DomainDeps, "store">,
  app: AppRecord,
  challenge: StepUpChallengeRecord,
): Promise<PasskeyRequestOptions | undefined> {
  if (currentStep(challenge) !== PASSKEY_STEP) return undefined;
  const usable = await usablePasskeys(deps, app.id, challenge.userId);
  return usable
    ? requestOptions(usable.config, webauthnChallenge(challenge.tokenJti), usable.passkeys)
    : undefined;
}

/**
 * `/stepup/continue {challenge_token, passkey_assertion}` at a `verify_passkey` step (prelude-api.md
 * §4.11): an assertion by one of the challenge user's passkeys, for this token's challenge,
 * verified by Overture — the delegation hook is never asked (§7.1). The step completes in one
 * transaction with the passkey's new counter.
 */
export async function completePasskeyStep(
  deps: DomainDeps,
  app: AppRecord,
  challenge: StepUpChallengeRecord,
  assertion: AuthenticationResponseJson,
  issuer: string,
): Promise<CompletedStep | Failure> {
  const limited = await consumeRateLimit(
    deps.store,
    { operation: "stepup-passkey", appId: app.id, dimension: "session", value: challenge.sessionId },
    PASSKEY_STEPS_PER_SESSION,
    deps.clock.now(),
  );
  if (!limited.ok) return limited;
  const config = await passkeyConfig.read(deps, app.id);
  if (!config) return { ok: false, reason: "not_configured", message: "This app has no passkey config." };
  const passkey = await deps.store.passkeys.findByCredentialId(app.id, assertion.id);
  if (passkey?.userId !== challenge.userId)
    return { ok: false, reason: "passkey_invalid", message: "This is not one of your passkeys." };
  const checked = await checkPasskeyAssertion(
    deps,
    app,
    config.value,
    passkey,
    assertion,
    webauthnChallenge(challenge.tokenJti),
  );
  if (!checked.ok) return checked;
  return completeStep(deps, app, challenge, issuer, (tx) =>
    recordPasskeyUse(tx, passkey, checked.signCount, deps.clock.now()),
  );
}

/** Whether the user has a passkey that works under the app's current RP ID. */
export async function hasUsablePasskey(
  deps: Pick<DomainDeps, "store">,
  app: AppRecord,
  userId: string,
): Promise<boolean> {
  return ((await usablePasskeys(deps, app.id, userId))?.passkeys.length ?? 0) > 0;
}

import type { AppRecord } from "../apps/app-repository.js";
import { addIdentifierInTx } from "../identity/user-identifiers.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import type { Failure } from "../shared/outcome.js";
import type { Repositories } from "../shared/store.js";
import { type PasskeyRequestOptions, passkeyStepOptions } from "./passkey-step.js";
import type { StepUpChallengeRecord } from "./step-up-repository.js";
import { deadline, issueStepUpToken, newTokenJti } from "./step-up-token.js";

/** A step done: the next token, and the WebAuthn options when the next step is `verify_passkey`. */
export interface CompletedStep {
  ok: true;
  challengeToken: string;
  passkeyOptions?: PasskeyRequestOptions;
}

/**
 * Marks the challenge's current step done and answers the token of the next one (or the completed
 * token), in one transaction with `alsoInTx` (what proved the step, marked used). The old token
 * stops working; of two requests completing the same step, one wins and the other is
 * `token_reused`. A register scope's identifier is attached as its last step completes.
 */
export async function completeStep(
  deps: DomainDeps,
  app: AppRecord,
  challenge: StepUpChallengeRecord,
  issuer: string,
  alsoInTx?: (tx: Repositories) => Promise<Failure | null>,
): Promise<CompletedStep | Failure> {
  const now = deps.clock.now();
  const stepsDone = challenge.stepsDone + 1;
  const next = { stepsDone, tokenJti: newTokenJti(), expiresAt: deadline(challenge, stepsDone, now) };
  const done = await deps.store.transaction<{ ok: true } | Failure>(async (tx, rollback) => {
    if (!(await tx.stepUp.advance(challenge.id, challenge.tokenJti, next)))
      return rollback({
        ok: false,
        reason: "token_reused",
        message: "This challenge token was already used.",
      });
    const refused = await alsoInTx?.(tx);
    if (refused) return rollback(refused);
    if (stepsDone === challenge.steps.length && challenge.registerIdentifier) {
      const added = await addIdentifierInTx(tx, app.id, challenge.userId, challenge.registerIdentifier, now);
      if (!added.ok)
        return rollback(
          added.reason === "identifier_taken"
            ? {
                ok: false,
                reason: "identifier_taken",
                message: "This identifier cannot be added to your account.",
              }
            : { ok: false, reason: "session_ended", message: "The session has ended." },
        );
    }
    return { ok: true };
  });
  if (!done.ok) return done;
  const advanced = { ...challenge, ...next };
  const passkeyOptions = await passkeyStepOptions(deps, app, advanced);
  return {
    ok: true,
    challengeToken: await issueStepUpToken(deps.keys, app, issuer, advanced, now),
    ...(passkeyOptions && { passkeyOptions }),
  };
}

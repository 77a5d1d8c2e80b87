import type { AuthenticationResponseJson } from "@overture/protocol";
import type { AppRecord } from "../apps/app-repository.js";
import { recordEvent } from "../events/record-event.js";
import { isoTime } from "../shared/clock.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import type { Failure } from "../shared/outcome.js";
import type { Repositories } from "../shared/store.js";
import type { PasskeyConfigValue } from "./passkey-config.js";
import type { PasskeyRecord } from "./passkey-repository.js";
import { verifyAssertion } from "./verify-assertion.js";

/**
 * An assertion by `passkey` for `challenge`, under the app's current RP ID. A counter that did not
 * go up refuses it and is recorded as `user.passkey.clone_detected` (and logged): the stored
 * counter stays, so the genuine authenticator, whose counter is ahead, keeps working, and the app
 * decides whether to delete the passkey (docs/passkeys.md, "Clone detection").
 */
export async function checkPasskeyAssertion(
  deps: Pick<DomainDeps, "store" | "clock" | "log" | "passkeyKeys">,
  app: AppRecord,
  config: PasskeyConfigValue,
  passkey: PasskeyRecord,
  assertion: AuthenticationResponseJson,
  challenge: string,
): Promise<{ ok: true; signCount: number } | Failure<"passkey_invalid" | "passkey_cloned">> {
  if (passkey.rpId !== config.rp_id)
    return {
      ok: false,
      reason: "passkey_invalid",
      message: `This passkey was registered under rp_id "${passkey.rpId}", which the app no longer uses.`,
    };
  const checked = verifyAssertion(deps.passkeyKeys, config, passkey, assertion, challenge);
  if (checked.ok || checked.reason === "passkey_invalid") return checked;
  const now = deps.clock.now();
  const facts = {
    user_id: passkey.userId,
    passkey_id: passkey.id,
    credential_id: passkey.credentialId,
    stored_sign_count: passkey.signCount,
    presented_sign_count: checked.presented,
  };
  deps.log.warn({ app_id: app.id, ...facts }, "passkey signature counter went backwards: possible clone");
  await deps.store.transaction((tx) =>
    recordEvent(tx, app.id, "user.passkey.clone_detected", { ...facts, occurred_at: isoTime(now) }, now),
  );
  return { ok: false, reason: "passkey_cloned" };
}

/**
 * Stores the use's counter and time (in the transaction of what the assertion proved, for a step),
 * only if the counter is still the one the assertion was checked against: of two assertions racing
 * with one counter, one passes.
 */
export async function recordPasskeyUse(
  tx: Pick<Repositories, "passkeys">,
  passkey: PasskeyRecord,
  signCount: number,
  now: number,
): Promise<Failure<"passkey_invalid"> | null> {
  return (await tx.passkeys.recordUse(passkey.appId, passkey.id, passkey.signCount, signCount, now))
    ? null
    : {
        ok: false,
        reason: "passkey_invalid",
        message: "This passkey was used by another request at the same moment; try again.",
      };
}

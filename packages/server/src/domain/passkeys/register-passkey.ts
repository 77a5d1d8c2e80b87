import type { RegistrationResponseJson } from "@overture/protocol";
import type { AppRecord } from "../apps/app-repository.js";
import { recordEvent } from "../events/record-event.js";
import type { AccessClaims } from "../sessions/access-token-verifier.js";
import { isActive } from "../sessions/sessions.js";
import { isoTime } from "../shared/clock.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import { newId } from "../shared/new-id.js";
import type { Failure } from "../shared/outcome.js";
import { consumeRateLimit } from "../shared/rate-limit.js";
import { consumeScope } from "../step-up/consume-scope.js";
import { issueCeremonyToken, readCeremonyToken, spendCeremony } from "./ceremony-token.js";
import { passkeyConfig } from "./passkey-config.js";
import type { PasskeyRecord } from "./passkey-repository.js";
import { creationOptions, verifyAttestation, webauthnChallenge } from "./webauthn-ceremony.js";

/** The reserved scope a registration uses up (prelude-api.md §9.4), normally from step-up. */
export const PASSKEY_WRITE_SCOPE = "prld:passkey:write";

/** Registration begins and finishes per session (ttl in nanoseconds): a person registers a few at most. */
export const REGISTRATIONS_PER_SESSION = { ttl: 60_000_000_000, limit: 10 };

const missingScope = {
  ok: false,
  reason: "scope_missing",
  message: `Registering a passkey needs ${PASSKEY_WRITE_SCOPE}; ask for it with step-up.`,
} as const;

async function admit(deps: DomainDeps, app: AppRecord, caller: AccessClaims, step: "begin" | "finish") {
  const limited = await consumeRateLimit(
    deps.store,
    { operation: `passkey-register-${step}`, appId: app.id, dimension: "session", value: caller.sessionId },
    REGISTRATIONS_PER_SESSION,
    deps.clock.now(),
  );
  if (!limited.ok) return limited;
  const config = await passkeyConfig.read(deps, app.id);
  if (!config)
    return { ok: false, reason: "not_configured", message: "This app has no passkey config." } as const;
  return { ok: true, config: config.value } as const;
}

/**
 * `POST /me/passkeys/register/begin`: creation options for the signed-in user and the
 * `registration_token` that carries the ceremony to /finish. The scope is checked here, on the
 * access token, so a user without it is told before touching the authenticator; it is used up
 * only by a registration that succeeds.
 */
export async function beginRegistration(
  deps: DomainDeps,
  app: AppRecord,
  caller: AccessClaims,
  input: { username?: string; displayName?: string; nickname?: string },
  issuer: string,
): Promise<
  | { ok: true; publicKey: ReturnType<typeof creationOptions>; registrationToken: string }
  | Failure<"rate_limited" | "not_configured" | "scope_missing" | "session_ended">
> {
  const admitted = await admit(deps, app, caller, "begin");
  if (!admitted.ok) return admitted;
  if (!caller.scopes.includes(PASSKEY_WRITE_SCOPE)) return missingScope;
  const user = await deps.store.users.get(app.id, caller.userId);
  if (user?.status !== "active")
    return { ok: false, reason: "session_ended", message: "The session has ended." };
  const now = deps.clock.now();
  const nickname = input.nickname?.trim();
  const { token, ceremony } = await issueCeremonyToken(
    deps.keys,
    app,
    issuer,
    {
      kind: "passkey_registration",
      userId: user.id,
      sessionId: caller.sessionId,
      ...(nickname && { nickname }),
    },
    now,
  );
  const name =
    input.username ?? user.identifiers.find((i) => i.type !== "oauth")?.value ?? user.externalId ?? user.id;
  const owned = await deps.store.passkeys.listForUser(app.id, user.id);
  return {
    ok: true,
    registrationToken: token,
    publicKey: creationOptions(admitted.config, {
      challenge: webauthnChallenge(ceremony.jti),
      userId: user.id,
      name,
      displayName: input.displayName ?? name,
      exclude: owned.filter((p) => p.rpId === admitted.config.rp_id),
    }),
  };
}

/**
 * `POST /me/passkeys/register/finish`: the attestation verified against the ceremony's challenge,
 * then, in one transaction, the token spent, `prld:passkey:write` used up, the passkey stored and
 * `user.passkey.created` recorded. The caller's own credential sent again (a retried finish) is
 * answered as it is, `already_registered`; another user's is refused.
 */
export async function finishRegistration(
  deps: DomainDeps,
  app: AppRecord,
  caller: AccessClaims,
  input: { registrationToken: string; attestation: RegistrationResponseJson },
): Promise<{ ok: true; passkey: PasskeyRecord; alreadyRegistered: boolean } | Failure> {
  const admitted = await admit(deps, app, caller, "finish");
  if (!admitted.ok) return admitted;
  const { config } = admitted;
  const now = deps.clock.now();
  const read = await readCeremonyToken(deps, app, input.registrationToken, "passkey_registration", now);
  if (!read.ok) return read;
  const { ceremony } = read;
  if (ceremony.userId !== caller.userId || ceremony.sessionId !== caller.sessionId)
    return {
      ok: false,
      reason: "challenge_mismatch",
      message: "This registration_token belongs to another session.",
    };
  const attested = await verifyAttestation(config, input.attestation, webauthnChallenge(ceremony.jti));
  if (!attested.ok) return attested;
  const { credential } = attested;
  const known = await deps.store.passkeys.findByCredentialId(app.id, credential.credentialId);
  if (known?.userId === caller.userId) return { ok: true, passkey: known, alreadyRegistered: true };
  if (known) return { ok: false, reason: "passkey_taken" };

  const session = await deps.store.sessions.get(app.id, caller.sessionId);
  if (!session || !isActive(session, now))
    return { ok: false, reason: "session_ended", message: "The session has ended." };
  // A grant of a scope the app no longer allows is void, as in the tokens (token-contents.ts).
  if ((await deps.store.scopes.findAllowed(app.id, [PASSKEY_WRITE_SCOPE])).length === 0) return missingScope;
  const passkey: PasskeyRecord = {
    id: newId("pkc", now),
    appId: app.id,
    userId: caller.userId,
    ...credential,
    rpId: config.rp_id,
    nickname: ceremony.nickname ?? null,
    createdAt: now,
    lastUsedAt: null,
  };
  return deps.store.transaction(async (tx, rollback) => {
    const spent = await spendCeremony(tx, app.id, ceremony);
    if (spent) return rollback(spent);
    if (!(await consumeScope(tx, session, PASSKEY_WRITE_SCOPE, now))) return rollback(missingScope);
    if (!(await tx.passkeys.insert(passkey))) return rollback({ ok: false, reason: "passkey_taken" });
    await recordEvent(
      tx,
      app.id,
      "user.passkey.created",
      {
        user_id: passkey.userId,
        passkey_id: passkey.id,
        credential_id: passkey.credentialId,
        created_at: isoTime(now),
      },
      now,
    );
    return { ok: true, passkey, alreadyRegistered: false } as const;
  });
}

import type { AuthenticationResponseJson } from "@overture/protocol";
import type { AppRecord } from "../apps/app-repository.js";
import { issueChallengeToken } from "../sessions/challenge-token.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import type { Failure } from "../shared/outcome.js";
import { consumeRateLimit } from "../shared/rate-limit.js";
import { issueCeremonyToken, readCeremonyToken, spendCeremony } from "./ceremony-token.js";
import { checkPasskeyAssertion, recordPasskeyUse } from "./passkey-assertion.js";
import { passkeyConfig } from "./passkey-config.js";
import { requestOptions, userHandle, webauthnChallenge } from "./webauthn-ceremony.js";

/**
 * Passkey login attempts per IP and minute (ttl in nanoseconds), begin and finish counted apart:
 * a begin costs a signature, a finish a verification and a few reads.
 */
export const PASSKEY_LOGIN_PER_IP = { ttl: 60_000_000_000, limit: 30 };

async function admit(deps: DomainDeps, app: AppRecord, ip: string, step: "begin" | "finish") {
  const config = await passkeyConfig.read(deps, app.id);
  if (!config?.value.login_enabled)
    return {
      ok: false,
      reason: "not_configured",
      message: "Passkey login is not enabled for this app.",
    } as const;
  const limited = await consumeRateLimit(
    deps.store,
    { operation: `passkey-login-${step}`, appId: app.id, dimension: "ip", value: ip },
    PASSKEY_LOGIN_PER_IP,
    deps.clock.now(),
  );
  return limited.ok ? ({ ok: true, config: config.value } as const) : limited;
}

/**
 * `POST /login/passkey/begin` (prelude-api.md §4.5): request options with no allowed credentials —
 * the authenticator offers its discoverable ones, so no username is asked and none is probed —
 * and the `login_token` carrying the ceremony (and the PKCE challenge, when sent) to /finish.
 */
export async function beginPasskeyLogin(
  deps: DomainDeps,
  app: AppRecord,
  input: { ip: string; codeChallenge?: string; issuer: string },
): Promise<
  | { ok: true; publicKey: ReturnType<typeof requestOptions>; loginToken: string }
  | Failure<"not_configured" | "rate_limited">
> {
  const admitted = await admit(deps, app, input.ip, "begin");
  if (!admitted.ok) return admitted;
  const { token, ceremony } = await issueCeremonyToken(
    deps.keys,
    app,
    input.issuer,
    { kind: "passkey_login", ...(input.codeChallenge && { codeChallenge: input.codeChallenge }) },
    deps.clock.now(),
  );
  return {
    ok: true,
    loginToken: token,
    publicKey: requestOptions(admitted.config, webauthnChallenge(ceremony.jti), []),
  };
}

/**
 * `POST /login/passkey/finish`: the login token is spent by the first attempt, whatever its
 * outcome, so a challenge answers one assertion and a replayed one is `token_reused` before its
 * counter is looked at. Then the passkey the assertion names, its owner active, the assertion
 * verified and its counter stored. Answers a challenge token for `/login/finalize` carrying the
 * config's `granted_scopes`.
 */
export async function finishPasskeyLogin(
  deps: DomainDeps,
  app: AppRecord,
  input: {
    ip: string;
    issuer: string;
    loginToken: string;
    assertion: AuthenticationResponseJson;
  },
): Promise<{ ok: true; challengeToken: string } | Failure> {
  const admitted = await admit(deps, app, input.ip, "finish");
  if (!admitted.ok) return admitted;
  const { config } = admitted;
  const now = deps.clock.now();
  const read = await readCeremonyToken(deps, app, input.loginToken, "passkey_login", now);
  if (!read.ok) return read;
  const { ceremony } = read;
  const spent = await spendCeremony(deps.store, app.id, ceremony);
  if (spent) return spent;
  const passkey = await deps.store.passkeys.findByCredentialId(app.id, input.assertion.id);
  const handle = input.assertion.response.userHandle;
  // One answer for an unknown credential and another user's handle: neither says who has an account.
  if (!passkey || (handle && handle !== userHandle(passkey.userId)))
    return { ok: false, reason: "passkey_invalid", message: "This passkey is not registered with this app." };
  const user = await deps.store.users.getSummary(app.id, passkey.userId);
  if (user?.status !== "active") return { ok: false, reason: "account_disabled" };
  const checked = await checkPasskeyAssertion(
    deps,
    app,
    config,
    passkey,
    input.assertion,
    webauthnChallenge(ceremony.jti),
  );
  if (!checked.ok) return checked;
  const raced = await recordPasskeyUse(deps.store, passkey, checked.signCount, now);
  if (raced) return raced;
  const challengeToken = await issueChallengeToken(
    deps.keys,
    app,
    input.issuer,
    {
      userId: passkey.userId,
      method: "passkey",
      ...(ceremony.codeChallenge && { codeChallenge: ceremony.codeChallenge }),
      ...(config.granted_scopes.length > 0 && { scopes: config.granted_scopes }),
    },
    now,
  );
  return { ok: true, challengeToken };
}

import { randomUUID } from "node:crypto";
import type { KeyRing } from "../../keys/key-ring.js";
import type { AppRecord } from "../apps/app-repository.js";
import type { DomainDeps } from "../shared/domain-deps.js";
import { signJws, timeClaims, verifyJws } from "../shared/jws.js";
import type { Failure } from "../shared/outcome.js";
import type { Repositories } from "../shared/store.js";
import { CEREMONY_TTL_MS } from "./webauthn-ceremony.js";

/** A registration (`registration_token`) or a primary login (`login_token`). */
export type CeremonyKind = "passkey_registration" | "passkey_login";

export interface Ceremony {
  kind: CeremonyKind;
  jti: string;
  /** Epoch ms. */
  expiresAt: number;
  /** Registration: whose session asked, and the nickname it asked for. */
  userId?: string;
  sessionId?: string;
  nickname?: string;
  /** Login: the PKCE challenge the client started with. */
  codeChallenge?: string;
}

/**
 * The token a passkey ceremony's begin answers and its finish takes back: signed with the app's
 * key, so the server keeps nothing between the two; its jti gives the WebAuthn challenge
 * (webauthnChallenge) and is marked spent when the ceremony succeeds. `token_use` keeps it from
 * passing for a challenge or access token, and the reverse.
 */
export async function issueCeremonyToken(
  keys: KeyRing,
  app: AppRecord,
  issuer: string,
  c: Omit<Ceremony, "jti" | "expiresAt">,
  now: number,
): Promise<{ token: string; ceremony: Ceremony }> {
  const key = await keys.signingKey(app);
  const ceremony: Ceremony = { ...c, jti: randomUUID(), expiresAt: now + CEREMONY_TTL_MS };
  const token = await signJws(
    { alg: key.alg, kid: key.kid, typ: "JWT" },
    {
      iss: issuer,
      jti: ceremony.jti,
      iat: Math.floor(now / 1000),
      exp: Math.floor(ceremony.expiresAt / 1000),
      token_use: c.kind,
      app_id: app.id,
      ...(c.userId && { sub: c.userId }),
      ...(c.sessionId && { sid: c.sessionId }),
      ...(c.nickname && { nickname: c.nickname }),
      ...(c.codeChallenge && { cc: c.codeChallenge }),
    },
    key.privateKey,
  );
  return { token, ceremony };
}

/** The ceremony a token of `kind` stands for: signed by one of the app's keys and not expired. */
export async function readCeremonyToken(
  deps: Pick<DomainDeps, "keys">,
  app: AppRecord,
  token: string,
  kind: CeremonyKind,
  now: number,
): Promise<{ ok: true; ceremony: Ceremony } | Failure<"challenge_invalid" | "challenge_expired">> {
  const name = kind === "passkey_login" ? "login_token" : "registration_token";
  const invalid = { ok: false, reason: "challenge_invalid", message: `The ${name} is not valid.` } as const;
  const verified = await verifyJws(token, (kid) => deps.keys.verificationKey(app.id, kid));
  if (verified?.header.typ !== "JWT") return invalid;
  const { payload } = verified;
  if (payload.token_use !== kind || payload.app_id !== app.id || typeof payload.jti !== "string")
    return invalid;
  const time = timeClaims(payload, now);
  if (time === "expired")
    return { ok: false, reason: "challenge_expired", message: `The ${name} has expired; begin again.` };
  if (time !== "valid") return invalid;
  const text = (v: unknown) => (typeof v === "string" ? v : undefined);
  return {
    ok: true,
    ceremony: {
      kind,
      jti: payload.jti,
      expiresAt: (payload.exp as number) * 1000,
      ...(text(payload.sub) && { userId: text(payload.sub) }),
      ...(text(payload.sid) && { sessionId: text(payload.sid) }),
      ...(text(payload.nickname) && { nickname: text(payload.nickname) }),
      ...(text(payload.cc) && { codeChallenge: text(payload.cc) }),
    },
  };
}

/** Marks the ceremony's token used (in the transaction of what it did, for a registration); a replay is `token_reused`. */
export async function spendCeremony(
  tx: Pick<Repositories, "spentTokens">,
  appId: string,
  c: Ceremony,
): Promise<Failure | null> {
  return (await tx.spentTokens.markSpent(appId, "passkey", c.jti, c.expiresAt))
    ? null
    : {
        ok: false,
        reason: "token_reused",
        message: "This passkey ceremony was already finished; begin again.",
      };
}

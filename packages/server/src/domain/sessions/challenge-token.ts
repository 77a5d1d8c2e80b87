import { randomUUID } from "node:crypto";
import type { KeyRing } from "../../keys/key-ring.js";
import type { AppRecord } from "../apps/app-repository.js";
import { signJws, timeClaims, verifyJws } from "../shared/jws.js";
import { newId } from "../shared/new-id.js";

export const CHALLENGE_TTL_SECONDS = 300;

/** How the user proved who they are; recorded on the session and in `user.session.created`. */
export type LoginMethod = "password" | "otp" | "migration" | "sign_up" | "oauth" | "passkey";

export interface LoginChallenge {
  userId: string;
  method: LoginMethod;
  /** S256 PKCE challenge the client started with; finalize then requires its verifier. */
  codeChallenge?: string;
  /** Scopes the login method grants to the session (e.g. an OTP config's granted_scopes). */
  scopes?: string[];
  /** The identifier used to sign in, for the session event. */
  identifier?: { type: string; value: string };
}

export interface VerifiedChallenge extends LoginChallenge {
  jti: string;
  exp: number;
}

/**
 * A short-lived, single-use JWS (client-protocol.md §7, prelude-api.md §6.3), signed with the app's
 * current key. `token_use: "challenge"` keeps it from ever passing as an access token and the reverse.
 */
export async function issueChallengeToken(
  keys: KeyRing,
  app: AppRecord,
  issuer: string,
  c: LoginChallenge,
  now: number,
) {
  const key = await keys.signingKey(app);
  const iat = Math.floor(now / 1000);
  return signJws(
    { alg: key.alg, kid: key.kid, typ: "JWT" },
    {
      iss: issuer,
      sub: c.userId,
      jti: randomUUID(),
      iat,
      exp: iat + CHALLENGE_TTL_SECONDS,
      token_use: "challenge",
      app_id: app.id,
      challenge_id: newId("chl", now),
      grant_mode: "session-start",
      current_step: "completed",
      steps: [],
      method: c.method,
      ...(c.codeChallenge && { cc: c.codeChallenge }),
      ...(c.scopes?.length && { scopes: c.scopes }),
      ...(c.identifier && { identifier: c.identifier }),
    },
    key.privateKey,
  );
}

export type ChallengeResult =
  | { ok: true; challenge: VerifiedChallenge }
  | { ok: false; reason: "challenge_invalid" | "challenge_expired" };

/** Signature by one of the app's published keys, expiry, and the claims of a login challenge. */
export async function verifyChallengeToken(
  keys: KeyRing,
  app: AppRecord,
  token: string,
  now: number,
): Promise<ChallengeResult> {
  const invalid = { ok: false, reason: "challenge_invalid" } as const;
  const verified = await verifyJws(token, (kid) => keys.verificationKey(app.id, kid));
  // Only what issueChallengeToken signs: never an access token, nor a dev-minted one (`at+jwt`),
  // whatever claims it was given.
  if (verified?.header.typ !== "JWT") return invalid;
  const { payload } = verified;
  const time = timeClaims(payload, now);
  if (time === "expired") return { ok: false, reason: "challenge_expired" };
  if (time !== "valid") return invalid;
  if (
    payload.token_use !== "challenge" ||
    payload.app_id !== app.id ||
    payload.grant_mode !== "session-start"
  ) {
    return invalid;
  }
  if (typeof payload.sub !== "string" || typeof payload.jti !== "string" || typeof payload.exp !== "number")
    return invalid;
  return {
    ok: true,
    challenge: {
      userId: payload.sub,
      method: payload.method as LoginMethod,
      jti: payload.jti,
      exp: payload.exp,
      ...(typeof payload.cc === "string" && { codeChallenge: payload.cc }),
      ...(Array.isArray(payload.scopes) && { scopes: payload.scopes as string[] }),
      ...(typeof payload.identifier === "object" &&
        payload.identifier !== null && { identifier: payload.identifier as { type: string; value: string } }),
    },
  };
}

import { createPrivateKey } from "node:crypto";
import { signJws } from "../domain/shared/jws.js";

/** Apple accepts secrets up to six months old; a short one limits what a leaked one is worth. */
const LIFETIME_SECONDS = 300;

/**
 * Apple's client secret: an ES256 JWT signed with the team's .p8 key ("Creating a client secret",
 * Sign in with Apple REST API): `kid` the key id, `iss` the team id, `sub` the client (Services)
 * id, `aud` Apple's issuer.
 */
export function appleClientSecret(
  apple: { teamId: string; keyId: string; p8Key: string },
  clientId: string,
  audience: string,
  nowMs: number,
): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  return signJws(
    { alg: "ES256", kid: apple.keyId, typ: "JWT" },
    { iss: apple.teamId, iat, exp: iat + LIFETIME_SECONDS, aud: audience, sub: clientId },
    createPrivateKey(apple.p8Key),
  );
}

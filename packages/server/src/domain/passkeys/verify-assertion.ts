import { createHash, timingSafeEqual, verify } from "node:crypto";
import type { AuthenticationResponseJson } from "@overture/protocol";
import { decodeJsonPart } from "../shared/jws.js";
import type { Failure } from "../shared/outcome.js";
import type { PasskeyConfigValue } from "./passkey-config.js";
import type { PasskeyKeys } from "./passkey-keys.js";
import type { PasskeyRecord } from "./passkey-repository.js";
import { invalid } from "./webauthn-ceremony.js";

const FLAG_USER_PRESENT = 0x01;
const FLAG_USER_VERIFIED = 0x04;
const FLAG_BACKUP_ELIGIBLE = 0x08;
const FLAG_BACKUP_STATE = 0x10;

const sameBytes = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);

/**
 * An assertion by a stored passkey, verified as WebAuthn L3 §7.2 says, with node:crypto: the
 * client data's type, challenge and origin (one of `allowed_origins`; no cross-origin iframe), the
 * RP ID hash, user presence, user verification when the config requires it, the backup flags'
 * consistency, and the signature over the authenticator data and the client data's hash by the
 * stored key. (The library's own verifier imports the key through WebCrypto on every call, which
 * made it about nine times the cost of the signature check; docs/passkeys.md, "Performance".)
 *
 * The counter last: when either counter is non-zero, the new one must be greater (§6.1.1); a
 * regression is told apart, since it means the authenticator may have been copied.
 */
export function verifyAssertion(
  keys: PasskeyKeys,
  config: PasskeyConfigValue,
  passkey: PasskeyRecord,
  assertion: AuthenticationResponseJson,
  challenge: string,
):
  | { ok: true; signCount: number }
  | Failure<"passkey_invalid">
  | { ok: false; reason: "passkey_cloned"; presented: number } {
  if (assertion.id !== passkey.credentialId || assertion.rawId !== passkey.credentialId)
    return invalid("the assertion names another credential.");
  const clientData = decodeJsonPart(assertion.response.clientDataJSON);
  if (!clientData) return invalid("clientDataJSON is not a JSON object.");
  if (clientData.type !== "webauthn.get")
    return invalid(`clientDataJSON type "${String(clientData.type)}" is not webauthn.get.`);
  if (clientData.challenge !== challenge) return invalid("the challenge is not this ceremony's.");
  if (typeof clientData.origin !== "string" || !config.allowed_origins.includes(clientData.origin))
    return invalid(`origin "${String(clientData.origin)}" is not one of the app's allowed_origins.`);
  if (clientData.crossOrigin === true || clientData.topOrigin !== undefined)
    return invalid("assertions from cross-origin iframes are not accepted.");

  const authData = Buffer.from(assertion.response.authenticatorData, "base64url");
  if (authData.length < 37) return invalid("authenticatorData is shorter than 37 bytes.");
  const rpIdHash = createHash("sha256").update(config.rp_id).digest();
  if (!sameBytes(authData.subarray(0, 32), rpIdHash))
    return invalid(`the RP ID hash is not that of rp_id "${config.rp_id}".`);
  const flags = authData[32] ?? 0;
  if (!(flags & FLAG_USER_PRESENT)) return invalid("the user was not present.");
  if (config.user_verification === "required" && !(flags & FLAG_USER_VERIFIED))
    return invalid("user verification is required, and the authenticator did not verify the user.");
  if (flags & FLAG_BACKUP_STATE && !(flags & FLAG_BACKUP_ELIGIBLE))
    return invalid("the backup state flag is set without the backup eligible flag.");

  const key = keys.keyOf(passkey.publicKey);
  if (!key) return invalid("the passkey's stored public key is of an unsupported kind.");
  const signed = Buffer.concat([
    authData,
    createHash("sha256").update(Buffer.from(assertion.response.clientDataJSON, "base64url")).digest(),
  ]);
  const signature = Buffer.from(assertion.response.signature, "base64url");
  let good = false;
  try {
    good =
      key.alg === -8
        ? verify(null, signed, key.key, signature)
        : verify(
            "sha256",
            signed,
            key.alg === -7 ? { key: key.key, dsaEncoding: "der" } : key.key,
            signature,
          );
  } catch {
    // A signature that is not even well-formed (bad DER) is as wrong as one that does not verify.
  }
  if (!good) return invalid("the signature does not verify with the passkey's public key.");

  const signCount = authData.readUInt32BE(33);
  if ((signCount > 0 || passkey.signCount > 0) && signCount <= passkey.signCount)
    return { ok: false, reason: "passkey_cloned", presented: signCount };
  return { ok: true, signCount };
}

import { createPublicKey, type KeyObject } from "node:crypto";
import { decodeCredentialPublicKey } from "@simplewebauthn/server/helpers";

export interface PasskeyKey {
  key: KeyObject;
  alg: -7 | -8 | -257;
}

/** COSE labels (RFC 9052, RFC 9053) of the three key types registration accepts. */
const COSE = { kty: 1, alg: 3, crv: -1, x: -2, y: -3, n: -1, e: -2 } as const;

const b64 = (bytes: unknown) => Buffer.from(bytes as Uint8Array).toString("base64url");

/**
 * A stored COSE public key as a node:crypto key and how it signs: ES256 on P-256, EdDSA on
 * Ed25519, or RS256 (RFC 8812) — the algorithms registration accepts. Null for anything else.
 */
function publicKeyOf(cose: string): PasskeyKey | null {
  try {
    const map = decodeCredentialPublicKey(new Uint8Array(Buffer.from(cose, "base64url"))) as Map<
      number,
      unknown
    >;
    const [kty, alg, crv] = [map.get(COSE.kty), map.get(COSE.alg), map.get(COSE.crv)];
    if (kty === 2 && alg === -7 && crv === 1)
      return {
        alg,
        key: createPublicKey({
          key: { kty: "EC", crv: "P-256", x: b64(map.get(COSE.x)), y: b64(map.get(COSE.y)) },
          format: "jwk",
        }),
      };
    if (kty === 1 && alg === -8 && crv === 6)
      return {
        alg,
        key: createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: b64(map.get(COSE.x)) }, format: "jwk" }),
      };
    if (kty === 3 && alg === -257)
      return {
        alg,
        key: createPublicKey({
          key: { kty: "RSA", n: b64(map.get(COSE.n)), e: b64(map.get(COSE.e)) },
          format: "jwk",
        }),
      };
  } catch {
    // A stored key that does not decode verifies nothing.
  }
  return null;
}

/**
 * Each node's imported passkey public keys, by their stored COSE form: importing one (decoding
 * CBOR, checking the point is on the curve) costs as much as the signature check it serves, and a
 * user signs in with the same passkey again and again. Bounded: the oldest entry goes first.
 */
export class PasskeyKeys {
  private readonly entries = new Map<string, PasskeyKey | null>();

  constructor(private readonly max = 10_000) {}

  keyOf(cose: string): PasskeyKey | null {
    const cached = this.entries.get(cose);
    if (cached !== undefined) return cached;
    const key = publicKeyOf(cose);
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(cose, key);
    return key;
  }
}

import { createHmac, generateKeyPairSync, type KeyObject, randomUUID, sign } from "node:crypto";

export interface ProofOptions {
  nonce?: string;
  jti?: string;
  iat?: number;
  htm?: string;
  htu?: string;
  /** Replaces or adds header members (e.g. `alg`, a private `d` in `jwk`). */
  header?: Record<string, unknown>;
  /** Signs with HMAC instead of the key (an HS256 proof). */
  hmacSecret?: string;
  /** No signature at all (`alg: none`). */
  unsigned?: boolean;
  /** An ECDSA signature in DER form instead of JOSE's r||s. */
  derSignature?: boolean;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** A DPoP key pair as the web SDK holds one: ES256 on P-256, proofs signed in JOSE (r||s) form. */
export class DpopKey {
  readonly privateKey: KeyObject;
  readonly jwk: { kty: string; crv: string; x: string; y: string };

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    this.privateKey = privateKey;
    const jwk = publicKey.export({ format: "jwk" }) as { kty: string; crv: string; x: string; y: string };
    this.jwk = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
  }

  proof(method: string, url: string, options: ProofOptions = {}): string {
    const header = {
      typ: "dpop+jwt",
      alg: options.unsigned ? "none" : options.hmacSecret ? "HS256" : "ES256",
      jwk: this.jwk,
      ...options.header,
    };
    const payload = {
      jti: options.jti ?? randomUUID(),
      htm: options.htm ?? method,
      htu: options.htu ?? url,
      iat: options.iat ?? Math.floor(Date.now() / 1000),
      ...(options.nonce !== undefined && { nonce: options.nonce }),
    };
    const input = `${b64(header)}.${b64(payload)}`;
    if (options.unsigned) return `${input}.`;
    const signature = options.hmacSecret
      ? createHmac("sha256", options.hmacSecret).update(input).digest()
      : sign("sha256", Buffer.from(input), {
          key: this.privateKey,
          dsaEncoding: options.derSignature ? "der" : "ieee-p1363",
        });
    return `${input}.${signature.toString("base64url")}`;
  }
}

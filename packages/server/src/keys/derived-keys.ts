import { hkdfSync } from "node:crypto";

/**
 * Independent 32-byte keys derived from the master key (HKDF-SHA256), one per purpose, so no key
 * is ever used for two things. Every node with the same master key derives the same keys, which
 * is what lets a nonce issued by one node be checked by another.
 */
export interface DerivedKeys {
  /** HMAC key of stateless DPoP nonces. */
  dpopNonce: Buffer;
  /** HMAC key deriving a refresh token's successor from the token (docs/sessions.md). */
  refreshSuccessor: Buffer;
  /** HMAC key of stored OTP codes: a leaked table alone does not allow an offline search of codes. */
  otpCode: Buffer;
  /** AES key sealing credentials inside app configs (SMTP passwords, gateway headers). */
  configSecrets: Buffer;
  /** AES key sealing secrets that came with imported password hashes (Firebase's signer key). */
  importedHashSecrets: Buffer;
  /** HMAC key deriving a social login's PKCE verifier and nonce towards the provider from its state. */
  oauthState: Buffer;
}

export function deriveKeys(masterKey: Buffer): DerivedKeys {
  const derive = (purpose: string) => Buffer.from(hkdfSync("sha256", masterKey, "overture/v1", purpose, 32));
  return {
    dpopNonce: derive("dpop-nonce"),
    // A new label: the key under the old one sealed successors with AES-GCM (before migration 0007).
    refreshSuccessor: derive("refresh-successor-hmac"),
    otpCode: derive("otp-code"),
    configSecrets: derive("config-secrets"),
    importedHashSecrets: derive("imported-hash-secrets"),
    oauthState: derive("oauth-state"),
  };
}

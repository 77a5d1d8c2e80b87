export interface SigningKeyRecord {
  id: string;
  appId: string;
  purpose: "token" | "hook";
  alg: "ES256" | "RS256" | "PS256";
  publicJwk: Record<string, unknown>;
  /** Encrypted with the master key (keys/key-encryption.ts). */
  privateKeySealed: string;
  createdAt: number;
  retiredAt: number | null;
  expiresAt: number | null;
}

export interface SigningKeyRepository {
  insert(key: SigningKeyRecord): Promise<void>;
  /** The newest unretired key for the purpose, or null. */
  current(appId: string, purpose: SigningKeyRecord["purpose"]): Promise<SigningKeyRecord | null>;
  /** Keys still to be published at `now` (unexpired), oldest first. */
  published(appId: string, purpose: SigningKeyRecord["purpose"], now: number): Promise<SigningKeyRecord[]>;
  /** Retires every unretired key of the purpose; they stay published until `expiresAt`. */
  retireAll(
    appId: string,
    purpose: SigningKeyRecord["purpose"],
    now: number,
    expiresAt: number,
  ): Promise<void>;
}

/** A user's WebAuthn credential (docs/passkeys.md). */
export interface PasskeyRecord {
  /** Overture's id (`pkc_…`), used in /me/passkeys/{id}. */
  id: string;
  appId: string;
  userId: string;
  /** The authenticator's credential id, base64url. */
  credentialId: string;
  /** The COSE public key, base64url. */
  publicKey: string;
  /** The signature counter last seen; a lower one later means a cloned authenticator. */
  signCount: number;
  transports: string[];
  backupEligible: boolean;
  backupState: boolean;
  aaguid: string;
  /** The RP ID it was registered under: it works under that one only. */
  rpId: string;
  nickname: string | null;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface PasskeyRepository {
  /** False when the app already has this credential id (registered before, by anyone). */
  insert(passkey: PasskeyRecord): Promise<boolean>;
  get(appId: string, id: string): Promise<PasskeyRecord | null>;
  findByCredentialId(appId: string, credentialId: string): Promise<PasskeyRecord | null>;
  /** A user's passkeys, oldest first. */
  listForUser(appId: string, userId: string): Promise<PasskeyRecord[]>;
  /** How many of the app's passkeys were registered under another RP ID than `rpId`. */
  countNotUnder(appId: string, rpId: string): Promise<number>;
  /** Null clears the nickname. False when the user has no such passkey. */
  rename(appId: string, userId: string, id: string, nickname: string | null): Promise<boolean>;
  /**
   * A use's new counter and time, only if the counter still is `expected` (compare and set: two
   * concurrent assertions with one counter cannot both pass). False when it changed meanwhile.
   */
  recordUse(appId: string, id: string, expected: number, signCount: number, now: number): Promise<boolean>;
  /** False when the user has no such passkey. */
  delete(appId: string, userId: string, id: string): Promise<boolean>;
}

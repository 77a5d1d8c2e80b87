import type { OAuthProvider } from "@overture/protocol";

/** A social login between its authorize and its callback (docs/social-login.md). */
export interface OAuthStateRecord {
  /** SHA-256 of the state sent to the provider; the state itself is never stored. */
  stateHash: string;
  appId: string;
  provider: OAuthProvider;
  /** SHA-256 of the browser-binding cookie the authorize set. */
  browserHash: string;
  redirectUri: string;
  /** The client's PKCE challenge, bound into the challenge token the callback issues. */
  codeChallenge: string;
  expiresAt: number;
  createdAt: number;
}

export interface OAuthStateRepository {
  create(record: OAuthStateRecord): Promise<void>;
  /** Deletes and returns the state's record: of callbacks racing with one state, one gets it. */
  take(appId: string, stateHash: string): Promise<OAuthStateRecord | null>;
  purgeExpired(now: number): Promise<number>;
}

import type { GrantMode, Identifier, StepUpStep } from "@overture/protocol";

/** One request for a scope by one session (docs/step-up.md, "Challenges"). */
export interface StepUpChallengeRecord {
  /** `chl_…`: the tokens' `challenge_id`. */
  id: string;
  appId: string;
  userId: string;
  sessionId: string;
  scope: string;
  grantMode: GrantMode;
  /** Seconds; what the grant lasts (single-use: caps its one token, 0 for no cap). */
  grantedFor: number;
  /** In order. */
  steps: StepUpStep[];
  stepsDone: number;
  /** The jti of the one token of this challenge that works now. */
  tokenJti: string;
  metadata: Record<string, string>;
  /** The identifier a register scope attaches once its OTP step is done. */
  registerIdentifier: Identifier | null;
  /** When the current token ends, epoch ms. */
  expiresAt: number;
  spentAt: number | null;
  createdAt: number;
}

export interface StepUpGrantRecord {
  id: string;
  appId: string;
  userId: string;
  /** Null for a profile-bound grant: every session of the user. */
  sessionId: string | null;
  scope: string;
  grantMode: GrantMode;
  expiresAt: number;
  createdAt: number;
}

export interface StepUpRepository {
  createChallenge(challenge: StepUpChallengeRecord): Promise<void>;
  getChallenge(appId: string, id: string): Promise<StepUpChallengeRecord | null>;
  /**
   * Compare-and-set on the current token: moves the challenge to `stepsDone` with a new token,
   * only if its token is still `fromJti` and it is unspent. False when another request won.
   */
  advance(
    id: string,
    fromJti: string,
    next: { stepsDone: number; tokenJti: string; expiresAt: number },
  ): Promise<boolean>;
  /** Marks the challenge spent if its token is still `jti` and it was not spent; true when this call did. */
  spend(id: string, jti: string, now: number): Promise<boolean>;
  addGrant(grant: StepUpGrantRecord): Promise<void>;
  /**
   * Uses up one unexpired grant of `scope` for this session (its own or the user's profile-bound
   * one); false when there was none.
   */
  consumeGrant(
    appId: string,
    userId: string,
    sessionId: string,
    scope: string,
    now: number,
  ): Promise<boolean>;
  /** Deletes challenges and grants that ended before `before`; returns how many. */
  purge(before: number): Promise<number>;
}

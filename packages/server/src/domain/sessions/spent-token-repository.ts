export interface SpentTokenRepository {
  /** Marks `jti` as used until `expiresAt`; false when it already was (a replay). Atomic. */
  markSpent(
    appId: string,
    kind: "challenge" | "dpop" | "verification" | "passkey",
    jti: string,
    expiresAt: number,
  ): Promise<boolean>;
  purgeExpired(now: number): Promise<number>;
}

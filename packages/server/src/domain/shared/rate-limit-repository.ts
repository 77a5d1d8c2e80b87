export interface RateLimitRepository {
  /** Counts one hit on `key` in the window starting at `windowStart`; returns the window's count. */
  hit(key: string, windowStart: number, expiresAt: number): Promise<number>;
  /** Takes back one hit of `key` in the window starting at `windowStart`, if that window is current. */
  refund(key: string, windowStart: number): Promise<void>;
  /**
   * Claims `key` at `now` if its last claim is at least `spacingMs` old (or it has none), atomically
   * across nodes; false when it is too recent.
   */
  claimSpaced(key: string, now: number, spacingMs: number, expiresAt: number): Promise<boolean>;
  purgeExpired(now: number): Promise<number>;
}

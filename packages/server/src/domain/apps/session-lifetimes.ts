/**
 * Default lifetimes of a new app's tokens, in seconds (docs/sessions.md). The migration that added
 * the columns uses the same values as column defaults.
 */
export const DEFAULT_LIFETIMES = {
  /** Access token: short, because it cannot be revoked before it expires. */
  accessTtlSeconds: 300,
  /** Session (refresh token family) absolute lifetime: 30 days from sign-in. */
  sessionTtlSeconds: 30 * 86_400,
  /** Idle limit: a session not refreshed for 7 days ends. */
  idleTtlSeconds: 7 * 86_400,
} as const;

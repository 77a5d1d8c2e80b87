import { pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";

/** A user as the legacy provider (think Auth0, Clerk, Firebase) holds it. */
export interface LegacyAccount {
  id: string;
  email: string;
  name: string;
  /** PBKDF2-SHA256, 100,000 iterations: what its export gives for password users. */
  password?: { salt: string; hash: string; iterations: number };
  /** Social accounts, named as such providers export them (`oauth_google`, Clerk's style). */
  externalAccounts?: { provider: string; providerUserId: string }[];
}

/**
 * A fake legacy auth provider: accounts, password login that issues opaque session tokens, token
 * validation, a batch read, and a password-hash export — the parts a migration touches.
 */
export function createLegacyProvider() {
  const accounts = new Map<string, LegacyAccount>();
  const sessions = new Map<string, string>();
  return {
    addAccount(account: Omit<LegacyAccount, "password">, password?: string) {
      const salt = randomBytes(16);
      const entry: LegacyAccount = {
        ...account,
        ...(password && {
          password: {
            salt: salt.toString("base64"),
            hash: pbkdf2Sync(password, salt, 100_000, 32, "sha256").toString("base64"),
            iterations: 100_000,
          },
        }),
      };
      accounts.set(account.id, entry);
      return entry;
    },
    /** The legacy login: a session token for the right password. */
    login(email: string, password: string): string {
      const account = [...accounts.values()].find((a) => a.email === email);
      const stored = account?.password;
      if (!account || !stored) throw new Error("legacy login failed");
      const computed = pbkdf2Sync(
        password,
        Buffer.from(stored.salt, "base64"),
        stored.iterations,
        32,
        "sha256",
      );
      if (!timingSafeEqual(computed, Buffer.from(stored.hash, "base64")))
        throw new Error("legacy login failed");
      const token = `lgc_${randomBytes(16).toString("hex")}`;
      sessions.set(token, account.id);
      return token;
    },
    /** What the customer's backend asks the provider to validate a legacy session. */
    verify(token: string): LegacyAccount | null {
      const id = sessions.get(token);
      return id ? (accounts.get(id) ?? null) : null;
    },
    /** Batch read, at most 100 ids per call, as most providers allow. */
    getAccounts(ids: string[]): LegacyAccount[] {
      if (ids.length > 100) throw new Error("at most 100 ids per call");
      return ids.flatMap((id) => accounts.get(id) ?? []);
    },
  };
}

export type LegacyProvider = ReturnType<typeof createLegacyProvider>;

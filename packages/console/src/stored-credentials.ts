import type { Credentials } from "./management-api.js";

const KEY = "overture.console.credentials";

/**
 * The API key lives in sessionStorage only: gone when the tab closes, never in a cookie (which
 * would ride along on every request to the server) nor in a URL (which logs and history keep).
 */
export const storedCredentials = {
  read(): Credentials | null {
    try {
      const value = JSON.parse(sessionStorage.getItem(KEY) ?? "null") as Partial<Credentials> | null;
      return value?.appId && value.apiKey ? { appId: value.appId, apiKey: value.apiKey } : null;
    } catch {
      return null;
    }
  },
  write(credentials: Credentials): void {
    sessionStorage.setItem(KEY, JSON.stringify(credentials));
  },
  clear(): void {
    sessionStorage.removeItem(KEY);
  },
};

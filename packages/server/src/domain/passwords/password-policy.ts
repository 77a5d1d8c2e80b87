import type { PasswordCompliancy } from "@overture/protocol";

export type { PasswordCompliancy };

/** Applies until an app has a password config (docs/users.md). */
export const DEFAULT_PASSWORD_COMPLIANCY: PasswordCompliancy = {
  min_length: 8,
  max_length: 0,
  uppercase: 0,
  lowercase: 0,
  numbers: 0,
  symbols: 0,
};

export type PasswordCheck =
  | { ok: true }
  | { ok: false; reason: "weak_password"; failed: (keyof PasswordCompliancy)[] };

/**
 * Counts code points the way the web SDK does (client-protocol.md §5.10), so a password the
 * SDK's local validation accepts is one the server accepts.
 */
export function checkPassword(password: string, rules: PasswordCompliancy): PasswordCheck {
  const counts = { length: 0, uppercase: 0, lowercase: 0, numbers: 0, symbols: 0 };
  for (const ch of password) {
    counts.length++;
    if (/\p{Lu}/u.test(ch)) counts.uppercase++;
    else if (/\p{Ll}/u.test(ch)) counts.lowercase++;
    else if (/\p{Nd}/u.test(ch)) counts.numbers++;
    else counts.symbols++;
  }
  const failed: (keyof PasswordCompliancy)[] = [];
  if (counts.length < rules.min_length) failed.push("min_length");
  if (rules.max_length > 0 && counts.length > rules.max_length) failed.push("max_length");
  for (const key of ["uppercase", "lowercase", "numbers", "symbols"] as const) {
    if (counts[key] < rules[key]) failed.push(key);
  }
  return failed.length === 0 ? { ok: true } : { ok: false, reason: "weak_password", failed };
}

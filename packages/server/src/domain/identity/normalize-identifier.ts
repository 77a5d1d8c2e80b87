import {
  type Identifier,
  type IdentifierInput,
  type IdentifierType,
  OAUTH_PROVIDERS,
} from "@overture/protocol";
import { parsePhoneNumberFromString } from "libphonenumber-js";

export type NormalizeResult =
  | { ok: true; identifier: Identifier }
  | { ok: false; reason: "invalid_identifier" };

// Deliberately simple: one @, no whitespace, a dotted domain. Full RFC 5322 parsing accepts
// addresses no mail system delivers to; deliverability is proven by OTP, not by syntax.
const EMAIL = /^[^\s@"<>()[\]\\,;:]+@[^\s@"<>()[\]\\,;:]+\.[^\s@"<>()[\]\\,;:.]+$/;

export function normalizeEmail(value: string): string | null {
  const email = value.trim().toLowerCase();
  if (email.length > 320 || !EMAIL.test(email)) return null;
  const [local = "", domain = ""] = email.split("@");
  if (local.length > 64 || domain.length > 255 || domain.startsWith(".") || domain.includes(".."))
    return null;
  return email;
}

/** E.164 only: the number must carry its country code (`+…`); there is no default region. */
export function normalizePhone(value: string): string | null {
  const trimmed = value.trim();
  if (!trimmed.startsWith("+") || /[a-z]/i.test(trimmed)) return null;
  const phone = parsePhoneNumberFromString(trimmed);
  return phone?.isValid() ? phone.number : null;
}

/** A provider's user id: 1–255 visible ASCII characters. */
const OAUTH_SUBJECT = /^[\x21-\x7e]{1,255}$/;
const OAUTH_PREFIX = new RegExp(`^(${OAUTH_PROVIDERS.join("|")}):`, "i");

/**
 * `<provider>:<provider user id>`: the provider one of the OAuth providers (lower-cased), the id
 * as the provider gives it (case kept: ids are case-sensitive).
 */
export function normalizeOAuthIdentity(value: string): string | null {
  const trimmed = value.trim();
  const colon = trimmed.indexOf(":");
  if (colon < 1) return null;
  const provider = trimmed.slice(0, colon).toLowerCase();
  const subject = trimmed.slice(colon + 1);
  if (!(OAUTH_PROVIDERS as readonly string[]).includes(provider) || !OAUTH_SUBJECT.test(subject)) return null;
  return `${provider}:${subject}`;
}

export function inferIdentifierType(value: string): IdentifierType | null {
  // Before the email test: an OAuth id may hold an `@`; an email never starts with `provider:`.
  if (OAUTH_PREFIX.test(value.trim())) return "oauth";
  if (value.includes("@")) return "email_address";
  if (value.trim().startsWith("+")) return "phone_number";
  return null;
}

export function normalizeIdentifier(input: IdentifierInput): NormalizeResult {
  const type = input.type ?? inferIdentifierType(input.value);
  if (type === null) return { ok: false, reason: "invalid_identifier" };
  const value =
    type === "email_address"
      ? normalizeEmail(input.value)
      : type === "phone_number"
        ? normalizePhone(input.value)
        : normalizeOAuthIdentity(input.value);
  return value === null
    ? { ok: false, reason: "invalid_identifier" }
    : { ok: true, identifier: { type, value } };
}

/** Normalises a list, dropping duplicates that only differed before normalisation. */
export function normalizeIdentifiers(inputs: IdentifierInput[]):
  | { ok: true; identifiers: Identifier[] }
  | {
      ok: false;
      reason: "invalid_identifier";
      index: number;
    } {
  const seen = new Set<string>();
  const identifiers: Identifier[] = [];
  for (const [index, input] of inputs.entries()) {
    const result = normalizeIdentifier(input);
    if (!result.ok) return { ok: false, reason: result.reason, index };
    const key = `${result.identifier.type}:${result.identifier.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    identifiers.push(result.identifier);
  }
  return { ok: true, identifiers };
}

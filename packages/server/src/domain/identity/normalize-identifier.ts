import type { Identifier, IdentifierInput, IdentifierType } from "@overture/protocol";
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

export function inferIdentifierType(value: string): IdentifierType | null {
  if (value.includes("@")) return "email_address";
  if (value.trim().startsWith("+")) return "phone_number";
  return null;
}

export function normalizeIdentifier(input: IdentifierInput): NormalizeResult {
  const type = input.type ?? inferIdentifierType(input.value);
  if (type === null) return { ok: false, reason: "invalid_identifier" };
  const value = type === "email_address" ? normalizeEmail(input.value) : normalizePhone(input.value);
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

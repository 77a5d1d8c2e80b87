import type { KeyObject } from "node:crypto";
import type { OAuthProvider } from "@overture/protocol";
import type { ProviderIdentity } from "../domain/oauth/identity-provider.js";
import { type JwsAlg, verifyJws } from "../domain/shared/jws.js";

/** A provider's clock may run ahead of ours by this much (`iat`, `nbf`). */
const SKEW_SECONDS = 300;

export interface IdTokenExpectations {
  provider: OAuthProvider;
  /** The discovery document's issuer; Microsoft's holds `{tenantid}`. */
  issuer: string;
  clientId: string;
  nonce: string;
  nowMs: number;
  keyFor: (kid: string) => Promise<{ key: KeyObject; alg: JwsAlg } | null>;
}

export type IdTokenResult =
  | { ok: true; claims: Record<string, unknown>; identity: ProviderIdentity }
  | { ok: false; detail: string };

/**
 * OpenID Connect Core §3.1.3.7: the signature by a key of the provider's JWKS under the alg
 * allow-list, `iss`, `aud` (and `azp` when there are several audiences), `exp`, `iat`, `nbf` and
 * the `nonce` this attempt sent. Then the identity, with the email trusted per provider (trust
 * model, docs/social-login.md).
 */
export async function checkIdToken(token: string, e: IdTokenExpectations): Promise<IdTokenResult> {
  const verified = await verifyJws(token, e.keyFor);
  if (!verified) return { ok: false, detail: "signature does not verify with the provider's keys" };
  const c = verified.payload;
  const now = Math.floor(e.nowMs / 1000);
  if (!issuerMatches(e, c)) return { ok: false, detail: `iss ${JSON.stringify(c.iss)} is not ${e.issuer}` };
  const aud = Array.isArray(c.aud) ? c.aud : [c.aud];
  if (!aud.includes(e.clientId)) return { ok: false, detail: "aud does not name this client" };
  if (aud.length > 1 && c.azp !== e.clientId) return { ok: false, detail: "azp is not this client" };
  if (typeof c.exp !== "number" || c.exp <= now) return { ok: false, detail: "the ID token has expired" };
  if (typeof c.iat !== "number" || c.iat > now + SKEW_SECONDS)
    return { ok: false, detail: "iat is in the future" };
  if (typeof c.nbf === "number" && c.nbf > now + SKEW_SECONDS)
    return { ok: false, detail: "nbf is in the future" };
  if (c.nonce !== e.nonce) return { ok: false, detail: "nonce does not match this sign-in" };
  if (typeof c.sub !== "string" || c.sub.length === 0 || c.sub.length > 255)
    return { ok: false, detail: "sub is missing or too long" };
  return { ok: true, claims: c, identity: identityOf(e.provider, c) };
}

function issuerMatches(e: IdTokenExpectations, c: Record<string, unknown>): boolean {
  if (typeof c.iss !== "string") return false;
  if (e.issuer.includes("{tenantid}")) {
    // Microsoft's common endpoint: the issuer is the signing tenant's, named by `tid`.
    return (
      typeof c.tid === "string" &&
      /^[A-Za-z0-9-]{1,64}$/.test(c.tid) &&
      c.iss === e.issuer.replace("{tenantid}", c.tid)
    );
  }
  // Google documents both forms of its issuer (OpenID Connect, "Validating an ID token").
  if (e.provider === "google" && e.issuer === "https://accounts.google.com")
    return c.iss === e.issuer || c.iss === "accounts.google.com";
  return c.iss === e.issuer;
}

/**
 * Who signed in, from ID token (or userinfo) claims. The email is trusted only when the provider
 * vouches for it: `email_verified` true (Apple sends the string "true"); for Microsoft, whose
 * `email` claim is mutable by tenant admins and carries no `email_verified`, only with the
 * `xms_edov` (email domain owner verified) optional claim.
 */
export function identityOf(provider: OAuthProvider, c: Record<string, unknown>): ProviderIdentity {
  const email = typeof c.email === "string" && c.email.length <= 320 ? c.email.trim().toLowerCase() : null;
  const verified =
    provider === "microsoft"
      ? c.xms_edov === true || c.xms_edov === "true" || c.xms_edov === 1
      : c.email_verified === true || c.email_verified === "true";
  return {
    subject: String(c.sub),
    email: email || null,
    emailVerified: email !== null && verified,
    ...(typeof c.given_name === "string" && { givenName: c.given_name.slice(0, 256) }),
    ...(typeof c.family_name === "string" && { familyName: c.family_name.slice(0, 256) }),
  };
}

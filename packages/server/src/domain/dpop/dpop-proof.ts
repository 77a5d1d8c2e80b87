import { createHash, createPublicKey, type KeyObject } from "node:crypto";
import { decodeJsonPart, verifySignature } from "../shared/jws.js";

/** Proof `iat` may differ from the server clock by this much either way. Nonces give freshness. */
export const IAT_WINDOW_MS = 5 * 60_000;

export type DpopFailure = {
  ok: false;
  reason: "dpop_missing" | "dpop_invalid" | "dpop_nonce_required";
  message: string;
};

export interface DpopProof {
  ok: true;
  /** RFC 7638 thumbprint of the proof key: what a session is bound to. */
  jkt: string;
  jti: string;
  iat: number;
  nonce: unknown;
}

const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "k", "oth"];

const fail = (reason: DpopFailure["reason"], message: string): DpopFailure => ({
  ok: false,
  reason,
  message,
});

/**
 * RFC 9449 §4.3 checks that need no state: a compact JWS with `typ: dpop+jwt`, an asymmetric `alg`
 * (ES256 or EdDSA; never `none` or HMAC), a public-only `jwk` that verifies the signature, and
 * `htm`, `htu` and `iat` matching this request. Nonce and `jti` replay are checked by the caller.
 */
export async function parseDpopProof(
  proof: string | undefined,
  method: string,
  url: string,
  now: number,
): Promise<DpopProof | DpopFailure> {
  if (!proof) return fail("dpop_missing", "This endpoint requires a DPoP proof.");
  if (proof.length > 8192) return fail("dpop_invalid", "The DPoP proof is too large.");
  const parts = proof.split(".");
  if (parts.length !== 3) return fail("dpop_invalid", "The DPoP proof is not a compact JWS.");
  const [h = "", p = "", s = ""] = parts;
  const header = decodeJsonPart(h);
  const payload = decodeJsonPart(p);
  if (!header || !payload) return fail("dpop_invalid", "The DPoP proof is not valid JSON.");
  if (header.typ !== "dpop+jwt") return fail("dpop_invalid", "The DPoP proof must have typ dpop+jwt.");
  const jwk = header.jwk as Record<string, unknown> | undefined;
  if (typeof jwk !== "object" || jwk === null || Array.isArray(jwk)) {
    return fail("dpop_invalid", "The DPoP proof must carry its public key in jwk.");
  }
  if (PRIVATE_MEMBERS.some((m) => m in jwk))
    return fail("dpop_invalid", "The DPoP jwk must not contain private key members.");
  const known = publicKeyFor(header.alg, jwk);
  if (!known)
    return fail("dpop_invalid", "Unsupported DPoP alg or key (ES256 with P-256, or EdDSA with Ed25519).");
  const signed = Buffer.from(`${h}.${p}`, "ascii");
  const signature = Buffer.from(s, "base64url");
  const valid =
    known.alg === "ES256"
      ? await verifySignature("sha256", signed, { key: known.key, dsaEncoding: "ieee-p1363" }, signature)
      : await verifySignature(null, signed, known.key, signature);
  if (!valid) return fail("dpop_invalid", "The DPoP proof signature does not verify.");

  const { jti, htm, htu, iat } = payload;
  if (typeof jti !== "string" || jti.length === 0 || jti.length > 128)
    return fail("dpop_invalid", "The DPoP proof needs a jti.");
  if (htm !== method) return fail("dpop_invalid", "The DPoP proof htm does not match the request method.");
  // An exact match (what clients send) needs no parsing; otherwise compare as RFC 9449 says.
  if (typeof htu !== "string" || (htu !== url && normalizeHtu(htu) !== normalizeHtu(url))) {
    return fail("dpop_invalid", "The DPoP proof htu does not match the request URL.");
  }
  if (typeof iat !== "number" || !Number.isFinite(iat))
    return fail("dpop_invalid", "The DPoP proof needs a numeric iat.");
  if (Math.abs(iat * 1000 - now) > IAT_WINDOW_MS)
    return fail("dpop_invalid", "The DPoP proof iat is outside the accepted window.");
  return { ok: true, jkt: known.jkt, jti, iat, nonce: payload.nonce };
}

/** The two accepted proof key shapes, read strictly: exact strings, nothing coerced. */
type ProofKeyParams =
  | { alg: "ES256"; kty: "EC"; crv: "P-256"; x: string; y: string }
  | { alg: "EdDSA"; kty: "OKP"; crv: "Ed25519"; x: string };

function proofKeyParams(alg: unknown, jwk: Record<string, unknown>): ProofKeyParams | null {
  const { kty, crv, x, y } = jwk;
  if (alg === "ES256" && kty === "EC" && crv === "P-256" && typeof x === "string" && typeof y === "string")
    return { alg, kty, crv, x, y };
  if (alg === "EdDSA" && kty === "OKP" && crv === "Ed25519" && typeof x === "string")
    return { alg, kty, crv, x };
  return null;
}

/**
 * Memo of the KeyObjects built from proof JWKs, with their thumbprints: a client proves with the
 * same key on every call, and building a KeyObject from a JWK was ~5% of the server's CPU under
 * refresh load. A pure function's cache, bounded, so it holds no state that matters. It is keyed
 * only by parameters that passed the strict checks: a key seen once must not lend its KeyObject
 * to a header whose `alg` merely stringifies the same (e.g. `["ES256"]`).
 */
const keyMemo = new Map<string, { key: KeyObject; jkt: string; alg: ProofKeyParams["alg"] }>();
const KEY_MEMO_MAX = 10_000;

function publicKeyFor(
  alg: unknown,
  jwk: Record<string, unknown>,
): { key: KeyObject; jkt: string; alg: ProofKeyParams["alg"] } | null {
  const params = proofKeyParams(alg, jwk);
  if (!params) return null;
  const memoKey = params.kty === "EC" ? `ES256|${params.x}|${params.y}` : `EdDSA|${params.x}`;
  const known = keyMemo.get(memoKey);
  if (known) return known;
  const key = buildPublicKey(params);
  if (!key) return null;
  const entry = { key, jkt: thumbprint(jwk), alg: params.alg };
  if (keyMemo.size >= KEY_MEMO_MAX) keyMemo.delete(keyMemo.keys().next().value as string);
  keyMemo.set(memoKey, entry);
  return entry;
}

function buildPublicKey(params: ProofKeyParams): KeyObject | null {
  try {
    const { alg: _alg, ...jwk } = params;
    return createPublicKey({ key: jwk, format: "jwk" });
  } catch {
    return null;
  }
}

/** RFC 7638: SHA-256 over the required members in lexicographic order. */
export function thumbprint(jwk: Record<string, unknown>): string {
  const members =
    jwk.kty === "EC"
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
      : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return createHash("sha256").update(JSON.stringify(members)).digest("base64url");
}

/** RFC 9449 §4.3: compare without query and fragment; scheme and host case-insensitively. */
function normalizeHtu(value: string): string | null {
  try {
    const url = new URL(value);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return null;
  }
}

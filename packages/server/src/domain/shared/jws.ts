import { type KeyObject, sign, type VerifyKeyObjectInput, verify } from "node:crypto";

export type JwsAlg = "ES256" | "RS256";

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/**
 * Compact JWS (RFC 7515) with node:crypto directly: these run on every finalize, refresh and
 * Bearer call, where a general-purpose JOSE library's overhead was measurable (docs/benchmarks.md).
 * ES256 signatures are raw r||s (RFC 7518 §3.4); RS256 is PKCS#1 v1.5 with SHA-256.
 */
export async function signJws(
  header: Record<string, unknown> & { alg: JwsAlg },
  payload: Record<string, unknown>,
  key: KeyObject,
): Promise<string> {
  const input = `${b64(header)}.${b64(payload)}`;
  const signature = await new Promise<Buffer>((resolve, reject) =>
    sign(
      "sha256",
      Buffer.from(input),
      header.alg === "ES256" ? { key, dsaEncoding: "ieee-p1363" } : key,
      (error, result) => (error ? reject(error) : resolve(result)),
    ),
  );
  return `${input}.${signature.toString("base64url")}`;
}

/**
 * node:crypto's callback form, which runs on libuv's thread pool: signature checks are the largest
 * single CPU cost of a refresh, and off the event loop they use a second core
 * (docs/benchmarks.md). `false` for a malformed signature, as the synchronous form.
 */
export function verifySignature(
  algorithm: "sha256" | null,
  data: Buffer,
  key: VerifyKeyObjectInput | KeyObject,
  signature: Buffer,
): Promise<boolean> {
  return new Promise((resolve) =>
    verify(algorithm, data, key, signature, (error, ok) => resolve(!error && ok)),
  );
}

export interface VerifiedJws {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

/**
 * Verifies a compact JWS whose key is found by `kid`. The `alg` must be the one the key is for —
 * never `none`, never HMAC, never another family (the classic algorithm-confusion attacks).
 * Returns null for anything that does not verify; claims are the caller's to check.
 */
export async function verifyJws(
  token: string,
  keyFor: (kid: string) => Promise<{ key: KeyObject; alg: JwsAlg } | null>,
): Promise<VerifiedJws | null> {
  if (token.length > 16_384) return null;
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const [h = "", p = "", s = ""] = parts;
  const header = decodeJsonPart(h);
  const payload = decodeJsonPart(p);
  if (!header || !payload || typeof header.kid !== "string") return null;
  const found = await keyFor(header.kid);
  if (!found || header.alg !== found.alg) return null;
  const input = Buffer.from(`${h}.${p}`);
  const signature = Buffer.from(s, "base64url");
  const ok = await verifySignature(
    "sha256",
    input,
    found.alg === "ES256" ? { key: found.key, dsaEncoding: "ieee-p1363" } : found.key,
    signature,
  );
  return ok ? { header, payload } : null;
}

/** Time claims, strictly: `exp` in the future, `nbf` (when present) not. Seconds. */
export function timeClaims(payload: Record<string, unknown>, nowMs: number): "valid" | "expired" | "invalid" {
  const now = Math.floor(nowMs / 1000);
  if (typeof payload.exp !== "number") return "invalid";
  if (typeof payload.nbf === "number" && payload.nbf > now) return "invalid";
  return payload.exp > now ? "valid" : "expired";
}

/** Decodes a base64url JSON object (a compact JWS part, WebAuthn client data); null for anything else. */
export function decodeJsonPart(part: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

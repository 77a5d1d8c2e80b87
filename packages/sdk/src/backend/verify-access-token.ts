import { base64UrlDecode } from "../base64url.js";
import { JwksCache } from "./jwks-cache.js";

/** The claims of an Overture access token (docs/sessions.md). */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  sid: string;
  scope: string;
  external_id?: string;
  iat: number;
  nbf?: number;
  exp: number;
  jti: string;
}

export type TokenErrorCode =
  | "malformed"
  | "bad_signature"
  | "expired"
  | "not_yet_valid"
  | "wrong_issuer"
  | "wrong_type"
  | "missing_external_id";

export class TokenVerificationError extends Error {
  readonly code: TokenErrorCode;
  constructor(code: TokenErrorCode, message: string) {
    super(message);
    this.name = "TokenVerificationError";
    this.code = code;
  }
}

export interface AccessTokenVerifierOptions {
  /** The Frontend API origin the tokens name as `iss`, e.g. `https://auth.example.com`. */
  issuer: string;
  /** Default `<issuer>/.well-known/jwks.json`. */
  jwksUrl?: string;
  fetch?: typeof fetch;
  /** Allowed clock difference for exp/nbf, seconds; default 30. */
  clockToleranceSeconds?: number;
  now?: () => number;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * Verifies Overture access tokens on a backend: signature by a key of the app's JWKS (cached,
 * refetched on rotation), `typ: at+jwt`, issuer, and time. By default a token must carry an
 * `external_id`; only a sign-up bootstrap endpoint should pass `allowMissingExternalId`
 * (docs/migration.md, seed 002 step 4).
 */
export function createAccessTokenVerifier(options: AccessTokenVerifierOptions) {
  const issuer = options.issuer.replace(/\/+$/, "");
  const now = options.now ?? Date.now;
  const tolerance = options.clockToleranceSeconds ?? 30;
  const jwks = new JwksCache({
    url: options.jwksUrl ?? `${issuer}/.well-known/jwks.json`,
    ...(options.fetch && { fetch: options.fetch }),
    now,
  });

  return async function verifyAccessToken(
    token: string,
    opts: { allowMissingExternalId?: boolean } = {},
  ): Promise<AccessTokenClaims> {
    const parts = token.split(".");
    if (parts.length !== 3 || token.length > 16_384)
      throw new TokenVerificationError("malformed", "not a compact JWS");
    const [h = "", p = "", s = ""] = parts;
    let header: { alg?: unknown; kid?: unknown; typ?: unknown };
    let claims: Partial<AccessTokenClaims>;
    try {
      header = JSON.parse(decoder.decode(base64UrlDecode(h)));
      claims = JSON.parse(decoder.decode(base64UrlDecode(p)));
    } catch {
      throw new TokenVerificationError("malformed", "the token is not base64url JSON");
    }
    if (typeof header.kid !== "string" || typeof header.alg !== "string")
      throw new TokenVerificationError("malformed", "the token names no key");
    if (header.typ !== "at+jwt") throw new TokenVerificationError("wrong_type", "not an access token");
    const signed = await jwks.verify(header.kid, header.alg, encoder.encode(`${h}.${p}`), base64UrlDecode(s));
    if (!signed) throw new TokenVerificationError("bad_signature", "the signature does not verify");
    if (claims.iss !== issuer)
      throw new TokenVerificationError("wrong_issuer", `issued by ${String(claims.iss)}`);
    const t = Math.floor(now() / 1000);
    if (typeof claims.exp !== "number" || claims.exp + tolerance <= t)
      throw new TokenVerificationError("expired", "the token has expired");
    if (typeof claims.nbf === "number" && claims.nbf - tolerance > t)
      throw new TokenVerificationError("not_yet_valid", "the token is not valid yet");
    if (typeof claims.sub !== "string" || typeof claims.sid !== "string")
      throw new TokenVerificationError("malformed", "the token has no subject");
    if (!opts.allowMissingExternalId && typeof claims.external_id !== "string")
      throw new TokenVerificationError("missing_external_id", "the user has no external_id yet");
    return claims as AccessTokenClaims;
  };
}

export type AccessTokenVerifier = ReturnType<typeof createAccessTokenVerifier>;

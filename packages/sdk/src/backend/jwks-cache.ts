import type { webcrypto } from "node:crypto";

// Types only (erased at build): the WebCrypto API itself is the global one, so this runs on Node
// 20+, Deno, Bun and edge runtimes.
type CryptoKey = webcrypto.CryptoKey;
type ImportParams = webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams;
type VerifyParams = webcrypto.AlgorithmIdentifier | webcrypto.EcdsaParams | webcrypto.RsaPssParams;

/** One key of a JWKS document, as Overture publishes them. */
export interface Jwk {
  kid: string;
  kty: string;
  alg: string;
  use?: string;
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
}

export interface JwksCacheOptions {
  /** e.g. `https://auth.example.com/.well-known/jwks.json`. */
  url: string;
  fetch?: typeof fetch;
  /** How long a fetched document is used; default 5 minutes (the server's Cache-Control). */
  ttlMs?: number;
  /** Fewest milliseconds between two fetches caused by unknown kids; default 10 s. */
  minRefetchMs?: number;
  now?: () => number;
}

const ALGORITHMS: Record<string, { import: ImportParams; verify: VerifyParams }> = {
  ES256: { import: { name: "ECDSA", namedCurve: "P-256" }, verify: { name: "ECDSA", hash: "SHA-256" } },
  RS256: { import: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, verify: { name: "RSASSA-PKCS1-v1_5" } },
  PS256: { import: { name: "RSA-PSS", hash: "SHA-256" }, verify: { name: "RSA-PSS", saltLength: 32 } },
};

/**
 * An app's JWKS, fetched on first use, kept for `ttlMs`, and fetched again early on an unknown kid
 * (a key rotation) at most every `minRefetchMs`, so random kids cannot turn into a request flood.
 * WebCrypto only: it runs in Node 20+, browsers, Deno and edge runtimes alike.
 */
export class JwksCache {
  private keys = new Map<string, { jwk: Jwk; key: Promise<CryptoKey> }>();
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private unknownKidFetchAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | null = null;
  private readonly o: Required<Omit<JwksCacheOptions, "fetch">> & { fetch: typeof fetch };

  constructor(options: JwksCacheOptions) {
    this.o = {
      ttlMs: 300_000,
      minRefetchMs: 10_000,
      now: Date.now,
      ...options,
      fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
    };
  }

  /**
   * Verifies `signature` over `data` with the key `kid`, which must be for `alg`; false for an
   * unknown kid, an algorithm mismatch or a bad signature.
   */
  async verify(kid: string, alg: string, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
    const params = ALGORITHMS[alg];
    if (!params) return false;
    const entry = await this.find(kid);
    // The key decides the algorithm: a token cannot pick a weaker or different one for it.
    if (!entry || entry.jwk.alg !== alg) return false;
    try {
      return await crypto.subtle.verify(params.verify, await entry.key, signature, data);
    } catch {
      return false;
    }
  }

  private async find(kid: string) {
    const now = this.o.now();
    if (now - this.fetchedAt > this.o.ttlMs) await this.refresh();
    const found = this.keys.get(kid);
    // An unknown kid is usually a rotation: fetch again, but not more than once per interval, so
    // tokens with made-up kids cannot turn into a flood of requests.
    if (found || now - this.unknownKidFetchAt < this.o.minRefetchMs) return found ?? null;
    this.unknownKidFetchAt = now;
    await this.refresh();
    return this.keys.get(kid) ?? null;
  }

  private refresh(): Promise<void> {
    this.inFlight ??= (async () => {
      try {
        const res = await this.o.fetch(this.o.url, { signal: AbortSignal.timeout(10_000) });
        if (!res.ok) throw new Error(`JWKS ${this.o.url} answered ${res.status}`);
        const doc = (await res.json()) as { keys?: Jwk[] };
        const keys = new Map<string, { jwk: Jwk; key: Promise<CryptoKey> }>();
        for (const jwk of doc.keys ?? []) {
          const params = ALGORITHMS[jwk.alg];
          if (!params || typeof jwk.kid !== "string") continue;
          const { kid: _kid, alg: _alg, use: _use, ...material } = jwk;
          keys.set(jwk.kid, {
            jwk,
            key: crypto.subtle.importKey("jwk", material as webcrypto.JsonWebKey, params.import, false, [
              "verify",
            ]),
          });
        }
        this.keys = keys;
        this.fetchedAt = this.o.now();
      } finally {
        this.inFlight = null;
      }
    })();
    return this.inFlight;
  }
}

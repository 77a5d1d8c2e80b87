import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import type { TokenAlg } from "../domain/apps/app-repository.js";
import type { SigningKeyRecord } from "../domain/apps/signing-key-repository.js";
import type { Clock } from "../domain/shared/clock.js";
import { newId } from "../domain/shared/new-id.js";
import type { Store } from "../domain/shared/store.js";
import { decryptSecret, encryptSecret } from "./key-encryption.js";

const generate = promisify(generateKeyPair);

/** An unknown `kid` rereads an app's published keys at most this often (docs/keys.md). */
export const KID_MISS_REFETCH_MS = 10_000;

export interface ActiveKey {
  kid: string;
  alg: TokenAlg;
  privateKey: KeyObject;
}

export interface PublicJwk extends Record<string, unknown> {
  kid: string;
  alg: string;
  use: "sig";
  kty: string;
}

export interface KeyRingOptions {
  store: Store;
  masterKey: Buffer;
  clock: Clock;
  /** How long a node reuses what it read (current key, JWKS). Rotations reach other nodes within it. */
  cacheTtlMs?: number;
  /**
   * How long a retired key stays published. It must outlive every token the key signed: access
   * tokens (at most 24 h: the `access_token_ttl_seconds` bound of /config/session) and challenge
   * tokens (minutes).
   */
  retentionMs?: number;
}

interface Cached<T> {
  value: T;
  until: number;
}

/**
 * The signing keys of every app: creation (private part sealed with the master key), the current
 * key for signing, the public keys for JWKS and verification, and rotation. Decrypted keys are
 * cached per node for `cacheTtlMs`.
 */
export class KeyRing {
  private readonly store: Store;
  private readonly masterKey: Buffer;
  private readonly clock: Clock;
  private readonly cacheTtlMs: number;
  readonly retentionMs: number;
  private readonly current = new Map<string, Cached<ActiveKey>>();
  private readonly hookKeys = new Map<string, Cached<{ kid: string; privateKey: KeyObject }>>();
  private readonly creatingHookKeys = new Map<string, Promise<{ kid: string; privateKey: KeyObject }>>();
  private readonly kidMissRefetchedAt = new Map<string, number>();
  private readonly publicKeys = new Map<
    string,
    Cached<{ jwks: PublicJwk[]; byKid: Map<string, { key: KeyObject; alg: TokenAlg }> }>
  >();

  constructor(options: KeyRingOptions) {
    this.store = options.store;
    this.masterKey = options.masterKey;
    this.clock = options.clock;
    this.cacheTtlMs = options.cacheTtlMs ?? 30_000;
    this.retentionMs = options.retentionMs ?? 25 * 3600_000;
  }

  /** A fresh key for `appId`, sealed and ready to insert (inside the caller's transaction). */
  async newKey(
    appId: string,
    alg: SigningKeyRecord["alg"],
    now: number,
    purpose: SigningKeyRecord["purpose"] = "token",
  ): Promise<SigningKeyRecord> {
    const { privateKey, publicKey } =
      alg === "ES256"
        ? await generate("ec", { namedCurve: "prime256v1" })
        : await generate("rsa", { modulusLength: 2048 });
    const id = newId("sig", now);
    const pem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    return {
      id,
      appId,
      purpose,
      alg,
      publicJwk: { ...publicKey.export({ format: "jwk" }), kid: id, alg, use: "sig" },
      privateKeySealed: encryptSecret(this.masterKey, pem, id),
      createdAt: now,
      retiredAt: null,
      expiresAt: null,
    };
  }

  /** The key that signs the app's tokens now. An app without one (created before keys existed) gets one. */
  async signingKey(app: { id: string; tokenAlg: TokenAlg }): Promise<ActiveKey> {
    const now = this.clock.now();
    const cached = this.current.get(app.id);
    if (cached && cached.until > now && cached.value.alg === app.tokenAlg) return cached.value;
    let record = await this.store.signingKeys.current(app.id, "token");
    if (!record || record.alg !== app.tokenAlg) record = await this.rotate(app.id, app.tokenAlg);
    const value: ActiveKey = {
      kid: record.id,
      alg: record.alg as TokenAlg,
      privateKey: createPrivateKey(decryptSecret(this.masterKey, record.privateKeySealed, record.id)),
    };
    this.current.set(app.id, { value, until: now + this.cacheTtlMs });
    return value;
  }

  /**
   * The key that signs the app's migration hook requests: RSA with RSASSA-PSS (PS256), published in
   * the JWKS next to the token keys, and never accepted for tokens. Made on first use.
   */
  async hookKey(appId: string): Promise<{ kid: string; privateKey: KeyObject }> {
    const now = this.clock.now();
    const cached = this.hookKeys.get(appId);
    if (cached && cached.until > now) return cached.value;
    let pending = this.creatingHookKeys.get(appId);
    if (!pending) {
      pending = this.loadOrCreateHookKey(appId, now).finally(() => this.creatingHookKeys.delete(appId));
      this.creatingHookKeys.set(appId, pending);
    }
    const value = await pending;
    this.hookKeys.set(appId, { value, until: now + this.cacheTtlMs });
    return value;
  }

  private async loadOrCreateHookKey(appId: string, now: number) {
    let record = await this.store.signingKeys.current(appId, "hook");
    if (!record) {
      // Two nodes may both create one; both stay published and the newer one signs.
      record = await this.newKey(appId, "PS256", now, "hook");
      await this.store.signingKeys.insert(record);
      this.publicKeys.delete(appId);
    }
    return {
      kid: record.id,
      privateKey: createPrivateKey(decryptSecret(this.masterKey, record.privateKeySealed, record.id)),
    };
  }

  /** The app's published public keys, as the JWKS document lists them. */
  async jwks(appId: string): Promise<PublicJwk[]> {
    return (await this.published(appId)).jwks;
  }

  /**
   * The public key for `kid`, with its algorithm, if the app still publishes it. An unknown kid
   * may be a key another node just made, so it rereads the published keys — but at most once per
   * `KID_MISS_REFETCH_MS` per app: tokens with random kids must not turn every request into a
   * database read and a rebuild of every public key.
   */
  async verificationKey(appId: string, kid: string): Promise<{ key: KeyObject; alg: TokenAlg } | null> {
    const found = (await this.published(appId)).byKid.get(kid);
    if (found) return found;
    const now = this.clock.now();
    if (now - (this.kidMissRefetchedAt.get(appId) ?? Number.NEGATIVE_INFINITY) < KID_MISS_REFETCH_MS)
      return null;
    this.kidMissRefetchedAt.set(appId, now);
    this.publicKeys.delete(appId);
    return (await this.published(appId)).byKid.get(kid) ?? null;
  }

  /**
   * Makes a new key current and retires the others, which stay published for `retentionMs` so
   * tokens they signed keep verifying until they expire.
   */
  async rotate(appId: string, alg: TokenAlg): Promise<SigningKeyRecord> {
    const now = this.clock.now();
    const record = await this.newKey(appId, alg, now);
    await this.store.transaction(async (tx) => {
      await tx.signingKeys.retireAll(appId, "token", now, now + this.retentionMs);
      await tx.signingKeys.insert(record);
    });
    this.current.delete(appId);
    this.publicKeys.delete(appId);
    return record;
  }

  private async published(appId: string) {
    const now = this.clock.now();
    const cached = this.publicKeys.get(appId);
    if (cached && cached.until > now) return cached.value;
    const records = await this.store.signingKeys.published(appId, "token", now);
    const hookRecords = await this.store.signingKeys.published(appId, "hook", now);
    // Hook keys are listed for receivers of hook requests, but only token keys verify tokens.
    const jwks = [...records, ...hookRecords].map((r) => r.publicJwk as PublicJwk);
    const byKid = new Map(
      records.map((r) => [
        r.id,
        { key: createPublicKey({ key: r.publicJwk, format: "jwk" }), alg: r.alg as TokenAlg },
      ]),
    );
    const value = { jwks, byKid };
    this.publicKeys.set(appId, { value, until: now + this.cacheTtlMs });
    return value;
  }
}

import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";

/** The smallest CBOR encoder WebAuthn needs (RFC 8949): integers, byte and text strings, maps. */
function cbor(value: unknown): Buffer {
  const head = (major: number, n: number) => {
    if (n < 24) return Buffer.from([(major << 5) | n]);
    if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
    if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
    const b = Buffer.alloc(5);
    b[0] = (major << 5) | 26;
    b.writeUInt32BE(n, 1);
    return b;
  };
  if (typeof value === "number") return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (Buffer.isBuffer(value)) return Buffer.concat([head(2, value.length), value]);
  if (typeof value === "string") {
    const text = Buffer.from(value, "utf8");
    return Buffer.concat([head(3, text.length), text]);
  }
  if (value instanceof Map)
    return Buffer.concat([head(5, value.size), ...[...value].flatMap(([k, v]) => [cbor(k), cbor(v)])]);
  throw new Error(`cbor: cannot encode ${typeof value}`);
}

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest();

/** A key pair of `alg` and its COSE public key (RFC 9053): EC2 P-256, OKP Ed25519 or RSA. */
function newKey(alg: -7 | -8 | -257): { privateKey: KeyObject; cose: Buffer } {
  const bytes = (v: string | undefined) => Buffer.from(v ?? "", "base64url");
  if (alg === -8) {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const { x } = publicKey.export({ format: "jwk" });
    return {
      privateKey,
      cose: cbor(
        new Map<number, unknown>([
          [1, 1],
          [3, -8],
          [-1, 6],
          [-2, bytes(x)],
        ]),
      ),
    };
  }
  if (alg === -257) {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const { n, e } = publicKey.export({ format: "jwk" });
    return {
      privateKey,
      cose: cbor(
        new Map<number, unknown>([
          [1, 3],
          [3, -257],
          [-1, bytes(n)],
          [-2, bytes(e)],
        ]),
      ),
    };
  }
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const { x, y } = publicKey.export({ format: "jwk" });
  return {
    privateKey,
    cose: cbor(
      new Map<number, unknown>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, bytes(x)],
        [-3, bytes(y)],
      ]),
    ),
  };
}
const b64u = (b: Buffer) => b.toString("base64url");

interface SoftCredential {
  id: Buffer;
  privateKey: KeyObject;
  alg: -7 | -8 | -257;
  cose: Buffer;
  userHandle: string;
  rpId: string;
  signCount: number;
}

export interface CeremonyOptions {
  /** The page's origin in clientDataJSON. */
  origin?: string;
  /** Whether the authenticator verified the user (UV flag). */
  userVerified?: boolean;
  /** Overrides the counter this response reports (a cloned authenticator's stale one). */
  signCount?: number;
  /** Signs for another RP ID hash than the options name. */
  rpId?: string;
  /** Replaces the challenge in clientDataJSON. */
  challenge?: string;
  /** Registers this existing credential again instead of a new one. */
  reuse?: string;
  /** The new credential's algorithm: ES256 (default), EdDSA or RS256. */
  alg?: -7 | -8 | -257;
  /** Clears the user-present flag. */
  userAbsent?: boolean;
  /** Sets more flag bits (0x10: backup state). */
  extraFlags?: number;
  /** clientDataJSON's crossOrigin. */
  crossOrigin?: boolean;
  /** clientDataJSON's type. */
  type?: string;
}

/**
 * A WebAuthn authenticator in software for server-side tests: ES256 credentials, `none`
 * attestation, a signature counter per credential, and levers for every flag and field a hostile
 * client could set. The browser suite uses Chromium's own virtual authenticator instead.
 */
export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];

  constructor(private readonly origin: string) {}

  /** What `navigator.credentials.create` would answer to `options` (the JSON the server sent). */
  // biome-ignore lint/suspicious/noExplicitAny: options are the server's JSON, read field by field
  create(options: any, o: CeremonyOptions = {}) {
    const reused = this.credentials.find((c) => b64u(c.id) === o.reuse);
    const { privateKey, cose: made } = newKey(o.alg ?? -7);
    const cose = reused?.cose ?? made;
    const rpId = o.rpId ?? options.rp.id;
    const credential: SoftCredential = reused ?? {
      id: randomBytes(16),
      privateKey,
      alg: o.alg ?? -7,
      cose,
      userHandle: options.user.id,
      rpId: options.rp.id,
      signCount: 0,
    };
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credential.id.length);
    const authData = Buffer.concat([
      this.authData(rpId, 0x40, o, 0),
      Buffer.alloc(16), // AAGUID: none given with `none` attestation
      idLength,
      credential.id,
      cose,
    ]);
    const attestationObject = cbor(
      new Map<string, unknown>([
        ["fmt", "none"],
        ["attStmt", new Map()],
        ["authData", authData],
      ]),
    );
    if (!reused) this.credentials.push(credential);
    return {
      id: b64u(credential.id),
      rawId: b64u(credential.id),
      type: "public-key",
      response: {
        clientDataJSON: this.clientData("webauthn.create", options.challenge, o),
        attestationObject: b64u(attestationObject),
        transports: ["internal"],
      },
      authenticatorAttachment: "platform",
      clientExtensionResults: {},
    };
  }

  /**
   * What `navigator.credentials.get` would answer: the credential `credentialId` (default the one
   * allowed by the options, else the newest), its counter advanced unless `o.signCount` says.
   */
  // biome-ignore lint/suspicious/noExplicitAny: options are the server's JSON
  get(options: any, o: CeremonyOptions & { credentialId?: string } = {}) {
    const allowed = (options.allowCredentials ?? []).map((c: { id: string }) => c.id);
    const credential =
      this.credentials.find((c) => b64u(c.id) === (o.credentialId ?? allowed[0])) ?? this.credentials.at(-1);
    if (!credential) throw new Error("soft authenticator: no credential");
    credential.signCount += 1;
    const count = o.signCount ?? credential.signCount;
    const authData = this.authData(o.rpId ?? options.rpId, 0, o, count);
    const clientDataJSON = this.clientData("webauthn.get", options.challenge, o);
    const signature = sign(
      credential.alg === -8 ? null : "sha256",
      Buffer.concat([authData, sha256(Buffer.from(clientDataJSON, "base64url"))]),
      credential.privateKey,
    );
    return {
      id: b64u(credential.id),
      rawId: b64u(credential.id),
      type: "public-key",
      response: {
        clientDataJSON,
        authenticatorData: b64u(authData),
        signature: b64u(signature),
        userHandle: credential.userHandle,
      },
      authenticatorAttachment: "platform",
      clientExtensionResults: {},
    };
  }

  private authData(rpId: string, extraFlags: number, o: CeremonyOptions, count: number): Buffer {
    const uv = o.userVerified ?? true;
    const flags = (o.userAbsent ? 0 : 0x01) | (uv ? 0x04 : 0) | extraFlags | (o.extraFlags ?? 0);
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(count);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), counter]);
  }

  private clientData(type: string, challenge: string, o: CeremonyOptions): string {
    return b64u(
      Buffer.from(
        JSON.stringify({
          type: o.type ?? type,
          challenge: o.challenge ?? challenge,
          origin: o.origin ?? this.origin,
          crossOrigin: o.crossOrigin ?? false,
        }),
      ),
    );
  }
}

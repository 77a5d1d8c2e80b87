import { createCipheriv, createHash, pbkdf2, scrypt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import type { PasswordHashInput } from "@overture/protocol";
import { decryptSecret, encryptSecret } from "../../keys/key-encryption.js";
import {
  type CostedHash,
  HASH_COST_BUDGET,
  type HashCost,
  hashCost,
  overBudget,
} from "./password-hash-cost.js";

const pbkdf2Async = promisify(pbkdf2);
const scryptAsync = promisify(scrypt) as (
  password: Buffer,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/** The prefix of a stored hash that is not a PHC or bcrypt string: JSON with its parameters. */
const IMPORTED = "$overture-import$";

/** scrypt's own memory check, set just above the budget: nothing over it is ever run. */
const SCRYPT_MAXMEM = HASH_COST_BUDGET.memoryBytes + 1024 * 1024;
/** argon2 lanes run on threads of their own: more than this would let one login take the machine. */
const MAX_ARGON2_LANES = 4;

const BCRYPT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
const ARGON2 = /^\$(argon2i|argon2id)\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

interface Stored {
  algorithm: "scrypt" | "firebase_scrypt" | "pbkdf2_sha256" | "pbkdf2_sha512" | "sha256_salted";
  hash: string; // base64
  salt: string; // base64
  iterations?: number;
  n?: number;
  r?: number;
  p?: number;
  saltSeparator?: string; // base64
  /** Firebase's project signer key, sealed: with it, the hashes could be attacked offline. */
  signerKeySealed?: string;
  rounds?: number;
  memCost?: number;
  saltPosition?: "prefix" | "suffix";
}

type Checked = { ok: true; stored: string } | { ok: false; message: string };

/**
 * Validates an imported hash and gives the string to store: PHC (argon2) and bcrypt strings as they
 * are, other algorithms as `$overture-import$` + JSON of their parameters. Nothing is verified here;
 * the first successful login does that, and re-hashes with the app's method.
 */
export function encodeImportedHash(input: PasswordHashInput, sealKey: Buffer): Checked {
  const bad = (message: string): Checked => ({ ok: false, message: `password_hash: ${message}` });
  switch (input.algorithm) {
    case "argon2id":
    case "argon2i": {
      const m = ARGON2.exec(input.hash);
      if (!m || m[1] !== input.algorithm)
        return bad(
          `hash must be an ${input.algorithm} PHC string ($${input.algorithm}$v=19$m=…,t=…,p=…$salt$hash).`,
        );
      if (Number(m[4]) < 1 || Number(m[4]) > MAX_ARGON2_LANES)
        return bad(`p (lanes) must be 1 to ${MAX_ARGON2_LANES}.`);
      const tooCostly = overBudget(storedHashCost(input.hash) as HashCost);
      if (tooCostly) return bad(`this argon2 hash (m, t) ${tooCostly}.`);
      return { ok: true, stored: input.hash };
    }
    case "bcrypt": {
      const m = BCRYPT.exec(input.hash);
      if (!m) return bad("hash must be a bcrypt string ($2a$, $2b$ or $2y$, cost, 53 characters).");
      if (Number(m[1]) < 4 || Number(m[1]) > 31) return bad("the bcrypt cost must be 4 to 31.");
      const tooCostly = overBudget(storedHashCost(input.hash) as HashCost);
      if (tooCostly) return bad(`a bcrypt cost of ${m[1]} ${tooCostly}.`);
      return { ok: true, stored: input.hash };
    }
    default:
      break;
  }
  const hash = decode(input.hash, input.encoding);
  const salt = input.salt === undefined ? null : decode(input.salt, input.encoding);
  if (!hash || hash.length < 16 || hash.length > 128) return bad("hash must decode to 16–128 bytes.");
  if (!salt) return bad(`salt is required for ${input.algorithm}, in ${input.encoding ?? "base64"}.`);
  const base = { hash: hash.toString("base64"), salt: salt.toString("base64") };
  let stored: Stored;
  switch (input.algorithm) {
    case "scrypt": {
      const { n, r, p } = input;
      if (n === undefined || r === undefined || p === undefined) return bad("scrypt needs n, r and p.");
      if ((n & (n - 1)) !== 0) return bad("n must be a power of two.");
      stored = { algorithm: "scrypt", ...base, n, r, p };
      break;
    }
    case "firebase_scrypt": {
      const separator = decode(input.salt_separator ?? "", "base64");
      const signer = input.signer_key === undefined ? null : decode(input.signer_key, "base64");
      if (!signer || signer.length === 0)
        return bad("firebase_scrypt needs signer_key (base64, from the project's hash config).");
      if (separator === null) return bad("salt_separator must be base64.");
      if (input.rounds === undefined || input.mem_cost === undefined)
        return bad("firebase_scrypt needs rounds and mem_cost.");
      stored = {
        algorithm: "firebase_scrypt",
        ...base,
        saltSeparator: separator.toString("base64"),
        signerKeySealed: encryptSecret(sealKey, signer.toString("base64"), SIGNER_KEY_CONTEXT),
        rounds: input.rounds,
        memCost: input.mem_cost,
      };
      break;
    }
    case "pbkdf2_sha256":
    case "pbkdf2_sha512": {
      if (input.iterations === undefined) return bad(`${input.algorithm} needs iterations.`);
      stored = { algorithm: input.algorithm, ...base, iterations: input.iterations };
      break;
    }
    case "sha256_salted": {
      if (hash.length !== 32) return bad("a SHA-256 hash is 32 bytes.");
      stored = { algorithm: "sha256_salted", ...base, saltPosition: input.salt_position ?? "prefix" };
      break;
    }
  }
  const tooCostly = overBudget(hashCost(costed(stored)));
  if (tooCostly) return bad(`${COST_FIELDS[stored.algorithm]} ${tooCostly} (docs/passwords.md).`);
  return { ok: true, stored: IMPORTED + JSON.stringify(stored) };
}

/** The parameters that make up each algorithm's cost, named as the request names them. */
const COST_FIELDS: Record<Stored["algorithm"], string> = {
  scrypt: "n × r × p",
  firebase_scrypt: "mem_cost and rounds",
  pbkdf2_sha256: "iterations × key length",
  pbkdf2_sha512: "iterations × key length",
  sha256_salted: "the hash",
};

function costed(s: Stored): CostedHash {
  switch (s.algorithm) {
    case "scrypt":
      return { algorithm: "scrypt", n: s.n ?? 0, r: s.r ?? 0, p: s.p ?? 0 };
    case "firebase_scrypt":
      return { algorithm: "scrypt", n: 2 ** (s.memCost ?? 0), r: s.rounds ?? 0, p: 1 };
    case "pbkdf2_sha256":
    case "pbkdf2_sha512":
      return {
        algorithm: "pbkdf2",
        digest: s.algorithm === "pbkdf2_sha256" ? "sha256" : "sha512",
        iterations: s.iterations ?? 0,
        keyLength: Buffer.from(s.hash, "base64").length,
      };
    case "sha256_salted":
      return { algorithm: "sha256" };
  }
}

/**
 * The cost of verifying a stored hash that is not the current argon2id: a PHC argon2 string, a
 * bcrypt string or an imported one; null for a format it does not know (which verifies nothing).
 */
export function storedHashCost(stored: string): HashCost | null {
  const argon2 = ARGON2.exec(stored);
  if (argon2)
    return hashCost({ algorithm: "argon2", memoryKib: Number(argon2[2]), passes: Number(argon2[3]) });
  const bcrypt = BCRYPT.exec(stored);
  if (bcrypt) return hashCost({ algorithm: "bcrypt", cost: Number(bcrypt[1]) });
  if (!isImportedHash(stored)) return null;
  try {
    return hashCost(costed(JSON.parse(stored.slice(IMPORTED.length)) as Stored));
  } catch {
    return null;
  }
}

export function isImportedHash(stored: string): boolean {
  return stored.startsWith(IMPORTED);
}

const SIGNER_KEY_CONTEXT = "imported-hash/firebase-signer-key";

/**
 * Checks a password against a `$overture-import$` hash, in constant time for the comparison.
 * `sealKey` opens the secrets sealed at import; without it such hashes verify nothing.
 */
export async function verifyImportedHash(
  stored: string,
  password: string,
  sealKey?: Buffer,
): Promise<boolean> {
  let s: Stored;
  try {
    s = JSON.parse(stored.slice(IMPORTED.length)) as Stored;
  } catch {
    return false;
  }
  const expected = Buffer.from(s.hash, "base64");
  const salt = Buffer.from(s.salt, "base64");
  const secret = Buffer.from(password, "utf8");
  let actual: Buffer;
  switch (s.algorithm) {
    case "scrypt":
      actual = await scryptAsync(secret, salt, expected.length, {
        N: s.n ?? 0,
        r: s.r ?? 0,
        p: s.p ?? 0,
        maxmem: SCRYPT_MAXMEM,
      });
      break;
    case "firebase_scrypt": {
      // Firebase's modified scrypt: the scrypt key encrypts the project's signer key with
      // AES-256-CTR and a zero IV; that ciphertext is the stored hash.
      const key = await scryptAsync(
        secret,
        Buffer.concat([salt, Buffer.from(s.saltSeparator ?? "", "base64")]),
        32,
        {
          N: 2 ** (s.memCost ?? 0),
          r: s.rounds ?? 0,
          p: 1,
          maxmem: SCRYPT_MAXMEM,
        },
      );
      if (!sealKey || !s.signerKeySealed) return false;
      const signerKey = Buffer.from(decryptSecret(sealKey, s.signerKeySealed, SIGNER_KEY_CONTEXT), "base64");
      const cipher = createCipheriv("aes-256-ctr", key, Buffer.alloc(16));
      actual = Buffer.concat([cipher.update(signerKey), cipher.final()]);
      break;
    }
    case "pbkdf2_sha256":
    case "pbkdf2_sha512":
      actual = await pbkdf2Async(
        secret,
        salt,
        s.iterations ?? 1,
        expected.length,
        s.algorithm === "pbkdf2_sha256" ? "sha256" : "sha512",
      );
      break;
    case "sha256_salted":
      actual = createHash("sha256")
        .update(s.saltPosition === "suffix" ? Buffer.concat([secret, salt]) : Buffer.concat([salt, secret]))
        .digest();
      break;
    default:
      return false;
  }
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function decode(value: string, encoding: "base64" | "hex" = "base64"): Buffer | null {
  if (encoding === "hex") return /^([0-9a-fA-F]{2})*$/.test(value) ? Buffer.from(value, "hex") : null;
  // Standard and URL-safe alphabets, padded or not.
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) return null;
  return Buffer.from(value.replace(/-/g, "+").replace(/_/g, "/"), "base64");
}

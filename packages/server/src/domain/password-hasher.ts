import { type Algorithm, hash, verify } from "@node-rs/argon2";
import { verify as verifyBcrypt } from "@node-rs/bcrypt";
import { isImportedHash, verifyImportedHash } from "./imported-password-hash.js";

// The package exports Algorithm as an ambient const enum, which isolated modules cannot read.
const ARGON2ID = 2 as Algorithm;

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Any stored format: this hasher's argon2id, or an imported hash (imported-password-hash.ts). */
  verify(hash: string, password: string): Promise<boolean>;
  /** True for a stored hash that is not this hasher's current format: re-hash it after a login. */
  needsRehash(hash: string): boolean;
}

/** OWASP's first argon2id recommendation: 19 MiB, 2 iterations, 1 lane. */
export const ARGON2ID_PARAMS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * argon2id (PHC string output); `importedHashSecrets` opens secrets sealed with imported hashes. At most `concurrency` hashes run at once — each costs ~10 ms of a
 * core and 19 MiB — so a burst of logins queues instead of exhausting memory and the thread pool.
 */
export function createArgon2idHasher(concurrency: number, importedHashSecrets?: Buffer): PasswordHasher {
  const limit = createLimiter(concurrency);
  return {
    hash: (password) => limit(() => hash(password, { algorithm: ARGON2ID, ...ARGON2ID_PARAMS })),
    verify: (stored, password) => limit(() => verifyAny(stored, password, importedHashSecrets)),
    needsRehash: (stored) => !stored.startsWith(CURRENT_PREFIX),
  };
}

const CURRENT_PREFIX = `$argon2id$v=19$m=${ARGON2ID_PARAMS.memoryCost},t=${ARGON2ID_PARAMS.timeCost},p=${ARGON2ID_PARAMS.parallelism}$`;

async function verifyAny(stored: string, password: string, importedHashSecrets?: Buffer): Promise<boolean> {
  try {
    if (stored.startsWith("$argon2")) return await verify(stored, password);
    if (/^\$2[aby]\$/.test(stored)) return await verifyBcrypt(password, stored);
    if (isImportedHash(stored)) return await verifyImportedHash(stored, password, importedHashSecrets);
  } catch {
    // A malformed stored hash verifies nothing; it is not the caller's error.
  }
  return false;
}

function createLimiter(max: number) {
  let running = 0;
  const queue: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    // A finishing task hands its slot straight to the next waiter, so `running` never exceeds max.
    if (running < max) running++;
    else await new Promise<void>((resolve) => queue.push(resolve));
    try {
      return await task();
    } finally {
      const next = queue.shift();
      if (next) next();
      else running--;
    }
  };
}

import { type Algorithm, hash, verify } from "@node-rs/argon2";
import { verify as verifyBcrypt } from "@node-rs/bcrypt";
import { isImportedHash, storedHashCost, verifyImportedHash } from "./imported-password-hash.js";
import { overBudget } from "./password-hash-cost.js";

// The package exports Algorithm as an ambient const enum, which isolated modules cannot read.
const ARGON2ID = 2 as Algorithm;

/** The app's hashing queue for imported hashes is full: answer 429 and let the client retry. */
export const HASHER_BUSY = "busy";

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /**
   * Any stored format: this hasher's argon2id, or an imported hash (imported-password-hash.ts).
   * Hashes not in the current format run in `appId`'s own share of the hashing slots.
   */
  verify(hash: string, password: string, appId?: string): Promise<boolean | typeof HASHER_BUSY>;
  /** True for a stored hash that is not this hasher's current format: re-hash it after a login. */
  needsRehash(hash: string): boolean;
}

/** OWASP's first argon2id recommendation: 19 MiB, 2 iterations, 1 lane. */
export const ARGON2ID_PARAMS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Imported-hash verifications one app may have waiting for its share before logins get 429. */
export const IMPORTED_QUEUE_PER_APP = 32;

/**
 * argon2id (PHC string output); `importedHashSecrets` opens secrets sealed with imported hashes.
 * At most `concurrency` hashes run at once — each costs ~10 ms of a core and 19 MiB — so a burst
 * queues instead of exhausting memory and the thread pool. Imported hashes, which cost up to the
 * import budget (password-hash-cost.ts), first wait in their app's own queue, which holds at most
 * `concurrency - 1` of the slots (at least 1): one app flooding logins of costly imported hashes
 * delays only its own imported-hash logins, never another app's (docs/passwords.md).
 */
export function createArgon2idHasher(concurrency: number, importedHashSecrets?: Buffer): PasswordHasher {
  const slots = createLimiter(concurrency);
  const perApp = new Map<string, Limiter>();
  const appShare = Math.max(1, concurrency - 1);
  const importedSlot = (appId: string) => {
    let limiter = perApp.get(appId);
    if (!limiter) {
      limiter = createLimiter(appShare, IMPORTED_QUEUE_PER_APP, () => perApp.delete(appId));
      perApp.set(appId, limiter);
    }
    return limiter;
  };
  return {
    hash: (password) => slots.run(() => hash(password, { algorithm: ARGON2ID, ...ARGON2ID_PARAMS })),
    verify: async (stored, password, appId) => {
      if (stored.startsWith(CURRENT_PREFIX) || appId === undefined)
        return slots.run(() => verifyAny(stored, password, importedHashSecrets));
      const admitted = await importedSlot(appId).tryRun(() =>
        slots.run(() => verifyAny(stored, password, importedHashSecrets)),
      );
      return admitted ?? HASHER_BUSY;
    },
    needsRehash: (stored) => !stored.startsWith(CURRENT_PREFIX),
  };
}

const CURRENT_PREFIX = `$argon2id$v=19$m=${ARGON2ID_PARAMS.memoryCost},t=${ARGON2ID_PARAMS.timeCost},p=${ARGON2ID_PARAMS.parallelism}$`;

async function verifyAny(stored: string, password: string, importedHashSecrets?: Buffer): Promise<boolean> {
  // A hash stored before the import budget existed may cost more than it allows: never run it.
  if (!stored.startsWith(CURRENT_PREFIX)) {
    const cost = storedHashCost(stored);
    if (!cost || overBudget(cost)) return false;
  }
  try {
    if (stored.startsWith("$argon2")) return await verify(stored, password);
    if (/^\$2[aby]\$/.test(stored)) return await verifyBcrypt(password, stored);
    if (isImportedHash(stored)) return await verifyImportedHash(stored, password, importedHashSecrets);
  } catch {
    // A malformed stored hash verifies nothing; it is not the caller's error.
  }
  return false;
}

interface Limiter {
  /** Runs `task` once a slot is free. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /** The same, unless `maxWaiting` tasks already wait: then undefined, without running it. */
  tryRun<T>(task: () => Promise<T>): Promise<T | undefined>;
}

function createLimiter(max: number, maxWaiting = Number.POSITIVE_INFINITY, onIdle?: () => void): Limiter {
  let running = 0;
  const queue: (() => void)[] = [];
  const run = async <T>(task: () => Promise<T>): Promise<T> => {
    // A finishing task hands its slot straight to the next waiter, so `running` never exceeds max.
    if (running < max) running++;
    else await new Promise<void>((resolve) => queue.push(resolve));
    try {
      return await task();
    } finally {
      const next = queue.shift();
      if (next) next();
      else if (--running === 0) onIdle?.();
    }
  };
  return {
    run,
    tryRun: (task) => (running >= max && queue.length >= maxWaiting ? Promise.resolve(undefined) : run(task)),
  };
}

import { type Algorithm, hash, verify } from "@node-rs/argon2";

// The package exports Algorithm as an ambient const enum, which isolated modules cannot read.
const ARGON2ID = 2 as Algorithm;

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}

/** OWASP's first argon2id recommendation: 19 MiB, 2 iterations, 1 lane. */
export const ARGON2ID_PARAMS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * argon2id (PHC string output). At most `concurrency` hashes run at once — each costs ~10 ms of a
 * core and 19 MiB — so a burst of logins queues instead of exhausting memory and the thread pool.
 */
export function createArgon2idHasher(concurrency: number): PasswordHasher {
  const limit = createLimiter(concurrency);
  return {
    hash: (password) => limit(() => hash(password, { algorithm: ARGON2ID, ...ARGON2ID_PARAMS })),
    verify: (stored, password) => limit(() => verify(stored, password)),
  };
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

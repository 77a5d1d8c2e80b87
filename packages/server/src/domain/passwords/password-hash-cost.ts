/**
 * What one verification of a stored password hash costs, from all of its parameters: CPU time on
 * the reference machine and peak memory. Imports over the budget are refused, and stored hashes
 * over it (imported before it existed) are never run (docs/passwords.md#importing-hashes).
 */
export interface HashCost {
  /** Milliseconds of one core of the reference machine. */
  cpuMs: number;
  memoryBytes: number;
}

/**
 * About a quarter of a second of one core and 64 MiB per login. It admits the defaults of the
 * systems users come from — bcrypt cost 12, Firebase's scrypt, Django's PBKDF2-SHA256 (1,200,000
 * iterations in 6.0), PHP's argon2id (64 MiB, t=4) — and keeps one attempt from pinning a core or
 * exhausting memory.
 */
export const HASH_COST_BUDGET: HashCost = { cpuMs: 300, memoryBytes: 64 * 1024 * 1024 };

/**
 * Per-unit costs measured with node:crypto and @node-rs on the reference machine (2-core AMD EPYC,
 * Node 20; docs/passwords.md gives the runs): each algorithm's time is linear in its work factor.
 */
const MS = {
  /** One bcrypt verification at cost 10; each further cost step doubles it. */
  bcryptCost10: 52,
  /** Per N·r·p of scrypt (BlockMix over 128·r bytes, N times, for each of p lanes). */
  scryptUnit: 0.00037,
  /** Per KiB of argon2 memory per pass, all lanes together. */
  argon2KibPass: 0.00038,
  /** Per iteration of one PBKDF2 output block. */
  pbkdf2Sha256Block: 0.00022,
  pbkdf2Sha512Block: 0.00049,
};

export type CostedHash =
  | { algorithm: "bcrypt"; cost: number }
  | { algorithm: "argon2"; memoryKib: number; passes: number }
  | { algorithm: "scrypt"; n: number; r: number; p: number }
  | { algorithm: "pbkdf2"; digest: "sha256" | "sha512"; iterations: number; keyLength: number }
  | { algorithm: "sha256" };

export function hashCost(h: CostedHash): HashCost {
  switch (h.algorithm) {
    case "bcrypt":
      return { cpuMs: MS.bcryptCost10 * 2 ** (h.cost - 10), memoryBytes: 4096 };
    case "argon2":
      return { cpuMs: h.memoryKib * h.passes * MS.argon2KibPass, memoryBytes: h.memoryKib * 1024 };
    case "scrypt":
      // OpenSSL holds V (128·r·N bytes) and B (128·r·p) at once; lanes run one after another.
      return { cpuMs: h.n * h.r * h.p * MS.scryptUnit, memoryBytes: 128 * h.r * (h.n + h.p + 2) };
    case "pbkdf2": {
      // Each block of the output is the full iteration count again: a 128-byte SHA-256 key is 4×.
      const blocks = Math.ceil(h.keyLength / (h.digest === "sha256" ? 32 : 64));
      const perBlock = h.digest === "sha256" ? MS.pbkdf2Sha256Block : MS.pbkdf2Sha512Block;
      return { cpuMs: h.iterations * blocks * perBlock, memoryBytes: 4096 };
    }
    case "sha256":
      return { cpuMs: 0.001, memoryBytes: 4096 };
  }
}

/** Why a cost is over the budget, in words an importer can act on; null within it. */
export function overBudget(cost: HashCost): string | null {
  if (cost.memoryBytes > HASH_COST_BUDGET.memoryBytes)
    return `needs about ${Math.ceil(cost.memoryBytes / 2 ** 20)} MiB per login; the limit is ${HASH_COST_BUDGET.memoryBytes / 2 ** 20} MiB`;
  if (cost.cpuMs > HASH_COST_BUDGET.cpuMs)
    return `costs about ${Math.round(cost.cpuMs)} ms of CPU per login; the limit is ${HASH_COST_BUDGET.cpuMs} ms`;
  return null;
}

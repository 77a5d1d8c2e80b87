import type { Clock } from "../domain/shared/clock.js";

const CACHED_SETS_MAX = 1_000;

interface Entry<K> {
  keys: Map<string, K>;
  fetchedAt: number;
  pending?: Promise<void>;
}

/**
 * Keys of remote JWKS documents by `kid` (an app's, for custom steps; a provider's, for ID
 * tokens): a set is fetched again once older than `maxAgeMs`, or when asked for a kid it lacks
 * (a rotation) but at most every `refetchMinMs`, so unknown kids cannot make it hammer the
 * server. Concurrent misses share one fetch; a failed fetch (`load` answering null) keeps what was
 * cached. At most 1,000 sets are kept, the oldest dropped first.
 */
export function createKeySetCache<K>(options: { clock: Clock; maxAgeMs: number; refetchMinMs: number }) {
  const cache = new Map<string, Entry<K>>();
  return {
    async key(setId: string, kid: string, load: () => Promise<Map<string, K> | null>): Promise<K | null> {
      let entry = cache.get(setId);
      if (!entry) {
        if (cache.size >= CACHED_SETS_MAX) cache.delete(cache.keys().next().value as string);
        entry = { keys: new Map(), fetchedAt: Number.NEGATIVE_INFINITY };
        cache.set(setId, entry);
      }
      const now = options.clock.now();
      const stale = now - entry.fetchedAt > options.maxAgeMs;
      const unknownKid = !entry.keys.has(kid) && now - entry.fetchedAt > options.refetchMinMs;
      if (stale || unknownKid) {
        const current = entry;
        current.pending ??= (async () => {
          current.fetchedAt = options.clock.now();
          const keys = await load();
          if (keys) current.keys = keys;
        })().finally(() => {
          current.pending = undefined;
        });
        await current.pending;
      }
      return entry.keys.get(kid) ?? null;
    },
  };
}

/** Calls batched into one statement, at most: bounds the statement's size and its rows' locks. */
export const STATEMENT_BATCH_MAX = 64;

interface Pending<I, O> {
  input: I;
  resolve: (output: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for PostgreSQL's hottest write (docs/storage.md): the calls made during one turn of
 * the event loop run as one statement over all their inputs — one round trip, one plan, one commit
 * — instead of one each. `many` answers the inputs' outputs in order. Inputs that must not share a
 * statement (`conflicts`: the same row twice) wait for the next batch. If the batch fails as a
 * whole (a deadlock with another node's batch, say), each of its inputs runs alone with `one`, so
 * only an input that fails by itself fails its caller.
 */
export function statementBatch<I, O>(
  many: (inputs: I[]) => Promise<O[]>,
  one: (input: I) => Promise<O>,
  /** Keys of the rows an input writes: two inputs sharing one never go in one batch. */
  keys: (input: I) => string[],
  /** Told each statement's size (inputs in it) and duration, as transactions are (metrics). */
  observe: (inputs: number, seconds: number) => void = () => {},
) {
  let queue: Pending<I, O>[] = [];

  const flush = async () => {
    const batch: Pending<I, O>[] = [];
    const later: Pending<I, O>[] = [];
    const taken = new Set<string>();
    for (const pending of queue) {
      const own = keys(pending.input);
      if (batch.length >= STATEMENT_BATCH_MAX || own.some((k) => taken.has(k))) {
        later.push(pending);
        continue;
      }
      for (const k of own) taken.add(k);
      batch.push(pending);
    }
    queue = later;
    if (queue.length > 0) setImmediate(flush);
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    if (batch.length === 1) {
      const [only] = batch as [Pending<I, O>];
      one(only.input)
        .finally(() => observe(1, seconds()))
        .then(only.resolve, only.reject);
      return;
    }
    try {
      const outputs = await many(batch.map((p) => p.input));
      observe(batch.length, seconds());
      for (const [i, p] of batch.entries()) p.resolve(outputs[i] as O);
    } catch {
      for (const p of batch) one(p.input).then(p.resolve, p.reject);
    }
  };

  return (input: I): Promise<O> =>
    new Promise<O>((resolve, reject) => {
      queue.push({ input, resolve, reject });
      // The first call of a turn schedules the batch; the rest of the turn's calls join it.
      if (queue.length === 1) setImmediate(flush);
    });
}

/** The load loop shared by every scenario: N workers, an unmeasured warm-up, a measured window. */
export interface Stats {
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
}

export interface LoadOptions {
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

/**
 * Runs `step(worker)` in a loop on `concurrency` workers. `step` does one operation and returns true
 * when it succeeded; only operations that finish inside the measured window are counted.
 */
export async function runLoad(
  options: LoadOptions,
  step: (worker: number) => Promise<boolean>,
): Promise<Stats> {
  let measuring = false;
  let stop = false;
  let errors = 0;
  const latencies: number[] = [];
  const worker = async (w: number) => {
    while (!stop) {
      const start = process.hrtime.bigint();
      let ok = false;
      try {
        ok = await step(w);
      } catch {
        ok = false;
      }
      if (!measuring) continue;
      if (ok) latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
      else errors++;
    }
  };
  const workers = Array.from({ length: options.concurrency }, (_, w) => worker(w));
  await sleep(options.warmupMs);
  measuring = true;
  const started = performance.now();
  await sleep(options.durationMs);
  measuring = false;
  const elapsed = performance.now() - started;
  stop = true;
  await Promise.all(workers);
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? Number.NaN;
  return {
    requests: latencies.length,
    errors,
    rps: (latencies.length / elapsed) * 1000,
    p50: pct(0.5),
    p99: pct(0.99),
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

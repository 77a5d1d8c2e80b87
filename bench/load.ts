import { readdirSync, readFileSync } from "node:fs";

/** The load loop shared by every scenario: N workers, an unmeasured warm-up, a measured window. */
export interface Stats {
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
  /** Server CPU time (all its threads) per measured request, in µs; null where /proc is missing. */
  serverCpuUs: number | null;
  /**
   * The part of it on the server's main thread (its event loop), in µs: the thread that caps
   * throughput, since the rest (libuv's pool, other processes) can use the other core.
   */
  eventLoopCpuUs: number | null;
  /** This process's CPU (the load generator: HTTP client, DPoP proofs) per measured request, in µs. */
  clientCpuUs: number;
  /**
   * PostgreSQL's CPU (every `postgres` process on this machine) per measured request, in µs; null
   * when not asked for (SQLite runs inside the server, whose CPU already counts it).
   */
  databaseCpuUs: number | null;
}

export interface LoadOptions {
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** The server's process id, to read its CPU time: steadier than requests/s on a shared machine. */
  serverPid?: number;
  /** More server processes (other nodes) whose CPU counts as the server's. */
  otherServerPids?: number[];
  /** Count PostgreSQL's CPU too (its processes on this machine). */
  databaseCpu?: boolean;
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
  const servers = () => {
    const all = [options.serverPid, ...(options.otherServerPids ?? [])].map(processCpuMs);
    if (all.some((c) => c === null)) return null;
    return {
      total: all.reduce((n, c) => n + (c as { total: number }).total, 0),
      main: all.reduce((n, c) => n + (c as { main: number }).main, 0),
    };
  };
  const cpuBefore = servers();
  const databaseBefore = options.databaseCpu ? postgresCpuMs() : null;
  const clientBefore = process.cpuUsage();
  await sleep(options.durationMs);
  measuring = false;
  const cpuAfter = servers();
  const databaseAfter = options.databaseCpu ? postgresCpuMs() : null;
  const client = process.cpuUsage(clientBefore);
  const elapsed = performance.now() - started;
  stop = true;
  await Promise.all(workers);
  latencies.sort((a, b) => a - b);
  const serverCpuPerRequest = (part: "total" | "main") =>
    cpuBefore !== null && cpuAfter !== null && latencies.length > 0
      ? ((cpuAfter[part] - cpuBefore[part]) * 1000) / latencies.length
      : null;
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? Number.NaN;
  return {
    requests: latencies.length,
    errors,
    rps: (latencies.length / elapsed) * 1000,
    p50: pct(0.5),
    p99: pct(0.99),
    serverCpuUs: serverCpuPerRequest("total"),
    eventLoopCpuUs: serverCpuPerRequest("main"),
    clientCpuUs: (client.user + client.system) / Math.max(1, latencies.length),
    databaseCpuUs:
      databaseBefore !== null && databaseAfter !== null && latencies.length > 0
        ? ((databaseAfter - databaseBefore) * 1000) / latencies.length
        : null,
  };
}

/** User + system CPU in ms of every PostgreSQL process on this machine (server, backends, WAL writer…). */
function postgresCpuMs(): number | null {
  let total = 0;
  let found = false;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() !== "postgres") continue;
    } catch {
      continue;
    }
    const fields = statFields(`/proc/${entry}/stat`);
    if (fields) {
      total += cpuMs(fields);
      found = true;
    }
  }
  return found ? total : null;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * User + system CPU in ms of a process and its children (cluster workers), and of the process's
 * main thread alone, from /proc (Linux).
 */
function processCpuMs(pid: number | undefined): { total: number; main: number } | null {
  if (pid === undefined) return null;
  try {
    let total = 0;
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const fields = statFields(`/proc/${entry}/stat`);
      // The 2nd field after the command name is the parent's pid.
      if (fields && (entry === String(pid) || fields[1] === String(pid))) total += cpuMs(fields);
    }
    const main = statFields(`/proc/${pid}/task/${pid}/stat`);
    return main ? { total, main: cpuMs(main) } : null;
  } catch {
    return null;
  }
}

// utime and stime are the 12th and 13th fields after the command name.
const cpuMs = (fields: string[]) =>
  ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;

function statFields(path: string): string[] | null {
  try {
    const stat = readFileSync(path, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null; // exited meanwhile
  }
}

// USER_HZ: 100 on every Linux architecture Node runs on.
const CLOCK_TICKS_PER_SECOND = 100;

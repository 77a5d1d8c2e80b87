import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** How often the checkpointer copies the WAL into the database file. */
export const WAL_CHECKPOINT_INTERVAL_MS = 250;

// Runs in the worker thread, as CommonJS (an `eval` worker: no module loader, so it runs the same
// from the sources under tsx or vitest and from dist/). Its own connection to the file.
const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file);
// Another process's checkpoint in progress, or a writer restarting the WAL: skip this turn.
db.pragma("busy_timeout = 0");
const checkpoint = () => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch (error) {
    if (error.code !== "SQLITE_BUSY" && error.code !== "SQLITE_LOCKED") parentPort.postMessage(String(error));
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on("message", () => {
  clearInterval(timer);
  db.close();
  process.exit(0);
});
`;

/**
 * Checkpoints a SQLite database's WAL on a thread of its own (docs/storage.md). SQLite's automatic
 * checkpoint runs inside the commit that crosses its threshold, on the connection's thread — here
 * the event loop — and copying thousands of pages and syncing the file stalled every request in
 * flight for tens of milliseconds: most of refresh's p99 (docs/benchmarks.md). A PASSIVE checkpoint
 * never blocks writers or readers; run often, it keeps the WAL short, which keeps reads fast.
 */
export function startWalCheckpointer(file: string, onError: (message: string) => void = () => {}) {
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: {
      file,
      driver: createRequire(import.meta.url).resolve("better-sqlite3"),
      intervalMs: WAL_CHECKPOINT_INTERVAL_MS,
    },
  });
  worker.on("message", (message: string) => onError(message));
  // Never keeps the process alive by itself.
  worker.unref();
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        worker.once("exit", () => resolve());
        // Referenced again while it stops: an unreferenced worker's exit would not keep the
        // process alive for whatever awaits it.
        worker.ref();
        worker.postMessage("stop");
      }),
  };
}

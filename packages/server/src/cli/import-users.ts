import {
  appendFileSync,
  createReadStream,
  existsSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";

export interface ImportOptions {
  /** Where the Management API is served, e.g. `https://auth.example.com`. */
  baseUrl: string;
  appId: string;
  apiKey: string;
  file: string;
  concurrency: number;
  /** Ignore a saved position and start from the first line. */
  restart: boolean;
  /** Where failed lines are copied, as they were, to fix and import again. */
  rejects: string;
  out: (line: string) => void;
  err: (line: string) => void;
  /** Where the progress bar goes; none when it is not a terminal. */
  progress?: { write(text: string): void; columns: number };
}

export interface ImportCounts {
  created: number;
  skipped: number;
  failed: number;
}

/** What `<file>.progress` holds: the byte offset below which every line is done. */
interface SavedProgress extends ImportCounts {
  offset: number;
  line: number;
  size: number;
  mtimeMs: number;
}

const RETRIES = 3;

/**
 * A reason to stop the whole import rather than count a line failed: the server cannot be reached
 * (every line would fail the same way) or refuses the key or app. The position is saved first.
 */
export class ImportStopped extends Error {
  override name = "ImportStopped";
}
const SAVE_EVERY_MS = 1_000;
/** Without a terminal, a progress line this often (a log keeps each). */
const REPORT_EVERY_MS = 10_000;

/** A line read and sent; settled once answered, reported and saved past in file order. */
interface Entry {
  line: number;
  end: number;
  text: string;
  done: boolean;
  failure?: string;
}

/**
 * `overture users import`: streams a JSON-lines file of `POST /users` bodies through the Management
 * API (docs/migration.md#backfill). A line whose external_id exists already is skipped, so runs
 * can repeat; a failed line is reported and the run goes on. The position is saved next to the file
 * and a later run resumes from it, on SIGINT/SIGTERM too.
 */
export async function importUsers(
  o: ImportOptions,
): Promise<ImportCounts & { interrupted: boolean; seconds: number; rate: number }> {
  const progressFile = `${o.file}.progress`;
  const stat = statSync(o.file);
  let saved = readProgress(progressFile, stat.size, stat.mtimeMs);
  if (saved && o.restart) saved = null;
  if (saved) o.err(`Resuming after line ${saved.line} (${progressFile}).`);
  const counts: ImportCounts = {
    created: saved?.created ?? 0,
    skipped: saved?.skipped ?? 0,
    failed: saved?.failed ?? 0,
  };
  const startOffset = saved?.offset ?? 0;
  const started = Date.now();
  let doneOffset = startOffset;
  let linesThisRun = 0;
  // A fresh run starts a fresh rejects file; a resumed one adds to it.
  if (!saved && existsSync(o.rejects)) rmSync(o.rejects);
  let rejected = 0;
  let doneLine = saved?.line ?? 0;
  let lastSave = 0;
  const save = () => {
    const state: SavedProgress = {
      ...counts,
      offset: doneOffset,
      line: doneLine,
      size: stat.size,
      mtimeMs: stat.mtimeMs,
    };
    writeFileSync(progressFile, `${JSON.stringify(state)}\n`);
    lastSave = Date.now();
  };

  let interrupted = false;
  let fatal: unknown;
  const stop = () => {
    interrupted = true;
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);

  // Lines finish out of order; the saved offset only moves past a line once all before it are done,
  // and failures are reported (and copied to the rejects file) in that same order.
  const window: Entry[] = [];
  const inFlight = new Set<Promise<void>>();
  let lastDraw = 0;
  let lastReport = started;
  /** Lines per second this run, and the time left at that pace (from the bytes left). */
  const pace = () => {
    const seconds = Math.max(0.001, (Date.now() - started) / 1000);
    const bytesPerSecond = (doneOffset - startOffset) / seconds;
    const eta = bytesPerSecond > 0 ? (stat.size - doneOffset) / bytesPerSecond : null;
    return { rate: linesThisRun / seconds, eta, seconds };
  };
  const draw = (force = false) => {
    const now = Date.now();
    if (!o.progress) {
      if (now - lastReport < REPORT_EVERY_MS || force) return;
      lastReport = now;
      const { rate, eta } = pace();
      o.err(
        `line ${doneLine}: ${percent()} done, created ${counts.created}, skipped ${counts.skipped}, failed ${counts.failed}; ${rate.toFixed(0)} lines/s, ${eta === null ? "" : `about ${duration(eta)} left`}`,
      );
      return;
    }
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    const { rate, eta } = pace();
    const ratio = stat.size === 0 ? 1 : doneOffset / stat.size;
    const text = ` ${(ratio * 100).toFixed(1).padStart(5)}%  created ${counts.created}  skipped ${counts.skipped}  failed ${counts.failed}  ${rate.toFixed(0)}/s  ETA ${eta === null ? "–" : duration(eta)}`;
    const width = Math.max(10, Math.min(40, o.progress.columns - text.length - 3));
    const filled = Math.round(ratio * width);
    o.progress.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}]${text}`);
  };
  const percent = () => `${(stat.size === 0 ? 100 : (doneOffset / stat.size) * 100).toFixed(1)}%`;

  const settle = (entry: Entry) => {
    entry.done = true;
    while (window[0]?.done) {
      const first = window.shift()!;
      doneOffset = first.end;
      doneLine = first.line;
      linesThisRun++;
      if (first.failure !== undefined) {
        o.progress?.write("\r\u001b[K"); // clear the bar's line first
        o.err(`line ${first.line}: ${first.failure}`);
        // 0600: the lines may carry passwords or hashes, as the input does.
        appendFileSync(o.rejects, `${first.text}\n`, { mode: 0o600 });
        rejected++;
      }
    }
    if (Date.now() - lastSave > SAVE_EVERY_MS) save();
    draw();
  };

  try {
    for await (const { text, line, end } of readLines(o.file, doneOffset, doneLine)) {
      if (interrupted || fatal) break;
      const entry: Entry = { line, end, text, done: false };
      window.push(entry);
      const task = importLine(o, text).then(
        (outcome) => {
          if (typeof outcome === "string") {
            counts[outcome]++;
          } else {
            counts.failed++;
            entry.failure = outcome.failed;
          }
          settle(entry);
        },
        (error: unknown) => {
          fatal ??= error;
        },
      );
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
      if (inFlight.size >= o.concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
  draw(true);
  if (o.progress) o.progress.write("\n");
  if (fatal) {
    save();
    if (fatal instanceof ImportStopped)
      throw new ImportStopped(
        `${fatal.message}. Stopped after line ${doneLine}; run the same command again to resume.`,
      );
    throw fatal;
  }
  if (interrupted || window.length > 0) {
    save();
    o.err(`Stopped after line ${doneLine}; run the same command again to resume.`);
  } else if (existsSync(progressFile)) {
    rmSync(progressFile);
  }
  if (rejected > 0) o.err(`${rejected} rejected line${rejected === 1 ? "" : "s"} written to ${o.rejects}.`);
  const { rate, seconds } = pace();
  return { ...counts, interrupted, seconds, rate };
}

async function importLine(
  o: ImportOptions,
  text: string,
): Promise<"created" | "skipped" | { failed: string }> {
  const fail = (why: string) => ({ failed: why });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return fail("not valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return fail("not a JSON object");
  if (typeof (body as { external_id?: unknown }).external_id !== "string")
    return fail("external_id is required: it is what makes a re-run skip users it already created");
  const url = `${o.baseUrl.replace(/\/+$/, "")}/v2/session/apps/${encodeURIComponent(o.appId)}/users`;
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(url, {
        method: "POST",
        headers: { authorization: `Bearer ${o.apiKey}`, "content-type": "application/json" },
        body: text,
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      if (attempt < RETRIES) {
        await sleep(500 * 2 ** attempt);
        continue;
      }
      // Not this line's fault: the next lines would fail alike, and each would be lost to a re-run.
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new ImportStopped(
        `the server at ${o.baseUrl} could not be reached (${cause?.code ?? cause?.message ?? (error as Error).message})`,
      );
    }
    const answer = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
    if (res.status === 201) return "created";
    if (res.status === 409 && answer.code === "external_id_already_exists") return "skipped";
    if ((res.status === 429 || res.status >= 500) && attempt < RETRIES) {
      const retryAfter = Number(res.headers.get("retry-after"));
      await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 500 * 2 ** attempt);
      continue;
    }
    if (res.status === 401 || res.status === 404) {
      throw new ImportStopped(
        `the Management API answered ${res.status} ${answer.code ?? ""}: check the app id and OVERTURE_API_KEY`,
      );
    }
    return fail(
      `${res.status} ${answer.code ?? ""}${answer.message ? `: ${answer.message}` : ""}${offending(body as Record<string, unknown>, answer)}`,
    );
  }
}

/** The file's non-blank lines from byte `start`, each with its number and the offset after it. */
async function* readLines(file: string, start: number, firstLine: number) {
  let carry = Buffer.alloc(0);
  let offset = start;
  let line = firstLine;
  for await (const chunk of createReadStream(file, { start })) {
    let data = Buffer.concat([carry, chunk as Buffer]);
    for (let nl = data.indexOf(10); nl !== -1; nl = data.indexOf(10)) {
      offset += nl + 1;
      line++;
      const text = data.subarray(0, nl).toString("utf8").trim();
      data = data.subarray(nl + 1);
      if (text) yield { text, line, end: offset };
    }
    carry = data;
  }
  const rest = carry.toString("utf8").trim();
  if (rest) yield { text: rest, line: line + 1, end: offset + carry.length };
}

function readProgress(path: string, size: number, mtimeMs: number): SavedProgress | null {
  if (!existsSync(path)) return null;
  try {
    const saved = JSON.parse(readFileSync(path, "utf8")) as SavedProgress;
    // A file that changed since is a different import: start over rather than skip unseen lines.
    return saved.size === size && saved.mtimeMs === mtimeMs && saved.offset <= size ? saved : null;
  } catch {
    return null;
  }
}

/**
 * What in the line the answer is about, to find it without opening the file: the value at the path
 * a validation message names (`body/identifiers/0/value …`), or the identifiers an identifier error
 * concerns; and the line's external_id. Never a password or hash.
 */
function offending(body: Record<string, unknown>, answer: { code?: string; message?: string }): string {
  const parts = [`external_id ${JSON.stringify(body.external_id)}`];
  const path = /\bbody(\/\S*?)(?=[\s.,;:]*(\s|$))/.exec(answer.message ?? "")?.[1];
  if (path && !/password/i.test(path)) {
    let value: unknown = body;
    for (const key of path.split("/").slice(1)) value = (value as Record<string, unknown> | undefined)?.[key];
    if (value !== undefined) parts.push(`value ${shorten(JSON.stringify(value))}`);
  } else if (answer.code?.includes("identifier") && Array.isArray(body.identifiers)) {
    const values = body.identifiers.map((i) => (i as { value?: unknown })?.value);
    parts.push(`identifiers ${shorten(JSON.stringify(values))}`);
  }
  return ` (${parts.join(", ")})`;
}

const shorten = (text: string) => (text.length > 80 ? `${text.slice(0, 77)}...` : text);

/** `1:05:09`, `4:02`, `12s`. */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

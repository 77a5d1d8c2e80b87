import { createReadStream, existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";

export interface ImportOptions {
  /** Where the Management API is served, e.g. `https://auth.example.com`. */
  baseUrl: string;
  appId: string;
  apiKey: string;
  file: string;
  concurrency: number;
  /** Ignore a saved position and start from the first line. */
  restart: boolean;
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

/**
 * `overture users import`: streams a JSON-lines file of `POST /users` bodies through the Management
 * API (docs/migration.md#backfill). A line whose external_id exists already is skipped, so runs
 * can repeat; a failed line is reported and the run goes on. The position is saved next to the file
 * and a later run resumes from it, on SIGINT/SIGTERM too.
 */
export async function importUsers(o: ImportOptions): Promise<ImportCounts & { interrupted: boolean }> {
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
  let doneOffset = saved?.offset ?? 0;
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

  // Lines finish out of order; the saved offset only moves past a line once all before it are done.
  const window: { line: number; end: number; done: boolean }[] = [];
  const inFlight = new Set<Promise<void>>();
  let lastDraw = 0;
  const draw = (force = false) => {
    if (!o.progress || (!force && Date.now() - lastDraw < 100)) return;
    lastDraw = Date.now();
    const ratio = stat.size === 0 ? 1 : doneOffset / stat.size;
    const text = ` ${(ratio * 100).toFixed(1).padStart(5)}%  created ${counts.created}  skipped ${counts.skipped}  failed ${counts.failed}`;
    const width = Math.max(10, Math.min(40, o.progress.columns - text.length - 3));
    const filled = Math.round(ratio * width);
    o.progress.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}]${text}`);
  };

  const settle = (entry: { line: number; end: number; done: boolean }) => {
    entry.done = true;
    while (window[0]?.done) {
      const first = window.shift()!;
      doneOffset = first.end;
      doneLine = first.line;
    }
    if (Date.now() - lastSave > SAVE_EVERY_MS) save();
    draw();
  };

  try {
    for await (const { text, line, end } of readLines(o.file, doneOffset, doneLine)) {
      if (interrupted || fatal) break;
      const entry = { line, end, done: false };
      window.push(entry);
      const task = importLine(o, text, line).then(
        (outcome) => {
          counts[outcome]++;
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
  return { ...counts, interrupted };
}

async function importLine(o: ImportOptions, text: string, line: number): Promise<keyof ImportCounts> {
  const fail = (why: string) => {
    o.progress?.write("\r\u001b[K"); // clear the bar's line first
    o.err(`line ${line}: ${why}`);
    return "failed" as const;
  };
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
    return fail(`${res.status} ${answer.code ?? ""}${answer.message ? `: ${answer.message}` : ""}`);
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

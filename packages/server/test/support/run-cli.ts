import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../../", import.meta.url));
const cli = fileURLToPath(new URL("../../src/cli.ts", import.meta.url));
const bin = fileURLToPath(new URL("../../bin/overture.cjs", import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the `overture` CLI from source in a child process, as a separate node would run. */
export function runCliProcess(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", cli, ...args], {
      cwd: root,
      env: { ...process.env, OVERTURE_LOG_LEVEL: "warn", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Starts `overture serve` and resolves once it printed its banner; stop it with `stop()`. From
 * source by default; `viaBin` runs the built `overture` command instead, as `npm start` does. An
 * `undefined` in `env` removes that variable.
 */
export function startServeProcess(
  env: Record<string, string | undefined>,
  /** `args`: after `serve`, e.g. `--create-dev-app` (which a PostgreSQL start needs for an app). */
  options: { viaBin?: boolean; args?: string[] } = {},
) {
  const args = [
    ...(options.viaBin ? [bin] : ["--conditions=source", "--import", "tsx", cli]),
    "serve",
    ...(options.args ?? []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: Object.fromEntries(
      Object.entries({ ...process.env, OVERTURE_LOG_LEVEL: "warn", ...env }).filter(
        ([, v]) => v !== undefined,
      ),
    ),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${stdout}\n${stderr}`)), 30_000);
    child.stdout.on("data", (d) => {
      stdout += d;
      // The banner is one write, ending in a blank line.
      if (/listening on .*\n\n$/s.test(stdout)) {
        clearTimeout(timer);
        resolve(stdout);
      }
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${stdout}\n${stderr}`));
    });
  });
  const stop = () =>
    new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) return resolve(child.exitCode);
      child.once("close", (code) => resolve(code));
      child.kill("SIGTERM");
    });
  return { ready, stop, output: () => stdout + stderr, pid: child.pid };
}

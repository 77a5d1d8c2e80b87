import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));

export interface ServerProcess {
  base: string;
  appId: string;
  /** Empty for a node started on a database whose app another node made. */
  apiKey: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * Starts the compiled server (`npm start`'s code path) with `env`; resolves once it printed its banner.
 * `serverRoot` runs another (built) checkout's server instead of this one's.
 */
export function startServer(env: Record<string, string>, serverRoot = root): Promise<ServerProcess> {
  // e.g. BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the server under load.
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      join(serverRoot, "packages/server/bin/overture.cjs"),
      "serve",
      // A PostgreSQL start makes its app only when asked (docs/operations.md).
      ...(env.OVERTURE_DATABASE_URL ? ["--create-dev-app"] : []),
    ],
    {
      env: {
        ...process.env,
        OVERTURE_PORT: "0",
        OVERTURE_LOG_LEVEL: "warn",
        ...env,
      },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let out = "";
  return new Promise((resolve, reject) => {
    child.on("close", (code) => reject(new Error(`server exited (${code}):\n${out}`)));
    child.stdout.on("data", (chunk) => {
      out += chunk;
      // The banner is one write ending in a blank line; a later node on the same database shows
      // the app's id but not its key (printed once, by the node that made it).
      if (!/listening on .*\n\n$/s.test(out)) return;
      const base = /listening on (\S+)/.exec(out)?.[1];
      const appId = /App ID:\s+(\S+)/.exec(out)?.[1];
      const apiKey = /API key:\s+(ovk_\S+)/.exec(out)?.[1] ?? "";
      if (base && appId) {
        resolve({
          base,
          appId,
          apiKey,
          pid: child.pid,
          stop: () =>
            new Promise((done) => {
              child.removeAllListeners("close");
              child.once("close", () => done());
              child.kill("SIGTERM");
            }),
        });
      }
    });
  });
}

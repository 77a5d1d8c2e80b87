import { parseArgs } from "node:util";
import type { Config } from "../config/config-schema.js";
import { ConfigError, loadConfig, unknownVariables } from "../config/load-config.js";
import { openRuntime } from "../runtime.js";
import { VERSION } from "../version.js";
import type { CliCommand, CliContext, CliIo } from "./cli-command.js";
import { appCreate } from "./commands/app-create.js";
import { appList } from "./commands/app-list.js";
import { dbMigrate } from "./commands/db-migrate.js";
import { devCert } from "./commands/dev-cert.js";
import { docs } from "./commands/docs.js";
import { keyCreate } from "./commands/key-create.js";
import { keyList } from "./commands/key-list.js";
import { keyRevoke } from "./commands/key-revoke.js";
import { keysRotate } from "./commands/keys-rotate.js";
import { serve } from "./commands/serve.js";
import { usersImport } from "./commands/users-import.js";

export type { CliIo } from "./cli-command.js";

/** Every command, in the order the usage lists them. */
const COMMANDS: readonly CliCommand[] = [
  serve,
  appCreate,
  appList,
  keyCreate,
  keyList,
  keyRevoke,
  keysRotate,
  dbMigrate,
  docs,
  usersImport,
  devCert,
];

const USAGE = [
  "Usage: overture <command> [options]",
  "",
  "Commands:",
  ...COMMANDS.map((c) => `  ${c.usage}`),
  "",
  "Every command reads the same configuration as serve (docs/config.md).",
  "--version prints the version; --help this text.",
].join("\n");

/** Runs one CLI invocation; returns the process exit code (-1: still running). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      name: { type: "string" },
      app: { type: "string" },
      key: { type: "string" },
      json: { type: "boolean", default: false },
      "out-dir": { type: "string" },
      alg: { type: "string" },
      file: { type: "string" },
      url: { type: "string" },
      concurrency: { type: "string" },
      restart: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
      version: { type: "boolean", short: "v", default: false },
    },
  });
  const [word = "serve", sub] = positionals;
  if (values.version || word === "version") {
    io.out(`overture ${VERSION}`);
    return 0;
  }
  if (values.help || word === "help") {
    io.out(USAGE);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === word) ?? COMMANDS.find((c) => c.name === `${word} ${sub}`);
  const usageError = (message: string) => {
    io.err(`overture: ${message}\n\n${USAGE}`);
    return 2;
  };
  if (!command) return usageError(`unknown command: ${`${word} ${sub ?? ""}`.trim()}`);
  let config: Readonly<Config> | undefined;
  const ctx: CliContext = {
    values,
    io,
    config: () => {
      if (!config) {
        config = loadConfig(io.env);
        // A misspelt option would otherwise be silently ignored.
        for (const name of unknownVariables(io.env))
          io.err(`overture: warning: ${name} is not a known option (docs/config.md); it is ignored`);
      }
      return config;
    },
    withRuntime: async (work) => {
      const runtime = await openRuntime(ctx.config());
      try {
        return await work(runtime);
      } finally {
        await runtime.close();
      }
    },
    print: (human, json) => io.out(values.json ? JSON.stringify(json) : human),
    usageError,
    failure: (message) => {
      io.err(`overture: ${message}`);
      return 1;
    },
  };
  return command.run(ctx);
}

export function describeStartupError(error: unknown): string {
  if (error instanceof ConfigError) return `overture: invalid configuration: ${error.message}`;
  if (error instanceof TypeError && (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
    return `overture: ${error.message}\n\n${USAGE}`;
  }
  return `overture: ${(error as Error).stack ?? String(error)}`;
}

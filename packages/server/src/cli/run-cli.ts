import { parseArgs } from "node:util";
import type { Config } from "../config/config-schema.js";
import { loadConfig, unknownVariables } from "../config/load-config.js";
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
import { serve } from "./commands/serve.js";
import { signingKeyList } from "./commands/signing-key-list.js";
import { signingKeyRotate } from "./commands/signing-key-rotate.js";
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
  signingKeyList,
  signingKeyRotate,
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
  "`overture <command> --help` describes one command; --version prints the version.",
].join("\n");

/** The first word of commands that have several (`app create`, `app list`): `overture app` lists them. */
const GROUPS = new Set(COMMANDS.filter((c) => c.name.includes(" ")).map((c) => c.name.split(" ")[0]));

function findCommand(word: string, sub: string | undefined) {
  const names = sub === undefined ? [word] : [`${word} ${sub}`, word];
  for (const name of names) {
    const command = COMMANDS.find((c) => c.name === name);
    if (command) return { command, alias: null };
    const renamed = COMMANDS.find((c) => c.aliases?.includes(name));
    if (renamed) return { command: renamed, alias: name };
  }
  return null;
}

/** The commands whose name starts with `word` (`keys` finds both kinds of key), for `overture <word>`. */
function groupUsage(word: string): string | null {
  const members = COMMANDS.filter(
    (c) =>
      c.name.split(" ")[0] === word ||
      (word === "keys" && /^(key|signing-key) /.test(c.name)) ||
      c.aliases?.some((a) => a.split(" ")[0] === word),
  );
  if (members.length === 0 || (!GROUPS.has(word) && word !== "keys")) return null;
  return [`Usage: overture ${word} <subcommand> [options]`, "", ...members.map((c) => `  ${c.usage}`)].join(
    "\n",
  );
}

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
      rejects: { type: "string" },
      "create-dev-app": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
      version: { type: "boolean", short: "v", default: false },
    },
  });
  const [word = "serve", sub] = positionals;
  if (values.version || word === "version") {
    io.out(`overture ${VERSION}`);
    return 0;
  }
  if (word === "help" || (values.help && positionals.length === 0)) {
    io.out(USAGE);
    return 0;
  }
  const found = findCommand(word, sub);
  if (!found) {
    const group = groupUsage(word);
    if (group && values.help) {
      io.out(group);
      return 0;
    }
    if (group) {
      io.err(sub === undefined ? group : `overture: unknown command: ${word} ${sub}\n\n${group}`);
      return 2;
    }
    io.err(`overture: unknown command: ${positionals.join(" ")}. Run \`overture --help\` for the commands.`);
    return 2;
  }
  const { command, alias } = found;
  if (values.help) {
    io.out(`Usage: overture ${command.usage}`);
    return 0;
  }
  if (alias) io.err(`overture: \`${alias}\` is now \`${command.name}\`; the old name still works.`);
  const usageError = (message: string) => {
    io.err(`overture: ${message}\n\nUsage: overture ${command.usage}`);
    return 2;
  };
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
      // Which installation a command changed is not obvious from a relative data directory or a
      // URL in the environment; stderr, so --json output stays one line.
      io.err(`overture: database ${runtime.database.description}`);
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

import type { Config } from "../config/config-schema.js";
import type { Runtime } from "../runtime.js";

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  /** A terminal for progress bars, when stderr is one. */
  progress?: { write(text: string): void; columns: number };
}

/** The parsed options of any command (run-cli.ts declares them all once). */
export interface CliValues {
  name?: string | undefined;
  app?: string | undefined;
  key?: string | undefined;
  json?: boolean | undefined;
  "out-dir"?: string | undefined;
  alg?: string | undefined;
  file?: string | undefined;
  url?: string | undefined;
  concurrency?: string | undefined;
  restart?: boolean | undefined;
  rejects?: string | undefined;
  "create-dev-app"?: boolean | undefined;
}

export interface CliContext {
  values: CliValues;
  io: CliIo;
  /** The configuration, read on first use (a command like `docs` needs none). */
  config(): Readonly<Config>;
  /** Opens the runtime for `work` and closes it after. */
  withRuntime(work: (runtime: Runtime) => Promise<number>): Promise<number>;
  /** Prints `human`, or `json` as one line with --json. */
  print(human: string, json: unknown): void;
  /** Exit code 2, with the message and the usage. */
  usageError(message: string): number;
  /** Exit code 1, with the message. */
  failure(message: string): number;
}

/** One `overture` command: its words (`app create`), its usage lines, and what it does. */
export interface CliCommand {
  name: string;
  /** Earlier names, still accepted (with a note naming the current one); not listed. */
  aliases?: readonly string[];
  usage: string;
  /** The exit code, or -1 for a command that keeps running (serve). */
  run(ctx: CliContext): Promise<number>;
}

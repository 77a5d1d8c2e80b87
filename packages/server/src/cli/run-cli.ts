import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../config/load-config.js";
import { renderConfigDoc } from "../docs/render-config-doc.js";
import { renderErrorsDoc } from "../docs/render-errors-doc.js";
import { renderOpenApi } from "../docs/render-openapi.js";
import { createApiKey, provisionApp, revokeApiKey, rotateSigningKey } from "../domain/apps/apps.js";
import { isoTime } from "../domain/shared/clock.js";
import { openRuntime, type Runtime } from "../runtime.js";
import { writeDevCert } from "./dev-cert.js";
import { importUsers } from "./import-users.js";
import { serve } from "./serve.js";

const USAGE = `Usage: overture <command> [options]

Commands:
  serve                                   Run the server (the default command).
  app create --name <name> [--json]       Create an application and its first API key.
  app list [--json]                       List applications.
  key create --app <id> [--name <n>] [--json]
                                          Create another management API key for an app.
  key list --app <id> [--json]            List an app's API keys (never their secrets).
  key revoke --app <id> --key <key_id>    Revoke an API key; it stops working at once.
  keys rotate --app <id> [--alg ES256|RS256]
                                          New current token signing key; old keys stay in the JWKS
                                          until the tokens they signed have expired.
  db migrate                              Apply pending database migrations and exit.
  docs [--out-dir <dir>]                  Write openapi.json, errors.md and config.md (default: docs).
  users import --app <id> --file <users.jsonl> [--url <base>] [--concurrency <n>] [--restart]
                                          Create users from JSON lines (POST /users bodies) through
                                          the Management API at --url (default OVERTURE_PUBLIC_URL),
                                          with the key in OVERTURE_API_KEY. Existing external_ids are
                                          skipped; a stopped run resumes where it stopped.
  dev-cert [--out-dir <dir>]              Write a self-signed localhost certificate (default: the data
                                          directory) and print the variables that enable HTTPS.

Every command reads the same configuration as serve (docs/config.md).`;

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  /** A terminal for progress bars, when stderr is one. */
  progress?: { write(text: string): void; columns: number };
}

/** Runs one CLI invocation; returns the process exit code. */
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
    },
  });
  const [command = "serve", sub] = positionals;
  if (values.help || command === "help") {
    io.out(USAGE);
    return 0;
  }
  if (command === "docs") return writeDocs(values["out-dir"] ?? "docs", io);
  if (command === "dev-cert") {
    const written = writeDevCert(values["out-dir"] ?? loadConfig(io.env).storage.dataDir);
    if ("error" in written) return failure(io, written.error);
    io.out(`Wrote ${written.cert} and ${written.key}. Serve HTTPS with:`);
    io.out(`  OVERTURE_TLS_CERT=${written.cert} OVERTURE_TLS_KEY=${written.key} npm start`);
    return 0;
  }

  const config = loadConfig(io.env);
  if (command === "users" && sub === "import") {
    const apiKey = io.env.OVERTURE_API_KEY;
    if (!values.app || !values.file) return usageError(io, "users import needs --app <id> and --file <path>");
    // From the environment only: a key on the command line would show in process listings.
    if (!apiKey) return usageError(io, "users import needs the app's API key in OVERTURE_API_KEY");
    const concurrency = Number(values.concurrency ?? 8);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
      return usageError(io, "--concurrency must be an integer from 1 to 64");
    if (!existsSync(values.file)) return failure(io, `No file ${values.file}.`);
    const counts = await importUsers({
      baseUrl: values.url ?? config.server.publicUrl,
      appId: values.app,
      apiKey,
      file: values.file,
      concurrency,
      restart: values.restart ?? false,
      out: io.out,
      err: io.err,
      ...(io.progress && { progress: io.progress }),
    });
    io.out(
      `Created ${counts.created}, skipped ${counts.skipped} (external_id exists), failed ${counts.failed}.`,
    );
    return counts.interrupted ? 130 : counts.failed > 0 ? 1 : 0;
  }
  if (command === "serve") {
    await serve(config, io.out);
    return -1; // keeps running
  }
  const runtime = await openRuntime(config);
  try {
    return await runCommand(`${command} ${sub ?? ""}`.trim(), values, runtime, io);
  } finally {
    await runtime.database.close();
  }
}

type Options = {
  name?: string | undefined;
  app?: string | undefined;
  key?: string | undefined;
  alg?: string | undefined;
  json?: boolean;
};

async function runCommand(command: string, opts: Options, runtime: Runtime, io: CliIo): Promise<number> {
  const print = (human: string, json: unknown) => io.out(opts.json ? JSON.stringify(json) : human);
  switch (command) {
    case "db migrate": {
      io.out(
        runtime.migrated.length
          ? `Applied: ${runtime.migrated.join(", ")}`
          : "The database schema is up to date.",
      );
      return 0;
    }
    case "app create": {
      if (!opts.name) return usageError(io, "app create needs --name <name>");
      const { app, apiKey } = await provisionApp(runtime.domain, opts.name);
      print(
        `Created app ${app.id} (${app.name}, mode ${app.mode}).\nAPI key (shown once): ${apiKey.secret}`,
        { app_id: app.id, name: app.name, mode: app.mode, api_key: apiKey.secret, key_id: apiKey.key.id },
      );
      return 0;
    }
    case "app list": {
      const apps = await runtime.domain.store.apps.list();
      print(
        apps.map((a) => `${a.id}\t${a.mode}\t${a.name}\t${isoTime(a.createdAt)}`).join("\n") || "No apps.",
        apps.map((a) => ({ app_id: a.id, name: a.name, mode: a.mode, created_at: isoTime(a.createdAt) })),
      );
      return 0;
    }
    case "key create": {
      if (!opts.app) return usageError(io, "key create needs --app <id>");
      const result = await createApiKey(runtime.domain, opts.app, opts.name ?? "cli");
      if (!result.ok) return failure(io, `No app ${opts.app}.`);
      const { key, secret } = result.apiKey;
      print(`Created key ${key.id} for app ${key.appId}.\nAPI key (shown once): ${secret}`, {
        app_id: key.appId,
        key_id: key.id,
        api_key: secret,
      });
      return 0;
    }
    case "key list": {
      if (!opts.app) return usageError(io, "key list needs --app <id>");
      const keys = await runtime.domain.store.apiKeys.list(opts.app);
      print(
        keys
          .map(
            (k) =>
              `${k.id}\t${k.hint}\t${k.name}\t${k.revokedAt ? `revoked ${isoTime(k.revokedAt)}` : "active"}`,
          )
          .join("\n") || "No keys.",
        keys.map((k) => ({
          key_id: k.id,
          name: k.name,
          hint: k.hint,
          created_at: isoTime(k.createdAt),
          revoked_at: k.revokedAt ? isoTime(k.revokedAt) : null,
        })),
      );
      return 0;
    }
    case "key revoke": {
      if (!opts.app || !opts.key) return usageError(io, "key revoke needs --app <id> --key <key_id>");
      const result = await revokeApiKey(runtime.domain, opts.app, opts.key);
      if (!result.ok) return failure(io, `No active key ${opts.key} on app ${opts.app}.`);
      io.out(`Revoked ${opts.key}.`);
      return 0;
    }
    case "keys rotate": {
      if (!opts.app) return usageError(io, "keys rotate needs --app <id>");
      if (opts.alg !== undefined && opts.alg !== "ES256" && opts.alg !== "RS256") {
        return usageError(io, "--alg must be ES256 or RS256");
      }
      const result = await rotateSigningKey(runtime.domain, opts.app, opts.alg);
      if (!result.ok) return failure(io, `No app ${opts.app}.`);
      print(`New signing key ${result.key.id} (${result.key.alg}) is current for app ${opts.app}.`, {
        app_id: opts.app,
        kid: result.key.id,
        alg: result.key.alg,
      });
      return 0;
    }
    default:
      return usageError(io, `unknown command: ${command}`);
  }
}

async function writeDocs(dir: string, io: CliIo): Promise<number> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "openapi.json"), await renderOpenApi());
  writeFileSync(join(dir, "errors.md"), renderErrorsDoc());
  writeFileSync(join(dir, "config.md"), renderConfigDoc());
  io.out(`Wrote ${dir}/openapi.json, ${dir}/errors.md and ${dir}/config.md.`);
  return 0;
}

function usageError(io: CliIo, message: string): number {
  io.err(`overture: ${message}\n\n${USAGE}`);
  return 2;
}

function failure(io: CliIo, message: string): number {
  io.err(`overture: ${message}`);
  return 1;
}

export function describeStartupError(error: unknown): string {
  if (error instanceof ConfigError) return `overture: invalid configuration: ${error.message}`;
  if (error instanceof TypeError && (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
    return `overture: ${error.message}\n\n${USAGE}`;
  }
  return `overture: ${(error as Error).stack ?? String(error)}`;
}

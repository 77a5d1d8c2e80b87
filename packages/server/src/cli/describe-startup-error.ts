import { ConfigError } from "../config/load-config.js";

/** Node and pg error fields the descriptions below read. */
interface SystemError extends Error {
  code?: string;
  syscall?: string;
  hostname?: string;
  address?: string;
  port?: number;
  path?: string;
}

/**
 * One line for what stops a command or the server from starting: a person at a terminal needs what
 * went wrong and which setting to change, not a stack. Anything not recognised here is a bug, and
 * keeps its stack.
 */
export function describeStartupError(error: unknown, env: NodeJS.ProcessEnv = {}): string {
  if (error instanceof ConfigError) return `overture: invalid configuration: ${error.message}`;
  const e = error as SystemError;
  if (e instanceof TypeError && e.code?.startsWith("ERR_PARSE_ARGS")) {
    return `overture: ${e.message}. Run \`overture --help\` for the commands and their options.`;
  }
  const line = known(e, settingOf(e, env));
  return line ? `overture: ${line}` : `overture: ${e?.stack ?? String(error)}`;
}

function known(e: SystemError, setting: string): string | null {
  switch (e?.code) {
    case "EADDRINUSE":
      return `cannot listen on ${e.address ?? "the address"}:${e.port ?? "?"}: the port is already in use (another server?). Set OVERTURE_PORT to a free port.`;
    case "EACCES":
      return e.syscall === "listen"
        ? `not allowed to listen on port ${e.port ?? "?"} (ports below 1024 need privileges). Set OVERTURE_PORT to 1024 or above.`
        : `permission denied: ${e.path ?? e.message}`;
    case "EADDRNOTAVAIL":
      return `cannot listen on ${e.address ?? "that address"}: it is not an address of this machine (OVERTURE_HOST).`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `cannot resolve the host name ${e.hostname ?? "?"}${setting}: check the name, or your DNS.`;
    case "ECONNREFUSED":
      return `cannot connect to ${e.address ?? "?"}:${e.port ?? "?"}${setting}: connection refused. Is PostgreSQL running there?`;
    // PostgreSQL's SQLSTATEs, as pg reports them.
    case "3D000":
      return `${e.message} (OVERTURE_DATABASE_URL): create it first, e.g. \`createdb <name>\`.`;
    case "28P01":
    case "28000":
      return `PostgreSQL refused the login: ${e.message} (OVERTURE_DATABASE_URL).`;
    default:
      return null;
  }
}

/** The setting that named the host an error is about, as " (OVERTURE_…)", or "". */
function settingOf(e: SystemError, env: NodeJS.ProcessEnv): string {
  const host = e?.hostname ?? e?.address;
  if (!host) return "";
  if (env.OVERTURE_HOST === host) return " (OVERTURE_HOST)";
  if (env.OVERTURE_DATABASE_URL?.includes(host)) return " (OVERTURE_DATABASE_URL)";
  return "";
}

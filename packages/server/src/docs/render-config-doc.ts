import { type Config, configSchema, type OptionDef } from "../config/config-schema.js";

/** docs/config.md, generated from the schema; a test keeps the file equal to this. */
const SECTIONS: Record<keyof Config, string> = {
  server: "Server",
  frontend: "Frontend hosts",
  storage: "Storage",
  keys: "Keys",
  login: "Login",
  webhooks: "Webhooks",
  oauth: "Social login",
};

export function renderConfigDoc(): string {
  const options = configSchema as readonly OptionDef[];
  const rows = (Object.keys(SECTIONS) as (keyof Config)[]).flatMap((section) => [
    `| **${SECTIONS[section]}** | | | |`,
    ...options
      .filter((o) => o.section === section)
      .map((o) => `| \`${o.env}\` | \`${o.file}\` | ${o.defaultDoc} | ${o.doc} |`),
  ]);
  return [
    "# Configuration",
    "",
    "<!-- Generated from packages/server/src/config/config-schema.ts by `npm run docs`; do not edit. -->",
    "",
    "Overture reads its configuration once at start-up from environment variables and, optionally, a JSON",
    "file named by `OVERTURE_CONFIG` whose keys are the file keys below. An environment variable wins over",
    "the file. An invalid value or an unknown file key stops the process with the option's name and the",
    'reason, for example `OVERTURE_PORT: must be an integer from 0 to 65535 (got "http")`. An',
    "`OVERTURE_*` environment variable that names no option (a typo) is reported as a warning at start.",
    "",
    "The CLI commands (`overture serve`, `overture app create`, …) all read the same configuration. The",
    "server reads it in sections (server, frontend hosts, storage, keys, login, webhooks, social login;",
    "passkeys will add theirs); an option left unset is absent (`null`), never an empty string.",
    "",
    "| Environment variable | File key | Default | Meaning |",
    "|---|---|---|---|",
    ...rows,
    "",
    "`UV_THREADPOOL_SIZE` (Node's own variable, read when the process starts): the `overture` command sets",
    "it to one thread per CPU core beyond the first (at least 1) unless it is already set. That pool signs",
    "and checks tokens and DPoP proofs, hashes passwords, and runs DNS lookups for outbound calls (hooks,",
    "SMTP); a deployment that expects slow DNS or many concurrent password logins may want more. Why this",
    "default: docs/benchmarks.md.",
    "",
    "Test suites read `OVERTURE_TEST_POSTGRES_URL` (not a server option): when set, every storage and",
    "feature suite also runs on that PostgreSQL database, each test file in a schema of its own.",
    "",
  ].join("\n");
}

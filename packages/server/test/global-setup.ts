import { POSTGRES_URL_VARIABLE, postgresUrl } from "./support/test-databases.js";

/** Says once, at the top of every run, which databases the storage and feature suites cover. */
export default function setup(): void {
  if (postgresUrl()) {
    console.log(
      `\n[overture] storage and feature suites run on SQLite and on PostgreSQL (${POSTGRES_URL_VARIABLE}).\n`,
    );
  } else {
    console.warn(
      `\n[overture] PostgreSQL suites SKIPPED: ${POSTGRES_URL_VARIABLE} is not set. ` +
        `Example: ${POSTGRES_URL_VARIABLE}=postgres://postgres@127.0.0.1:5432/test npm test\n`,
    );
  }
}

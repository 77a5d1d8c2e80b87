import { readFileSync } from "node:fs";

/** The server package's version, read once from its package.json (same path from src/ and dist/). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

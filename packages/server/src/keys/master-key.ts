import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const MASTER_KEY_FILE = "master.key";

/**
 * The 32-byte key that encrypts private signing keys at rest. From `OVERTURE_MASTER_KEY` when set
 * (required when several nodes share a database: they must all hold the same key); otherwise from
 * `<data_dir>/master.key`, created on first use with mode 0600. Losing it makes the stored signing
 * keys unusable, which forces a rotation (and signs every user out), but exposes nothing.
 */
export function loadMasterKey(configured: string | undefined, dataDir: string): Buffer {
  if (configured) return decodeMasterKey(configured, "OVERTURE_MASTER_KEY");
  const file = join(dataDir, MASTER_KEY_FILE);
  if (existsSync(file)) return decodeMasterKey(readFileSync(file, "utf8").trim(), file);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  return key;
}

export function decodeMasterKey(text: string, source: string): Buffer {
  const key = Buffer.from(text, "base64url");
  if (key.length !== 32 || key.toString("base64url") !== text.replace(/=+$/, "")) {
    throw new Error(`${source}: the master key must be 32 bytes, base64url-encoded (43 characters)`);
  }
  return key;
}

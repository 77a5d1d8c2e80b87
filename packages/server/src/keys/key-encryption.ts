import { createCipheriv, createDecipheriv } from "node:crypto";
import { randomBytesPooled } from "../domain/shared/random-bytes-pooled.js";

const VERSION = "v1";

/**
 * AES-256-GCM with a random 96-bit IV. `context` (the key id) is authenticated as associated data,
 * so a ciphertext copied onto another row fails to decrypt instead of impersonating that key.
 */
export function encryptSecret(masterKey: Buffer, plaintext: string, context: string): string {
  const iv = randomBytesPooled(12);
  const cipher = createCipheriv("aes-256-gcm", masterKey, iv);
  cipher.setAAD(Buffer.from(context, "utf8"));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [VERSION, iv, body, cipher.getAuthTag()]
    .map((p) => (typeof p === "string" ? p : p.toString("base64url")))
    .join(".");
}

export function decryptSecret(masterKey: Buffer, sealed: string, context: string): string {
  const [version, iv, body, tag] = sealed.split(".");
  if (version !== VERSION || !iv || !body || !tag) throw new Error("unrecognised encrypted secret format");
  const decipher = createDecipheriv("aes-256-gcm", masterKey, Buffer.from(iv, "base64url"));
  decipher.setAAD(Buffer.from(context, "utf8"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
}

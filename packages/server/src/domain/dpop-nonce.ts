import { createHmac, timingSafeEqual } from "node:crypto";

/** How long a nonce is accepted after it was issued. */
export const NONCE_TTL_MS = 5 * 60_000;

/**
 * Stateless DPoP nonces: issue time plus an HMAC over app and time. Any node holding the same key
 * checks them without shared state, and a nonce from one app is worthless for another.
 */
export function issueNonce(key: Buffer, appId: string, now: number): string {
  const time = Buffer.alloc(6);
  time.writeUIntBE(Math.floor(now / 1000), 0, 6);
  return Buffer.concat([time, mac(key, appId, time)]).toString("base64url");
}

export function isValidNonce(key: Buffer, appId: string, nonce: unknown, now: number): boolean {
  if (typeof nonce !== "string" || nonce.length !== 30) return false;
  const raw = Buffer.from(nonce, "base64url");
  if (raw.length !== 22) return false;
  const time = raw.subarray(0, 6);
  const issuedMs = time.readUIntBE(0, 6) * 1000;
  if (issuedMs > now + 5_000 || now - issuedMs > NONCE_TTL_MS) return false;
  return timingSafeEqual(raw.subarray(6), mac(key, appId, time));
}

function mac(key: Buffer, appId: string, time: Buffer): Buffer {
  return createHmac("sha256", key).update(appId).update(time).digest().subarray(0, 16);
}

import { createHmac, timingSafeEqual } from "node:crypto";

/** How long a nonce is accepted after it was issued. */
export const NONCE_TTL_MS = 5 * 60_000;

/**
 * Stateless DPoP nonces: issue time (seconds) plus an HMAC over app and time. Any node holding the
 * same key checks them without shared state, and a nonce from one app is worthless for another.
 */
export function issueNonce(key: Buffer, appId: string, now: number): string {
  return macFor(key, appId, Math.floor(now / 1000)).nonce;
}

export function isValidNonce(key: Buffer, appId: string, nonce: unknown, now: number): boolean {
  if (typeof nonce !== "string" || nonce.length !== 30) return false;
  const raw = Buffer.from(nonce, "base64url");
  if (raw.length !== 22) return false;
  const seconds = raw.readUIntBE(0, 6);
  const issuedMs = seconds * 1000;
  if (issuedMs > now + 5_000 || now - issuedMs > NONCE_TTL_MS) return false;
  return timingSafeEqual(raw.subarray(6), macFor(key, appId, seconds).mac);
}

/**
 * Every response of a DPoP endpoint carries a nonce and every proof brings one back, so the same
 * (app, second) MAC is asked for thousands of times a second under load; two HMACs per request
 * were ~5% of the event loop (docs/benchmarks.md). A pure function's memo, bounded: an entry is
 * found again only while its second is recent.
 */
const memo = new WeakMap<Buffer, Map<string, { mac: Buffer; nonce: string }>>();
const MEMO_MAX = 4096;

function macFor(key: Buffer, appId: string, seconds: number): { mac: Buffer; nonce: string } {
  let byKey = memo.get(key);
  if (!byKey) {
    byKey = new Map();
    memo.set(key, byKey);
  }
  const id = `${seconds}|${appId}`;
  let entry = byKey.get(id);
  if (!entry) {
    const time = Buffer.alloc(6);
    time.writeUIntBE(seconds, 0, 6);
    const mac = createHmac("sha256", key).update(appId).update(time).digest().subarray(0, 16);
    entry = { mac, nonce: Buffer.concat([time, mac]).toString("base64url") };
    if (byKey.size >= MEMO_MAX) byKey.delete(byKey.keys().next().value as string);
    byKey.set(id, entry);
  }
  return entry;
}

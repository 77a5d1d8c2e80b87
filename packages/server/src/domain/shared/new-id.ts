import { randomBytes } from "node:crypto";
import { randomBytesPooled } from "./random-bytes-pooled.js";

const CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz";

/**
 * Monotonic ULID state. Within one millisecond the 80-bit random part is incremented instead of
 * redrawn (the ULID spec's monotonic mode), so ids made by this process sort in creation order —
 * the order identifiers are listed in and keyset pagination walks. Process-wide by nature, like the
 * CSPRNG it draws from.
 */
let lastTime = -1;
let lastRandom = 0n;
const RANDOM_MAX = (1n << 80n) - 1n;

/**
 * `prefix_` + a 26-character lowercase ULID: 48 bits of millisecond time, then 80 bits that start
 * random (CSPRNG) in each millisecond; ids cannot be guessed and sort roughly by creation.
 */
export function newId(prefix: string, now: number = Date.now()): string {
  if (now > lastTime || lastRandom >= RANDOM_MAX) {
    lastTime = Math.max(now, lastTime);
    lastRandom = BigInt(`0x${randomBytesPooled(10).toString("hex")}`) >> 1n; // headroom for increments
  } else {
    lastRandom += 1n + BigInt(randomBytesPooled(1)[0] ?? 0);
  }
  return `${prefix}_${encode(BigInt(lastTime), 10)}${encode(lastRandom, 16)}`;
}

function encode(value: bigint, length: number): string {
  let out = "";
  let v = value;
  for (let i = 0; i < length; i++) {
    out = CROCKFORD[Number(v & 31n)] + out;
    v >>= 5n;
  }
  return out;
}

/** Application ids are short like Prelude's (`54e9ujn`): 10 base32 characters, 45 random bits. */
export function newAppId(): string {
  const bytes = randomBytes(9);
  let id = "";
  for (const byte of bytes) id += CROCKFORD[byte & 31];
  // A leading letter keeps the id a valid DNS label start for `{appId}.<base domain>` hosts.
  return `a${id}`;
}

import { randomFillSync } from "node:crypto";

// One CSPRNG call per 4 KiB instead of one per draw: each call into OpenSSL costs microseconds,
// and a refresh draws three times (token, sealing IV, ids). Node's randomUUID pools the same way.
const pool = Buffer.alloc(4096);
let offset = pool.length;

/** `size` bytes from the CSPRNG (at most 256), in a buffer of the caller's own. */
export function randomBytesPooled(size: number): Buffer {
  if (size > 256) throw new RangeError("draw large buffers from randomBytes directly");
  if (offset + size > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + size));
  // Drawn bytes are zeroed so they never exist twice in memory longer than needed.
  pool.fill(0, offset, offset + size);
  offset += size;
  return out;
}

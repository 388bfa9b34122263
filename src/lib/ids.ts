import { randomFillSync } from 'node:crypto';

let lastMs = 0;
let sequence = 0;
/** lastMs as the id's first 12 hex digits, with its dash: `xxxxxxxx-xxxx-`. */
let lastMsHex = '';

/** Random bytes drawn 4 KiB at a time: one call into OpenSSL per 512 ids, not two per id. */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

/** The offset in `pool` of `size` fresh random bytes. */
function randomBytes(size: number): number {
  if (poolOffset + size > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const offset = poolOffset;
  poolOffset += size;
  return offset;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function timeHex(ms: number): string {
  const hex = ms.toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8)}-`;
}

/**
 * A UUID version 7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, a 12-bit counter, then random
 * bits. Ids made by one process sort in the order they were made (RFC 9562 §6.2, method 1: the
 * counter orders ids of the same millisecond), so the primary-key index doubles as the default,
 * stable listing order. Its time is `now`, or later when the clock stepped back or more than
 * 4,096 ids came in one millisecond (uuidv7Time).
 */
export function uuidv7(now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    lastMsHex = timeHex(now);
    const at = randomBytes(2);
    sequence = ((pool[at]! << 8) | pool[at + 1]!) & 0x3ff; // start low, leave room to count
  } else if (++sequence > 0xfff) {
    lastMs++;
    lastMsHex = timeHex(lastMs);
    sequence = 0;
  }
  const r = randomBytes(8);
  return (
    lastMsHex +
    HEX[0x70 | (sequence >> 8)]! + // version 7, counter high bits
    HEX[sequence & 0xff]! +
    '-' +
    HEX[0x80 | (pool[r]! & 0x3f)]! + // variant 10
    HEX[pool[r + 1]!]! +
    '-' +
    HEX[pool[r + 2]!]! +
    HEX[pool[r + 3]!]! +
    HEX[pool[r + 4]!]! +
    HEX[pool[r + 5]!]! +
    HEX[pool[r + 6]!]! +
    HEX[pool[r + 7]!]!
  );
}

/** The Unix milliseconds a UUID version 7 carries (its first 48 bits). */
export function uuidv7Time(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

/**
 * The smallest UUID version 7 of millisecond `ms`: as text (lowercase hex), every id made at
 * `ms` or later sorts at or above it, every id made earlier below it.
 */
export function uuidv7Floor(ms: number): string {
  return `${timeHex(ms)}7000-8000-000000000000`;
}

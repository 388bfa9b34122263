/**
 * Cursors of RFC 9865 cursor paging: opaque to clients (base64url, RFC 3986 unreserved
 * characters only), and carrying the last id served and a digest of the query they belong to,
 * so a cursor used with another filter is refused instead of returning a wrong page. They do
 * not expire: a cursor is a position in the id order, not server state, so any instance can
 * serve the next page.
 */
import { createHash } from 'node:crypto';
import { ScimError } from '../../scim/errors.ts';

export function queryDigest(endpoint: string, filter: string | undefined): string {
  return createHash('sha256')
    .update(`${endpoint}\n${filter ?? ''}`)
    .digest('base64url')
    .slice(0, 16);
}

export function encodeCursor(after: string, digest: string): string {
  return Buffer.from(JSON.stringify({ a: after, q: digest })).toString('base64url');
}

/** The id to continue after; the empty cursor (first page) continues after nothing. */
export function decodeCursor(cursor: string, digest: string): string {
  if (cursor === '') return '';
  let decoded: unknown;
  try {
    if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) throw new Error('not base64url');
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new ScimError(400, 'invalidCursor', 'The cursor is not one this server issued.');
  }
  const { a, q } = (decoded ?? {}) as { a?: unknown; q?: unknown };
  if (typeof a !== 'string' || typeof q !== 'string') {
    throw new ScimError(400, 'invalidCursor', 'The cursor is not one this server issued.');
  }
  if (q !== digest) {
    throw new ScimError(
      400,
      'invalidCursor',
      'The cursor belongs to another query: repeat the filter of the request that returned it.',
    );
  }
  return a;
}

/**
 * U+0000 (NUL) in text. PostgreSQL's `text` and `jsonb` cannot hold it ("invalid byte sequence
 * for encoding UTF8: 0x00"), so a value with one would be a 500 there and stored as sent on
 * SQLite. No identity provider sends one: it is refused at the edges, on both databases alike,
 * as bad input (400).
 */
export const NUL_DETAIL = 'U+0000 (NUL) is not allowed in any value';

/** Whether a URL holds a percent-encoded NUL (a raw one never gets past Node's HTTP parser). */
export function urlHasNul(url: string): boolean {
  return url.includes('%00');
}

/**
 * Whether JSON text holds a string with U+0000: the escape `\u0000` not itself escaped (an even
 * number of backslashes before it). A raw NUL inside a JSON string is invalid JSON already.
 */
export function jsonHasNul(text: string): boolean {
  return text.includes('\\u0000') && /(?:^|[^\\])(?:\\\\)*\\u0000/.test(text);
}

/** The path (dotted, as the client wrote it) of the first string or key holding U+0000. */
export function nulField(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path || '(body)' : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulField(value[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [key, inner] of Object.entries(value)) {
    const here = path ? `${path}.${key}` : key;
    if (key.includes('\u0000')) return here;
    const found = nulField(inner, here);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * What the logs never keep: values under a name that says they are secret, in a body (the
 * provisioning log's redact()) or in a query string (both logs).
 */

/** Keys whose values are secrets wherever they appear. */
export const SECRET_KEY = /pass(word)?|secret|token|authorization|credential|api[-_]?key/i;
export const REDACTED = '[redacted]';

/** A query string (without its `?`) with the value of every secret-named parameter redacted. */
export function redactQuery(query: string): string {
  if (!SECRET_KEY.test(decodeLoosely(query))) return query;
  return query
    .split('&')
    .map((part) => {
      const mark = part.indexOf('=');
      const name = mark < 0 ? part : part.slice(0, mark);
      return SECRET_KEY.test(decodeLoosely(name)) ? `${name}=${REDACTED}` : part;
    })
    .join('&');
}

/** A URL with its query string redacted (redactQuery). */
export function redactUrl(url: string): string {
  const mark = url.indexOf('?');
  return mark < 0 ? url : `${url.slice(0, mark + 1)}${redactQuery(url.slice(mark + 1))}`;
}

function decodeLoosely(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

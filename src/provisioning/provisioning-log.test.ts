import { describe, expect, it } from 'vitest';
import { MAX_BODY_CHARS, REDACTED, TOO_DEEP, redact, storedBody } from './provisioning-log.ts';

describe('redact', () => {
  it('replaces secrets wherever their key appears, and leaves the input alone', () => {
    const body = {
      userName: 'a@example.com',
      password: 'p',
      nested: { Password: 'p', apiKey: 'k', api_key: 'k', clientSecret: 's', token: 't' },
      list: [{ credentials: 'c', value: 'kept' }],
    };
    const copy = structuredClone(body);
    expect(redact(body)).toEqual({
      userName: 'a@example.com',
      password: REDACTED,
      nested: {
        Password: REDACTED,
        apiKey: REDACTED,
        api_key: REDACTED,
        clientSecret: REDACTED,
        token: REDACTED,
      },
      list: [{ credentials: REDACTED, value: 'kept' }],
    });
    expect(body).toEqual(copy);
  });

  it('replaces the value of a PATCH operation whose path names a secret', () => {
    const body = {
      Operations: [
        { op: 'replace', path: 'password', value: 'p' },
        { op: 'replace', path: 'displayName', value: 'kept' },
        { op: 'replace', value: { password: 'p', active: false } },
      ],
    };
    expect(redact(body)).toEqual({
      Operations: [
        { op: 'replace', path: 'password', value: REDACTED },
        { op: 'replace', path: 'displayName', value: 'kept' },
        { op: 'replace', value: { password: REDACTED, active: false } },
      ],
    });
  });

  it('cuts what is nested deeper than 32 levels, however deep it goes', () => {
    const nest = (depth: number): unknown => {
      let value: unknown = 'bottom';
      for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { x: value };
      return value;
    };
    // 32 levels keep their bottom; 33 lose it; 100,000 (past the stack) are cut alike.
    expect(JSON.stringify(redact(nest(32)))).toContain('"bottom"');
    expect(JSON.stringify(redact(nest(33)))).toContain(JSON.stringify(TOO_DEEP));
    expect(JSON.stringify(redact(nest(33)))).not.toContain('bottom');
    const deep = storedBody({ password: 'p', x: nest(100_000) })!;
    expect(deep).toContain(JSON.stringify(TOO_DEEP));
    expect(JSON.parse(deep)).toMatchObject({ password: REDACTED });
  });

  it('keeps scalars and null as they are', () => {
    expect(redact(null)).toBeNull();
    expect(redact('text')).toBe('text');
    expect(redact([1, true])).toEqual([1, true]);
  });
});

describe('storedBody', () => {
  it('stores small bodies whole, and a note with the start of a large one', () => {
    expect(storedBody(undefined)).toBeNull();
    expect(JSON.parse(storedBody({ a: 1 })!)).toEqual({ a: 1 });
    const large = { members: Array.from({ length: 10_000 }, (_, i) => ({ value: `id-${i}` })) };
    const stored = JSON.parse(storedBody(large)!) as { truncated: boolean; size: number };
    expect(stored.truncated).toBe(true);
    expect(stored.size).toBeGreaterThan(MAX_BODY_CHARS);
    expect(storedBody(large)!.length).toBeLessThan(MAX_BODY_CHARS);
  });
});

import { describe, expect, it } from 'vitest';
import { uuidv7, uuidv7Floor, uuidv7Time } from './ids.ts';

describe('uuidv7', () => {
  it('is a version 7, variant 10 UUID carrying the time', () => {
    const id = uuidv7(Date.UTC(2026, 10, 28));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBeGreaterThanOrEqual(
      Date.UTC(2026, 10, 28),
    );
  });

  it('sorts in the order ids were made, within one millisecond too', () => {
    const now = Date.now() + 60_000;
    const ids = Array.from({ length: 5000 }, () => uuidv7(now));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('carries its time, read back by uuidv7Time', () => {
    const now = Date.now() + 120_000;
    expect(uuidv7Time(uuidv7(now))).toBe(now);
    // The clock stepped back: the id keeps the order, and says the time it carries.
    const earlier = uuidv7(now - 10_000);
    expect(uuidv7Time(earlier)).toBe(now);
  });

  it('sorts above the floor of its millisecond and below the next one', () => {
    const now = Date.now() + 180_000;
    const ids = Array.from({ length: 100 }, () => uuidv7(now));
    for (const id of ids) {
      expect(uuidv7Floor(now) <= id).toBe(true);
      expect(id < uuidv7Floor(now + 1)).toBe(true);
      expect(uuidv7Floor(now - 1) < id).toBe(true);
    }
    expect(uuidv7Floor(Date.UTC(2026, 10, 29))).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-7000-8000-000000000000$/,
    );
    expect(uuidv7Time(uuidv7Floor(Date.UTC(2026, 10, 29)))).toBe(Date.UTC(2026, 10, 29));
  });
});

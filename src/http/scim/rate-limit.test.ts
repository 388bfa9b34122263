import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit.ts';

describe('RateLimiter', () => {
  it('admits a burst of one second at the rate, then keeps to the rate', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    const admitted = Array.from({ length: 30 }, () => limiter.take('a', 25).allowed);
    expect(admitted.filter(Boolean)).toHaveLength(25);
    const refused = limiter.take('a', 25);
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now += 40; // one request's worth at 25/s
    expect(limiter.take('a', 25).allowed).toBe(true);
    expect(limiter.take('a', 25).allowed).toBe(false);
  });

  it('keeps one bucket per connection', () => {
    const limiter = new RateLimiter(() => 0);
    for (let i = 0; i < 25; i++) limiter.take('a', 25);
    expect(limiter.take('a', 25).allowed).toBe(false);
    expect(limiter.take('b', 25).allowed).toBe(true);
  });

  it('never refills beyond one second of requests', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    limiter.take('a', 25);
    now += 60_000;
    const admitted = Array.from({ length: 40 }, () => limiter.take('a', 25).allowed);
    expect(admitted.filter(Boolean)).toHaveLength(25);
  });
});

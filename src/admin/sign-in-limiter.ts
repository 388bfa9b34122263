/**
 * The sign-in rate limit: a token bucket per key (a client address, a userName) holding
 * `perMinute` attempts and refilled at that rate, so a burst of typing mistakes passes and a
 * password-guessing loop slows to `perMinute` a minute. Per process, like the SCIM limit; the
 * memory is bounded (the least recently used keys are forgotten first, which only lets them
 * start again with a full bucket).
 */
export interface Admission {
  readonly allowed: boolean;
  /** Whole seconds until an attempt would be admitted (for Retry-After). */
  readonly retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class SignInLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perMinute = 10,
    private readonly clock: () => number = () => performance.now(),
    private readonly maxKeys = 50_000,
  ) {}

  /** Takes one attempt from the key's bucket. */
  take(key: string): Admission {
    const now = this.clock();
    const perMs = this.perMinute / 60_000;
    const bucket = this.buckets.get(key) ?? { tokens: this.perMinute, at: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * perMs);
    bucket.at = now;
    // Re-inserted: the map's order is the order of last use.
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, retryAfterSeconds: 0 };
    }
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000)),
    };
  }
}

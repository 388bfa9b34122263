/**
 * Per-connection rate limits: a token bucket per connection in each process, refilled at the
 * connection's rate and holding one second's worth, so a client may burst to its rate and then
 * keeps to it. Several instances behind a load balancer each apply the limit (README).
 */
export interface Admission {
  readonly allowed: boolean;
  /** Whole seconds until a request would be admitted (for Retry-After). */
  readonly retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly clock: () => number = () => performance.now()) {}

  /** Takes one request from the connection's bucket at `perSecond` requests per second. */
  take(key: string, perSecond: number): Admission {
    const now = this.clock();
    const capacity = perSecond;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: capacity, at: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, retryAfterSeconds: 0 };
    }
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond)),
    };
  }
}

/**
 * The load generator: an undici Pool with keep-alive, a fixed number of operations in flight,
 * bounded by an operation count and a time limit. An operation is one request (a lookup) or a
 * few (Okta's GET-then-POST); latency is measured per operation, CPU per request.
 */
import { Pool } from 'undici';
import type { CpuProbe } from './processes.ts';

export interface HttpResult {
  readonly status: number;
  readonly text: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

/** HTTP to one local server, counting the requests it sends. */
export class Client {
  readonly pool: Pool;
  requests = 0;

  constructor(
    readonly origin: string,
    private readonly token: string | undefined,
    connections: number,
  ) {
    const host = new URL(origin).hostname;
    if (host !== '127.0.0.1') throw new Error(`the bench only drives 127.0.0.1, not ${host}`);
    this.pool = new Pool(origin, {
      connections,
      pipelining: 1,
      keepAliveTimeout: 60_000,
      keepAliveMaxTimeout: 600_000,
      headersTimeout: 120_000,
      bodyTimeout: 120_000,
    });
  }

  async call(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<HttpResult> {
    this.requests++;
    const headers: Record<string, string> = { accept: 'application/scim+json' };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/scim+json';
    const response = await this.pool.request({
      method,
      path,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.body.text();
    return { status: response.statusCode, text, headers: response.headers };
  }

  /** A request that must answer `expected`; anything else throws with the status and body. */
  async expect(
    expected: number | readonly number[],
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<HttpResult> {
    const result = await this.call(method, path, body);
    const ok =
      typeof expected === 'number' ? result.status === expected : expected.includes(result.status);
    if (!ok) {
      throw new Error(`${method} ${path} answered ${result.status}: ${result.text.slice(0, 300)}`);
    }
    return result;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

export interface LoadOptions {
  readonly concurrency: number;
  /** At most this many operations. */
  readonly maxOps: number;
  /** And at most this long (no operation starts after the limit). */
  readonly maxSeconds: number;
  /** One operation; throws on a wrong answer. */
  readonly op: (index: number) => Promise<void>;
}

export interface LoadResult {
  readonly ops: number;
  readonly requests: number;
  readonly errors: number;
  readonly firstErrors: string[];
  readonly seconds: number;
  readonly opsPerSec: number;
  readonly reqPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** CPU of the server process (all its threads), per request. */
  readonly serverCpuMsPerReq: number;
  /** PostgreSQL only: CPU of the backends serving the database, per request. */
  readonly dbCpuMsPerReq?: number;
  /** CPU of the bench process itself (the load generator), per request. */
  readonly clientCpuMsPerReq: number;
  readonly concurrency: number;
  /** Whether the run stopped on the time limit rather than the operation count. */
  readonly timeLimited: boolean;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1]!;
}

export function median(values: readonly number[]): number {
  return percentile(Float64Array.from(values).sort(), 0.5);
}

export async function runLoad(
  client: Client,
  probe: CpuProbe,
  options: LoadOptions,
): Promise<LoadResult> {
  const latencies = new Float64Array(options.maxOps);
  let started = 0;
  let done = 0;
  let errors = 0;
  const firstErrors: string[] = [];
  const requestsBefore = client.requests;
  const cpuBefore = await probe.sample();
  const clientBefore = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + options.maxSeconds * 1000;
  let timeLimited = false;

  const worker = async () => {
    for (;;) {
      if (started >= options.maxOps) return;
      if (performance.now() >= deadline) {
        timeLimited = true;
        return;
      }
      const index = started++;
      const begin = performance.now();
      try {
        await options.op(index);
        latencies[done++] = performance.now() - begin;
      } catch (error) {
        errors++;
        if (firstErrors.length < 5)
          firstErrors.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));

  const seconds = (performance.now() - t0) / 1000;
  const clientCpu = process.cpuUsage(clientBefore);
  const cpuAfter = await probe.sample();
  const requests = client.requests - requestsBefore;
  const sorted = latencies.subarray(0, done).sort();
  const perRequest = (ms: number) => (requests > 0 ? ms / requests : NaN);
  const serverMs = probe.serverDelta(cpuBefore, cpuAfter);
  const dbMs = probe.dbDelta(cpuBefore, cpuAfter);
  return {
    ops: done,
    requests,
    errors,
    firstErrors,
    seconds,
    opsPerSec: done / seconds,
    reqPerSec: requests / seconds,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.length > 0 ? sorted[sorted.length - 1]! : NaN,
    serverCpuMsPerReq: perRequest(serverMs),
    ...(dbMs !== undefined ? { dbCpuMsPerReq: perRequest(dbMs) } : {}),
    clientCpuMsPerReq: perRequest((clientCpu.user + clientCpu.system) / 1000),
    concurrency: options.concurrency,
    timeLimited,
  };
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (src/http/client-errors.ts), sent
 * over a real socket: a 20 KB URL is 431 in the SCIM Error format under /scim/, in the admin
 * API's under /api/, as a whole HTTP/1.1 response after which the server closes the connection.
 */
import { once } from 'node:events';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from './support/app.ts';
import type { TestApp } from './support/app.ts';
import { DIALECTS } from './support/databases.ts';

interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Parses one HTTP/1.1 response of `text` (with a Content-Length); returns it and the rest. */
function parseResponse(text: string): { response: RawResponse; rest: string } {
  const end = text.indexOf('\r\n\r\n');
  expect(end, text).toBeGreaterThan(0);
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const status = /^HTTP\/1\.1 (\d{3}) /.exec(statusLine!);
  expect(status, statusLine).not.toBeNull();
  const headers = Object.fromEntries(
    lines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
  const length = Number(headers['content-length']);
  const bytes = Buffer.from(text.slice(end + 4), 'latin1');
  expect(bytes.length, text).toBeGreaterThanOrEqual(length);
  return {
    response: {
      status: Number(status![1]),
      headers,
      body: bytes.subarray(0, length).toString('utf8'),
    },
    rest: bytes.subarray(length).toString('latin1'),
  };
}

/** How many whole responses `text` holds. */
function wholeResponses(text: string): number {
  let count = 0;
  let at = 0;
  for (;;) {
    const end = text.indexOf('\r\n\r\n', at);
    if (end < 0) return count;
    const length = Number(/content-length: *(\d+)/i.exec(text.slice(at, end))?.[1] ?? 0);
    if (text.length < end + 4 + length) return count;
    at = end + 4 + length;
    count++;
  }
}

/**
 * Sends each request on one connection, the next once the answer to the previous has arrived,
 * and reads until the server closes the connection. Fails if it does not close it.
 */
function exchange(port: number, requests: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    let next = 0;
    const send = () => socket.write(Buffer.from(requests[next++]!, 'latin1'));
    socket.on('connect', send);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      // One answer per request: the next goes once the previous one's is whole.
      if (next < requests.length && wholeResponses(received) === next) send();
    });
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
    socket.setTimeout(10_000, () => reject(new Error(`no close; received ${received}`)));
  });
}

const longUrl = (prefix: string) => `${prefix}${'a'.repeat(20 * 1024)}`;
const get = (url: string, headers = '') =>
  `GET ${url} HTTP/1.1\r\nHost: gatehouse.test\r\n${headers}\r\n`;

describe('requests Node refuses before Fastify sees them', () => {
  let t: TestApp;
  let port = 0;
  beforeAll(async () => {
    t = await startTestApp(DIALECTS[0]!);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });
  afterAll(() => t.close());

  it('answers a 20 KB URL under /scim/ with a SCIM Error 431, then closes the connection', async () => {
    const { response, rest } = parseResponse(
      await exchange(port, [get(longUrl('/scim/v2/Users?filter=userName%20eq%20%22'))]),
    );
    expect(rest).toBe('');
    expect(response.status).toBe(431);
    expect(response.headers['content-type']).toBe('application/scim+json; charset=utf-8');
    expect(response.headers.connection).toBe('close');
    const body = JSON.parse(response.body) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['detail', 'schemas', 'status']);
    expect(body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
    expect(body.status).toBe('431');
    expect(body.detail).toMatch(/URL and headers are larger than this server accepts/);
  });

  it('answers one under /api/ in the admin API’s error format, and elsewhere in JSON', async () => {
    const api = parseResponse(await exchange(port, [get(longUrl('/api/v1/users?search='))]));
    expect(api.response.status).toBe(431);
    expect(api.response.headers['content-type']).toBe('application/json; charset=utf-8');
    const error = (JSON.parse(api.response.body) as { error: Record<string, unknown> }).error;
    expect(error.code).toBe('invalid_request');
    expect(error.message).toMatch(/URL and headers are larger/);

    const other = parseResponse(await exchange(port, [get(longUrl('/users/'))]));
    expect(other.response.status).toBe(431);
    expect(JSON.parse(other.response.body)).toMatchObject({ statusCode: 431 });
  });

  it('names the surface from an absolute-form URL, and answers bad HTTP with a SCIM 400', async () => {
    const absolute = parseResponse(
      await exchange(port, [get(longUrl('https://gatehouse.test/scim/v2/Users?filter='))]),
    );
    expect(absolute.response.status).toBe(431);
    expect(absolute.response.headers['content-type']).toMatch(/^application\/scim\+json/);
    const bad = parseResponse(await exchange(port, [get('/scim/v2/Users', 'Bad Header: x\r\n')]));
    expect(bad.response.status).toBe(400);
    expect(JSON.parse(bad.response.body)).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '400',
    });
  });

  it('answers after an earlier request on the same keep-alive connection, whole', async () => {
    const received = await exchange(port, [
      get('/healthz'),
      get(longUrl('/scim/v2/Groups?filter=displayName%20eq%20%22')),
    ]);
    const first = parseResponse(received);
    expect(first.response.status).toBe(200);
    expect(JSON.parse(first.response.body)).toMatchObject({ status: 'ok' });
    const second = parseResponse(first.rest);
    expect(second.rest).toBe('');
    expect(second.response.status).toBe(431);
    expect(JSON.parse(second.response.body)).toMatchObject({ status: '431' });
  });

  it("holds what the application's connections answer until the end of the turn", async () => {
    // src/http/turn-writes.ts. The answers above, written to the socket and then the socket
    // destroyed at once, came whole all the same.
    const accepted = once(t.app.server, 'connection') as Promise<[net.Socket]>;
    const client = net.connect(port, '127.0.0.1');
    const [[socket]] = await Promise.all([accepted, once(client, 'connect')]);
    try {
      // Corked, two parts: written as Node's HTTP server writes an answer.
      socket.cork();
      socket.write('he');
      socket.write('ld');
      socket.uncork();
      expect(socket.writableLength).toBe(4);
      await new Promise((resolve) => setImmediate(resolve));
      expect(socket.writableLength).toBe(0);
    } finally {
      client.destroy();
    }
  });
});

import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { writeAtEndOfTurn } from './turn-writes.ts';

const endOfTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** A server with held writes, and a connection to it: both ends of it. */
async function connected(server: http.Server): Promise<{ client: net.Socket; socket: net.Socket }> {
  writeAtEndOfTurn(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  return another(server);
}

/** What a client reads until it has `length` characters. */
async function read(client: net.Socket, length: number): Promise<string> {
  let text = '';
  while (text.length < length) {
    const [chunk] = (await once(client, 'data')) as [string];
    text += chunk;
  }
  return text;
}

/** Writes as Node's HTTP server writes an answer: corked, so that they go out as one batch. */
function answer(socket: net.Socket, ...parts: string[]): void {
  socket.cork();
  for (const part of parts) socket.write(part);
  socket.uncork();
}

/** Another connection to `server`, already listening: both ends of it. */
async function another(server: http.Server): Promise<{ client: net.Socket; socket: net.Socket }> {
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const client = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
  client.setEncoding('latin1');
  const [[socket]] = await Promise.all([accepted, once(client, 'connect')]);
  return { client, socket };
}

describe('writeAtEndOfTurn', () => {
  it('holds an answer until the end of the turn, then writes it', async () => {
    const { client, socket } = await connected(http.createServer());
    const received = read(client, 'head,body'.length);
    answer(socket, 'head,', 'body');
    // Held: still waiting in the stream (a small write made at once on loopback leaves none).
    expect(socket.writableLength).toBe(9);
    await endOfTurn();
    expect(socket.writableLength).toBe(0);
    expect(await received).toBe('head,body');
  });

  it("writes the answers of every connection of a turn, each connection's in order", async () => {
    const server = http.createServer();
    const one = await connected(server);
    const two = await another(server);
    const received = Promise.all([read(one.client, 6), read(two.client, 6)]);
    answer(one.socket, 'a', '1');
    answer(two.socket, 'b', '1');
    answer(one.socket, 'a', '2');
    answer(two.socket, 'b', '2');
    one.socket.end('a3');
    answer(two.socket, 'b', '3');
    expect([one.socket.writableLength, two.socket.writableLength]).toEqual([6, 6]);
    expect(await received).toEqual(['a1a2a3', 'b1b2b3']);
  });

  it('makes a plain write at once: last words before destroying the socket are delivered', async () => {
    const { client, socket } = await connected(http.createServer());
    const received = read(client, 'goodbye'.length);
    socket.write('goodbye');
    expect(socket.writableLength).toBe(0);
    socket.destroy();
    expect(await received).toBe('goodbye');
  });

  it('leaves an answer to a connection destroyed before the end of the turn, and writes the others', async () => {
    const server = http.createServer();
    const gone = await connected(server);
    const kept = await another(server);
    const received = read(kept.client, 'kept'.length);
    answer(gone.socket, 'lo', 'st');
    answer(kept.socket, 'ke', 'pt');
    gone.socket.destroy();
    expect(await received).toBe('kept');
    expect(gone.socket.destroyed).toBe(true);
  });

  it('serves HTTP through Fastify: pipelined requests in order, and a large answer whole', async () => {
    const app = Fastify();
    writeAtEndOfTurn(app.server);
    const large = 'x'.repeat(3 * 1024 * 1024);
    app.get('/small/:n', async (request) => ({ n: (request.params as { n: string }).n }));
    app.get('/large', async () => large);
    await app.listen({ port: 0, host: '127.0.0.1' });
    closers.push(() => app.close());
    const { port } = app.server.address() as AddressInfo;

    // Three requests in one packet on one connection: three answers, in the order asked.
    const client = net.connect(port, '127.0.0.1');
    client.setEncoding('latin1');
    await once(client, 'connect');
    const ask = (n: number) => `GET /small/${n} HTTP/1.1\r\nHost: x\r\n\r\n`;
    client.write(ask(1) + ask(2) + ask(3));
    let text = '';
    while ((text.match(/\{"n":"\d"\}/g) ?? []).length < 3) {
      text += ((await once(client, 'data')) as [string])[0];
    }
    expect(text.match(/\{"n":"\d"\}/g)).toEqual(['{"n":"1"}', '{"n":"2"}', '{"n":"3"}']);
    client.destroy();

    const response = await fetch(`http://127.0.0.1:${port}/large`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(large);
  });
});

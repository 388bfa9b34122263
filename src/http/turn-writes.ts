/**
 * Answers written together at the end of the event loop's turn.
 *
 * Under load the server reads several requests in one turn of the event loop (one poll of its
 * sockets) and wrote each answer as soon as it was handled, a write every few tens of
 * microseconds. Each write could then wake the client's process anew: woken by the one before,
 * it had read it and gone back to wait. On loopback, and between the virtual CPUs of a VM, that
 * wake-up is the dearest part of a write (10% of a lookup's CPU in `perf`, nearly all of it in
 * waking the reader). Here each socket's writes are held and made back to back at the end of the
 * turn (Node's check phase, where `setImmediate` runs): the reader is woken once, and finds
 * every answer of the turn there. An answer waits only for the other requests read in its turn;
 * a request alone in its turn is written at that turn's end, as before.
 *
 * Only the system call waits: the answer is complete when it is held (its headers, its body,
 * Node's own accounting), and the write's callback runs once the write is made, as a stream's
 * `_writev` may do. It must be the writes themselves that wait, back to back: holding the
 * answers higher up (Fastify's `onSend`), so that building each one's headers came between the
 * writes, gave nothing in paired runs.
 *
 * What is held is a socket's `_writev`: the batch a corked socket writes when uncorked, which is
 * how Node's HTTP server writes every answer (`end()` corks, then writes the headers with the
 * body, and the end). A single plain `write()` is made at once, so that code writing its last
 * words and then destroying the socket (Node's answer to a malformed request, and ours,
 * client-errors.ts) still has them delivered.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** Holds the answers written to every connection `server` accepts until the end of the turn. */
export function writeAtEndOfTurn(server: Server): void {
  let held: { socket: Socket; write: () => void }[] = [];
  const release = () => {
    const writes = held;
    held = [];
    for (const { socket, write } of writes) {
      // A write reports its errors to its callback; one that throws all the same fails its own
      // connection, as it would have failed its own request, and leaves the rest to be written.
      try {
        write();
      } catch (error) {
        socket.destroy(error as Error);
      }
    }
  };
  const hold = (socket: Socket, write: () => void) => {
    if (held.length === 0) setImmediate(release);
    held.push({ socket, write });
  };
  server.on('connection', (socket: Socket) => {
    const writev = socket._writev!;
    socket._writev = (chunks, callback) => {
      hold(socket, () => writev.call(socket, chunks, callback));
    };
  });
}

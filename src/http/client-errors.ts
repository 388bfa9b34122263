/**
 * Requests Node's HTTP parser refuses before Fastify sees them: a request line and headers over
 * Node's limit (`--max-http-header-size`, 16 KiB by default) are 431, a request that is not
 * HTTP is 400, one whose headers take too long to arrive is 408. Fastify's default answers them
 * in its own JSON; here the SCIM surface answers in the SCIM Error message (RFC 7644 §3.12) and
 * the admin API in its own error body, as their other errors are (see `frameworkErrors` in
 * app.ts), so that an identity provider's log shows a SCIM error it can read.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionError, FastifyInstance } from 'fastify';
import { ScimError } from '../scim/errors.ts';
import { ApiError } from './api/errors.ts';

/** The status and the words of each error, as Fastify's default handler gives them. */
function statusOf(error: ConnectionError): { status: number; detail: string } {
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return {
      status: 431,
      detail: `The request's URL and headers are larger than this server accepts (${Math.round(http.maxHeaderSize / 1024)} KiB together).`,
    };
  }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return { status: 408, detail: 'The request took too long to arrive.' };
  }
  return { status: 400, detail: 'The request is not valid HTTP.' };
}

/**
 * The path of the request the parser was reading, from the start of its request line (origin
 * or absolute form). Undefined when the packet does not start there: the parser reads a request
 * in the chunks it arrives in, and `rawPacket` is only the last one.
 */
export function requestPathOf(rawPacket: Buffer | undefined): string | undefined {
  if (!rawPacket) return undefined;
  const head = rawPacket.toString('latin1', 0, Math.min(rawPacket.length, 512));
  const target = /^[A-Z]+ (\S+)/.exec(head)?.[1];
  return target?.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '');
}

/** The body and its Content-Type, in the format of the surface the path is on. */
function errorBody(path: string | undefined, status: number, detail: string) {
  if (path?.startsWith('/scim/')) {
    return {
      type: 'application/scim+json; charset=utf-8',
      body: new ScimError(status, undefined, detail).toJSON(),
    };
  }
  if (path?.startsWith('/api/')) {
    return {
      type: 'application/json; charset=utf-8',
      body: new ApiError(status, 'invalid_request', detail).toJSON(),
    };
  }
  return {
    type: 'application/json; charset=utf-8',
    body: { error: http.STATUS_CODES[status], message: detail, statusCode: status },
  };
}

/**
 * Fastify's `clientErrorHandler` (bound to the instance). As Node's own handler does, it writes
 * a whole HTTP/1.1 response, with `Connection: close`, unless the socket is gone or already
 * carries a response (a keep-alive connection whose previous answer is being written: bytes of
 * ours in the middle of it would corrupt it), then destroys the socket.
 */
export function answerClientError(
  this: FastifyInstance,
  error: ConnectionError,
  socket: Socket,
): void {
  // A connection reset: nobody is left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, detail } = statusOf(error);
  // Not the error itself: its rawPacket holds the request's headers, Authorization included.
  this.log.debug({ code: error.code, status }, 'client error');
  const inFlight = (socket as Socket & { _httpMessage?: http.ServerResponse })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    // The data the parser was reading (absent for a timeout). Fastify types it as a Buffer's
    // JSON form; Node passes the Buffer.
    const raw: unknown = error.rawPacket;
    const path = requestPathOf(Buffer.isBuffer(raw) ? raw : undefined);
    const { type, body } = errorBody(path, status, detail);
    const text = JSON.stringify(body);
    socket.write(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n` +
        `Content-Type: ${type}\r\n` +
        `Content-Length: ${Buffer.byteLength(text)}\r\n` +
        'Connection: close\r\n' +
        '\r\n' +
        text,
    );
  }
  socket.destroy(error);
}

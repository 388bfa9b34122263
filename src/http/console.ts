/**
 * The console: the React single-page application built into `dist/console` (`npm run build`),
 * served at `/` by the same process. Any other GET that asks for HTML and is not the API, SCIM
 * or the health check gets `index.html`, so every page of the console has its own URL. Without
 * a build, `/` says how to make one. This module also answers, for the whole server, requests
 * that match no route: in the admin API's error format under /api, in SCIM's under /scim.
 */
import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ScimError } from '../scim/errors.ts';
import { ApiError } from './api/errors.ts';
import { sendError } from './api/plugin.ts';

/**
 * The console's Content-Security-Policy: its own scripts and styles only (inline styles are
 * what component libraries set on elements), no framing.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Gatehouse</title></head>
<body><h1>Gatehouse</h1>
<p>The console is not built. Run <code>npm run build</code>, then restart the server.</p>
<p>The SCIM service (<code>/scim/v2</code>) and the admin API (<code>/api/v1</code>, documented at
<a href="/api/docs">/api/docs</a>) work without it.</p></body></html>
`;

function isServerPath(url: string): boolean {
  return (
    url === '/api' ||
    url.startsWith('/api/') ||
    url.startsWith('/api?') ||
    url === '/scim' ||
    url.startsWith('/scim/') ||
    url.startsWith('/healthz')
  );
}

function wantsHtml(request: FastifyRequest): boolean {
  return (
    (request.method === 'GET' || request.method === 'HEAD') &&
    (request.headers.accept ?? '').includes('text/html') &&
    !isServerPath(request.url)
  );
}

export async function registerConsole(app: FastifyInstance, dir: string): Promise<void> {
  const built = fs.existsSync(path.join(dir, 'index.html'));

  // Security headers on every answer of the server; the console's HTML adds its CSP. A hook
  // with a callback rather than async: nothing here waits, so no promise per response.
  app.addHook('onSend', (_request, reply, payload, done) => {
    void reply.header('X-Content-Type-Options', 'nosniff');
    void reply.header('Referrer-Policy', 'same-origin');
    if (!reply.hasHeader('X-Frame-Options')) void reply.header('X-Frame-Options', 'DENY');
    done(null, payload);
  });

  const page = (reply: FastifyReply) => {
    void reply
      .header('Content-Security-Policy', CSP)
      .header('Cache-Control', 'no-cache')
      .type('text/html; charset=utf-8');
    return built ? reply.sendFile('index.html') : reply.send(NOT_BUILT);
  };

  if (built) {
    await app.register(fastifyStatic, {
      root: dir,
      prefix: '/',
      // One route per built file, no catch-all: paths that match none keep their surface's own
      // 404 (SCIM's under /scim/v2, the API's under /api/v1) and the fallback below.
      wildcard: false,
      cacheControl: false,
      setHeaders: (res, filePath) => {
        if (filePath.endsWith('.html')) {
          res.setHeader('Content-Security-Policy', CSP);
          // Always revalidated: a new build is seen at once.
          res.setHeader('Cache-Control', 'no-cache');
        } else if (filePath.includes(`${path.sep}assets${path.sep}`)) {
          // Vite names built assets by their content's hash: they never change.
          res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
        } else {
          res.setHeader('Cache-Control', 'public, max-age=3600');
        }
      },
    });
  } else {
    app.get('/', async (_request, reply) => page(reply));
  }

  app.setNotFoundHandler(async (request, reply) => {
    const url = request.url;
    if (url === '/api' || url.startsWith('/api/') || url.startsWith('/api?')) {
      return sendError(
        reply,
        new ApiError(
          404,
          'not_found',
          `No admin API endpoint at ${request.method} ${url.split('?')[0]}.`,
        ),
      );
    }
    if (url === '/scim' || url.startsWith('/scim/')) {
      const error = new ScimError(
        404,
        undefined,
        `No SCIM endpoint at ${request.method} ${url.split('?')[0]}.`,
      );
      return reply.code(404).type('application/scim+json; charset=utf-8').send(error.toJSON());
    }
    if (wantsHtml(request)) return page(reply);
    return reply.code(404).type('text/plain; charset=utf-8').send('Not found.\n');
  });
}

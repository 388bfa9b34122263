/**
 * The composition root: builds the Fastify application from its dependencies. `main.ts` listens;
 * tests call `buildApp()` and `app.inject()` with no socket.
 */
import path from 'node:path';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from './config.ts';
import type { DatabaseHandle } from './db/database.ts';
import { redactUrl } from './lib/secrets.ts';
import { adminApi } from './http/api/docs.ts';
import { ApiError } from './http/api/errors.ts';
import { answerClientError } from './http/client-errors.ts';
import { registerConsole } from './http/console.ts';
import { scimPlugin } from './http/scim/plugin.ts';
import { writeAtEndOfTurn } from './http/turn-writes.ts';
import { ProvisioningLog } from './provisioning/provisioning-log.ts';
import { ScimError } from './scim/errors.ts';

export interface AppDependencies {
  readonly config: Config;
  readonly database: DatabaseHandle;
  /** The built console (default: dist/console of this project, made by `npm run build`). */
  readonly consoleDir?: string;
  /** Where the logs go (default: standard output). Tests read them to check what is logged. */
  readonly logStream?: { write(line: string): void };
}

export const DEFAULT_CONSOLE_DIR = path.resolve(import.meta.dirname, '../dist/console');

declare module 'fastify' {
  interface FastifyInstance {
    /** The buffered writer of the provisioning log (flushed when the app closes). */
    provisioningLog: ProvisioningLog;
  }
}

export async function buildApp({
  config,
  database,
  consoleDir = DEFAULT_CONSOLE_DIR,
  logStream,
}: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    logger:
      config.logLevel === 'silent'
        ? false
        : {
            level: config.logLevel,
            // Tokens and passwords never reach the logs, whatever a serializer is changed to.
            redact: [
              'req.headers.authorization',
              'req.headers.cookie',
              'req.headers["x-csrf-token"]',
              'res.headers["set-cookie"]',
              '*.password',
              '*.token',
              '*.csrfToken',
              '*.key',
            ],
            // pino's request serializer, with the query string's secret-named values redacted
            // (a client may put a token in the URL; it stays out of the logs all the same).
            serializers: {
              req: (request: FastifyRequest) => ({
                method: request.method,
                url: redactUrl(request.url),
                host: request.host,
                remoteAddress: request.ip,
                remotePort: request.socket?.remotePort,
              }),
            },
            ...(logStream ? { stream: logStream } : {}),
          },
    bodyLimit: config.maxBodyBytes,
    // OneLogin and others add a trailing slash or a doubled one; the route is the same.
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
    // A number of hops is trusted as "the nearest n proxies".
    trustProxy:
      typeof config.trustProxy === 'number'
        ? (_address: string, hop: number) => hop < (config.trustProxy as number)
        : config.trustProxy,
    // Requests Node's HTTP parser refuses (431 for a URL and headers over its limit): answered
    // in the SCIM and admin API formats too (client-errors.ts).
    clientErrorHandler: answerClientError,
    // Errors Fastify meets before routing (a path parameter over maxParamLength, a bad URL):
    // on the SCIM surface and the admin API they are answered in their own formats too.
    frameworkErrors: (error, request, reply) => {
      const status = error.statusCode ?? 400;
      const scim = request.url.startsWith('/scim/');
      const api = request.url.startsWith('/api/');
      const body = scim
        ? new ScimError(status, undefined, error.message).toJSON()
        : api
          ? new ApiError(status, 'invalid_request', error.message).toJSON()
          : { statusCode: status, code: error.code, error: error.name, message: error.message };
      // The reply here is typed for the route that was not found; it is a plain reply.
      void (reply as unknown as FastifyReply)
        .code(status)
        .type(scim ? 'application/scim+json; charset=utf-8' : 'application/json')
        .send(body);
    },
  });

  app.get('/healthz', async () => ({ status: 'ok', database: database.dialect }));

  const provisioningLog = new ProvisioningLog(database.db, (error, dropped) =>
    app.log.error({ err: error, dropped }, 'could not write the provisioning log; will retry'),
  );
  app.decorate('provisioningLog', provisioningLog);
  app.addHook('onClose', async () => provisioningLog.close());

  await app.register(scimPlugin, {
    prefix: '/scim/v2',
    database,
    publicUrl: config.publicUrl,
    maxPageSize: config.maxPageSize,
    maxBodyBytes: config.maxBodyBytes,
    maxMembersPerResponse: config.maxMembersPerResponse,
    rateLimit: config.scimRateLimit,
    provisioningLog,
  });

  await app.register(adminApi, {
    database,
    publicUrl: config.publicUrl,
    signInPerMinute: config.signInRateLimit,
  });
  await registerConsole(app, consoleDir);
  writeAtEndOfTurn(app.server);

  return app;
}

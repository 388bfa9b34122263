/**
 * The composition root: builds the Fastify application from its dependencies. `main.ts` listens;
 * tests call `buildApp()` and `app.inject()` with no socket.
 */
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Config } from './config.ts';
import type { DatabaseHandle } from './db/database.ts';
import { scimPlugin } from './http/scim/plugin.ts';
import { ProvisioningLog } from './provisioning/provisioning-log.ts';
import { ScimError } from './scim/errors.ts';

export interface AppDependencies {
  readonly config: Config;
  readonly database: DatabaseHandle;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The buffered writer of the provisioning log (flushed when the app closes). */
    provisioningLog: ProvisioningLog;
  }
}

export async function buildApp({ config, database }: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    logger:
      config.logLevel === 'silent'
        ? false
        : {
            level: config.logLevel,
            // Tokens and passwords never reach the logs, whatever a serializer is changed to.
            redact: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token'],
          },
    bodyLimit: config.maxBodyBytes,
    // OneLogin and others add a trailing slash or a doubled one; the route is the same.
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
    trustProxy: true,
    // Errors Fastify meets before routing (a path parameter over maxParamLength, a bad URL):
    // on the SCIM surface they are answered in SCIM's own format too.
    frameworkErrors: (error, request, reply) => {
      const status = error.statusCode ?? 400;
      const body = request.url.startsWith('/scim/')
        ? new ScimError(status, undefined, error.message).toJSON()
        : { statusCode: status, code: error.code, error: error.name, message: error.message };
      // The reply here is typed for the route that was not found; it is a plain reply.
      void (reply as unknown as FastifyReply)
        .code(status)
        .type(
          request.url.startsWith('/scim/')
            ? 'application/scim+json; charset=utf-8'
            : 'application/json',
        )
        .send(body);
    },
  });

  app.get('/healthz', async () => ({ status: 'ok', database: database.dialect }));

  const provisioningLog = new ProvisioningLog(database.db, database.dialect, (error, dropped) =>
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

  return app;
}

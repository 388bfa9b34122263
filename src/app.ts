/**
 * The composition root: builds the Fastify application from its dependencies. `main.ts` listens;
 * tests call `buildApp()` and `app.inject()` with no socket.
 */
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import type { DatabaseHandle } from './db/database.ts';
import { scimPlugin } from './http/scim/plugin.ts';

export interface AppDependencies {
  readonly config: Config;
  readonly database: DatabaseHandle;
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
  });

  app.get('/healthz', async () => ({ status: 'ok', database: database.dialect }));

  await app.register(scimPlugin, {
    prefix: '/scim/v2',
    database,
    publicUrl: config.publicUrl,
    maxPageSize: config.maxPageSize,
    maxBodyBytes: config.maxBodyBytes,
    maxMembersPerResponse: config.maxMembersPerResponse,
  });

  return app;
}

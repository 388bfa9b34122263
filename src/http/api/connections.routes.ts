/** /connections: SCIM connections, their tokens (shown once) and settings. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { connectionResponse } from '../../admin/views.ts';
import { describeActor } from '../../directory/actor.ts';
import {
  createConnection,
  DEFAULT_ROTATION_GRACE_SECONDS,
  deleteConnection,
  getConnection,
  listConnections,
  revokeTokens,
  rotateToken,
  updateConnectionSettings,
} from '../../provisioning/connection.service.ts';
import type { ConnectionSettings } from '../../provisioning/connection.service.ts';
import type { ApiDeps } from './plugin.ts';
import {
  connectionBody,
  connectionSchema,
  errors,
  idParams,
  itemsOf,
  noBody,
  rotateBody,
  settingsBody,
} from './schemas.ts';

type Params = { id: string };
const tags = ['connections'];

export function connectionRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { db } = deps.database;
  const actor = (request: FastifyRequest) => describeActor(deps.contextOf(request).actor);

  /** One connection with its tokens, as the list shows it. */
  const summary = async (key: string) => {
    const connection = await getConnection(db, key);
    const found = (await listConnections(db)).find((c) => c.id === connection.id);
    return connectionResponse(found ?? { ...connection, tokens: [] }, deps.scimBaseUrl);
  };

  app.get(
    '/connections',
    {
      schema: {
        tags,
        summary: 'SCIM connections with their tokens and settings',
        response: {
          200: {
            ...itemsOf(connectionSchema),
            properties: {
              ...itemsOf(connectionSchema).properties,
              scimBaseUrl: { type: 'string' },
            },
            required: ['items', 'scimBaseUrl'],
          },
          ...errors(401),
        },
      },
    },
    async () => ({
      items: (await listConnections(db)).map((c) => connectionResponse(c, deps.scimBaseUrl)),
      scimBaseUrl: deps.scimBaseUrl,
    }),
  );

  app.post<{ Body: { name: string } }>(
    '/connections',
    {
      schema: {
        tags,
        summary: 'Create a connection; its bearer token is in the answer, this once',
        body: connectionBody,
        response: {
          201: {
            ...connectionSchema,
            properties: { ...connectionSchema.properties, token: { type: 'string' } },
            required: [...connectionSchema.required, 'token'],
          },
          ...errors(400, 401, 403, 409),
        },
      },
    },
    async (request, reply) => {
      const { connection, token } = await createConnection(db, request.body.name, actor(request));
      return reply.code(201).send({ ...(await summary(connection.id)), token });
    },
  );

  app.get<{ Params: Params }>(
    '/connections/:id',
    {
      schema: {
        tags,
        summary: 'One connection',
        params: idParams,
        response: { 200: connectionSchema, ...errors(401, 404) },
      },
    },
    async (request) => summary(request.params.id),
  );

  app.patch<{ Params: Params; Body: Partial<ConnectionSettings> }>(
    '/connections/:id',
    {
      schema: {
        tags,
        summary: "Change a connection's provisioning settings (the others stay)",
        description:
          '`rateLimit: null` returns to the server’s default (GATEHOUSE_SCIM_RATE_LIMIT).',
        params: idParams,
        body: settingsBody,
        response: { 200: connectionSchema, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      await updateConnectionSettings(db, request.params.id, request.body, actor(request));
      return summary(request.params.id);
    },
  );

  app.post<{ Params: Params; Body: { graceSeconds?: number } | null }>(
    '/connections/:id/rotate-token',
    {
      schema: {
        tags,
        summary: 'Issue a new token; earlier ones keep working for the grace period',
        params: idParams,
        body: rotateBody,
        response: {
          200: {
            type: 'object',
            properties: {
              token: { type: 'string' },
              previousTokensExpireAt: { type: 'string', format: 'date-time' },
            },
            required: ['token', 'previousTokensExpireAt'],
          },
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const grace = request.body?.graceSeconds ?? DEFAULT_ROTATION_GRACE_SECONDS;
      const result = await rotateToken(db, request.params.id, actor(request), grace);
      return { token: result.token, previousTokensExpireAt: result.previousTokensExpireAt };
    },
  );

  app.post<{ Params: Params }>(
    '/connections/:id/revoke-tokens',
    {
      schema: {
        tags,
        summary: 'End every token of the connection at once',
        params: idParams,
        body: noBody,
        response: {
          200: {
            type: 'object',
            properties: { revoked: { type: 'integer' } },
            required: ['revoked'],
          },
          ...errors(401, 403, 404),
        },
      },
    },
    async (request) => ({
      revoked: (await revokeTokens(db, request.params.id, actor(request))).revoked,
    }),
  );

  app.delete<{ Params: Params }>(
    '/connections/:id',
    {
      schema: {
        tags,
        summary: 'Delete a connection and its tokens (what it provisioned stays)',
        params: idParams,
        response: { 204: { type: 'null', description: 'Deleted.' }, ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await deleteConnection(db, request.params.id, actor(request));
      return reply.code(204).send();
    },
  );
}

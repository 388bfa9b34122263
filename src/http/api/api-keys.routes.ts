/** /api-keys: keys for scripts (administrators only; a key is shown once, when made). */
import type { FastifyInstance } from 'fastify';
import { createApiKey, listApiKeys, revokeApiKey } from '../../admin/api-keys.service.ts';
import type { Role } from '../../db/tables.ts';
import { describeActor } from '../../directory/actor.ts';
import type { ApiDeps } from './plugin.ts';
import { apiKeyBody, apiKeySchema, errors, idParams, itemsOf } from './schemas.ts';

const tags = ['api-keys'];

export function apiKeyRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { db } = deps.database;

  app.get(
    '/api-keys',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'API keys, revoked ones included, newest first',
        response: { 200: itemsOf(apiKeySchema), ...errors(401, 403) },
      },
    },
    async () => ({ items: await listApiKeys(db) }),
  );

  app.post<{ Body: { name: string; role: Role } }>(
    '/api-keys',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Create an API key; the key is in the answer, this once',
        body: apiKeyBody,
        response: {
          201: {
            ...apiKeySchema,
            properties: { ...apiKeySchema.properties, key: { type: 'string' } },
            required: [...apiKeySchema.required, 'key'],
          },
          ...errors(400, 401, 403, 409),
        },
      },
    },
    async (request, reply) => {
      const { apiKey, key } = await createApiKey(
        db,
        request.body,
        describeActor(deps.contextOf(request).actor),
      );
      return reply.code(201).send({ ...apiKey, key });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api-keys/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        summary: 'Revoke an API key (at once, on every instance)',
        params: idParams,
        response: { 204: { type: 'null', description: 'Revoked.' }, ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await revokeApiKey(db, request.params.id, describeActor(deps.contextOf(request).actor));
      return reply.code(204).send();
    },
  );
}

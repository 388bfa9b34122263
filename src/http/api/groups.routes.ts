/** /groups: the Groups page, a group's page and its members, and LOCAL changes. */
import type { FastifyInstance } from 'fastify';
import type { GroupSort } from '../../admin/group-list.repository.ts';
import {
  addLocalMember,
  createLocalGroup,
  deleteLocalGroup,
  getGroupResponse,
  listGroupPage,
  listMemberPage,
  removeLocalMember,
  renameLocalGroup,
} from '../../admin/groups.service.ts';
import type { Origin } from '../../db/tables.ts';
import type { ApiDeps } from './plugin.ts';
import {
  noContent,
  errors,
  groupBody,
  groupListQuery,
  groupSchema,
  idParams,
  memberBody,
  memberListQuery,
  memberParams,
  memberSchema,
  pageOf,
} from './schemas.ts';

interface ListQuery {
  search?: string;
  origin?: Origin;
  connection?: string;
  sort: GroupSort;
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

type Params = { id: string };
const tags = ['groups'];

export function groupRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const read = deps.database;

  app.get<{ Querystring: ListQuery }>(
    '/groups',
    {
      schema: {
        tags,
        summary: 'The groups of the platform, with their member counts',
        querystring: groupListQuery,
        response: { 200: pageOf(groupSchema), ...errors(400, 401) },
      },
    },
    async (request) => {
      const q = request.query;
      return listGroupPage(read, {
        ...(q.search !== undefined ? { search: q.search } : {}),
        ...(q.origin !== undefined ? { origin: q.origin } : {}),
        ...(q.connection !== undefined ? { connectionId: q.connection } : {}),
        sort: q.sort,
        order: q.order,
        limit: q.limit,
        offset: q.offset,
      });
    },
  );

  app.get<{ Params: Params }>(
    '/groups/:id',
    {
      schema: {
        tags,
        summary: 'One group',
        params: idParams,
        response: { 200: groupSchema, ...errors(401, 404) },
      },
    },
    async (request) => getGroupResponse(read, request.params.id),
  );

  app.get<{ Params: Params; Querystring: { search?: string; limit: number; offset: number } }>(
    '/groups/:id/members',
    {
      schema: {
        tags,
        summary: "A group's members, ordered by name, with each membership's origin",
        description:
          '`search` is a case-insensitive substring of the member’s name (userName, or a group’s displayName).',
        params: idParams,
        querystring: memberListQuery,
        response: { 200: pageOf(memberSchema), ...errors(400, 401, 404) },
      },
    },
    async (request) => {
      const { search, limit, offset } = request.query;
      return listMemberPage(read, request.params.id, {
        ...(search !== undefined ? { search } : {}),
        limit,
        offset,
      });
    },
  );

  app.post<{ Body: { displayName: string } }>(
    '/groups',
    {
      schema: {
        tags,
        summary: 'Create a LOCAL group',
        body: groupBody,
        response: { 201: groupSchema, ...errors(400, 401, 403, 409) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await createLocalGroup(deps.contextOf(request), request.body.displayName)),
  );

  app.patch<{ Params: Params; Body: { displayName: string } }>(
    '/groups/:id',
    {
      schema: {
        tags,
        summary: 'Rename a LOCAL group',
        params: idParams,
        body: groupBody,
        response: { 200: groupSchema, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      renameLocalGroup(deps.contextOf(request), request.params.id, request.body.displayName),
  );

  app.delete<{ Params: Params }>(
    '/groups/:id',
    {
      schema: {
        tags,
        summary: 'Delete a LOCAL group',
        params: idParams,
        response: { 204: noContent, ...errors(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await deleteLocalGroup(deps.contextOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: Params; Body: { memberId: string } }>(
    '/groups/:id/members',
    {
      schema: {
        tags,
        summary:
          "Add a LOCAL mapping to a membership, on IDP groups too (beside an identity provider's)",
        params: idParams,
        body: memberBody,
        response: {
          201: {
            type: 'object',
            properties: {
              memberId: { type: 'string' },
              membershipOrigin: { type: 'string', enum: ['IDP', 'LOCAL'] },
              mappings: { type: 'array', items: { type: 'string', enum: ['IDP', 'LOCAL'] } },
            },
            required: ['memberId', 'membershipOrigin', 'mappings'],
          },
          ...errors(400, 401, 403, 404, 409),
        },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await addLocalMember(deps.contextOf(request), request.params.id, request.body.memberId),
        ),
  );

  app.delete<{ Params: { id: string; memberId: string } }>(
    '/groups/:id/members/:memberId',
    {
      schema: {
        tags,
        summary:
          'Remove a LOCAL mapping (a membership the identity provider maps stays; one it maps alone: 409 idp_owned)',
        params: memberParams,
        response: { 204: noContent, ...errors(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await removeLocalMember(deps.contextOf(request), request.params.id, request.params.memberId);
      return reply.code(204).send();
    },
  );
}

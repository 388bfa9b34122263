/** /users: the Users page, a user's page, and the changes an administrator makes. */
import type { FastifyInstance } from 'fastify';
import type { UserSort } from '../../admin/user-list.repository.ts';
import {
  createLocalUser,
  deleteLocalUser,
  eventsOfUser,
  getUserDetail,
  listUserPage,
  setLocalPassword,
  setUserRole,
  updateLocalUser,
} from '../../admin/users.service.ts';
import type { UserInput } from '../../admin/users.service.ts';
import type { Origin, Role } from '../../db/tables.ts';
import type { ApiDeps } from './plugin.ts';
import {
  noContent,
  createUserBody,
  errors,
  eventSchema,
  idParams,
  itemsOf,
  pageOf,
  passwordBody,
  roleBody,
  updateUserBody,
  userDetailSchema,
  userEventsQuery,
  userListQuery,
  userSchema,
} from './schemas.ts';

interface ListQuery {
  search?: string;
  origin?: Origin;
  status?: 'active' | 'inactive';
  connection?: string;
  sort: UserSort;
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

type Params = { id: string };
const tags = ['users'];

export function userRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const read = deps.database;

  app.get<{ Querystring: ListQuery }>(
    '/users',
    {
      schema: {
        tags,
        summary: 'The users of the platform (deprovisioned users are never listed)',
        description:
          '`search` is a case-insensitive substring of userName, displayName, given or family name, or an email.',
        querystring: userListQuery,
        response: { 200: pageOf(userSchema), ...errors(400, 401) },
      },
    },
    async (request) => {
      const q = request.query;
      return listUserPage(read, {
        ...(q.search !== undefined ? { search: q.search } : {}),
        ...(q.origin !== undefined ? { origin: q.origin } : {}),
        ...(q.status !== undefined ? { active: q.status === 'active' } : {}),
        ...(q.connection !== undefined ? { connectionId: q.connection } : {}),
        sort: q.sort,
        order: q.order,
        limit: q.limit,
        offset: q.offset,
      });
    },
  );

  app.get<{ Params: Params }>(
    '/users/:id',
    {
      schema: {
        tags,
        summary: 'One user, with their groups and SCIM representation',
        params: idParams,
        response: { 200: userDetailSchema, ...errors(401, 404) },
      },
    },
    async (request) => getUserDetail(read, request.params.id, deps.scimBaseUrl),
  );

  app.post<{ Body: UserInput & { userName: string; password?: string } }>(
    '/users',
    {
      schema: {
        tags,
        summary: 'Create a LOCAL user',
        description:
          'With a `password` (12 characters or more) the user can sign in to the console once given a role.',
        body: createUserBody,
        response: { 201: userSchema, ...errors(400, 401, 403, 409) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createLocalUser(deps.contextOf(request), request.body)),
  );

  app.patch<{ Params: Params; Body: UserInput }>(
    '/users/:id',
    {
      schema: {
        tags,
        summary: 'Change a LOCAL user (null clears an optional field)',
        params: idParams,
        body: updateUserBody,
        response: { 200: userSchema, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => updateLocalUser(deps.contextOf(request), request.params.id, request.body),
  );

  app.delete<{ Params: Params }>(
    '/users/:id',
    {
      schema: {
        tags,
        summary: 'Delete a LOCAL user and their memberships',
        params: idParams,
        response: { 204: noContent, ...errors(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await deleteLocalUser(deps.contextOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.put<{ Params: Params; Body: { password: string } }>(
    '/users/:id/password',
    {
      schema: {
        tags,
        summary: "Set a LOCAL user's console password",
        description: "Every session of the user ends, the caller's own included.",
        params: idParams,
        body: passwordBody,
        response: { 204: noContent, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await setLocalPassword(deps.contextOf(request), request.params.id, request.body.password);
      return reply.code(204).send();
    },
  );

  app.put<{ Params: Params; Body: { role: Role | null } }>(
    '/users/:id/role',
    {
      schema: {
        tags,
        summary: "Give or take away a user's console role (LOCAL or IDP)",
        params: idParams,
        body: roleBody,
        response: { 200: userSchema, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => setUserRole(deps.contextOf(request), request.params.id, request.body.role),
  );

  app.get<{ Params: Params; Querystring: { limit: number } }>(
    '/users/:id/events',
    {
      schema: {
        tags,
        summary: 'The change feed about this user, newest first',
        params: idParams,
        querystring: userEventsQuery,
        response: { 200: itemsOf(eventSchema), ...errors(400, 401, 404) },
      },
    },
    async (request) => ({
      items: await eventsOfUser(read, request.params.id, request.query.limit),
    }),
  );
}

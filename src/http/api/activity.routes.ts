/**
 * What happened: the provisioning log (every SCIM request), the change feed (every change, which
 * the platform's other services follow with `?after=`), and the console's overview.
 */
import type { FastifyInstance } from 'fastify';
import { overviewOf } from '../../admin/overview.ts';
import { logEntryResponse } from '../../admin/views.ts';
import { listEvents } from '../../changes/events.ts';
import {
  getProvisioningLogEntry,
  listProvisioningLog,
} from '../../provisioning/provisioning-log.ts';
import { ApiError } from './errors.ts';
import type { ApiDeps } from './plugin.ts';
import {
  errors,
  eventSchema,
  eventsQuery,
  idParams,
  logEntryDetailSchema,
  logEntrySchema,
  logQuery,
} from './schemas.ts';

interface LogQuery {
  connection?: string;
  failed?: boolean;
  resource?: string;
  since?: string;
  until?: string;
  before?: string;
  limit: number;
}

interface EventsQuery {
  after: number;
  before?: number;
  limit: number;
  resource?: string;
  order: 'asc' | 'desc';
}

/** An ISO 8601 time as stored (UTC, milliseconds), or a 400 naming the parameter. */
function isoTime(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    const message = `is not an ISO 8601 time (such as 2026-01-31T12:00:00Z)`;
    throw new ApiError(400, 'invalid_request', `${name} ${message}.`, {
      fields: { [name]: message },
    });
  }
  return new Date(ms).toISOString();
}

export function activityRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { db } = deps.database;

  app.get<{ Querystring: LogQuery }>(
    '/provisioning-log',
    {
      schema: {
        tags: ['activity'],
        summary: 'SCIM requests, newest first',
        description:
          'Page with `before=<next>` from the previous answer; `next` is null on the last page.',
        querystring: logQuery,
        response: {
          200: {
            type: 'object',
            properties: {
              items: { type: 'array', items: logEntrySchema },
              next: { type: ['string', 'null'] },
            },
            required: ['items', 'next'],
          },
          ...errors(400, 401),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const since = isoTime('since', q.since);
      const until = isoTime('until', q.until);
      // What was logged a moment ago is shown: the log is written in the background.
      await app.provisioningLog?.flush();
      const entries = await listProvisioningLog(db, {
        ...(q.connection !== undefined ? { connectionId: q.connection } : {}),
        ...(q.failed ? { failed: true } : {}),
        ...(q.resource !== undefined ? { resourceId: q.resource } : {}),
        ...(since !== undefined ? { since } : {}),
        ...(until !== undefined ? { until } : {}),
        ...(q.before !== undefined ? { before: q.before } : {}),
        limit: q.limit,
      });
      return {
        items: entries.map(logEntryResponse),
        next: entries.length === q.limit ? entries.at(-1)!.id : null,
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/provisioning-log/:id',
    {
      schema: {
        tags: ['activity'],
        summary: 'One SCIM request, with its body (secrets redacted)',
        params: idParams,
        response: { 200: logEntryDetailSchema, ...errors(401, 404) },
      },
    },
    async (request) => {
      await app.provisioningLog?.flush();
      const entry = await getProvisioningLogEntry(db, request.params.id);
      if (!entry) {
        throw new ApiError(
          404,
          'not_found',
          `No provisioning log entry has the id ${JSON.stringify(request.params.id)}.`,
        );
      }
      return entry;
    },
  );

  app.get<{ Querystring: EventsQuery }>(
    '/events',
    {
      schema: {
        tags: ['activity'],
        summary: 'The change feed',
        description:
          'A service follows the feed with `after=<the lastSeq it saw>` (ascending). `lastSeq` is the highest `seq` of the answer, or `after` when there is none. Newest first: `order=desc`, and `before=<the lowest seq seen>` for the next page.',
        querystring: eventsQuery,
        response: {
          200: {
            type: 'object',
            properties: {
              items: { type: 'array', items: eventSchema },
              lastSeq: { type: 'integer' },
            },
            required: ['items', 'lastSeq'],
          },
          ...errors(400, 401),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const items = await listEvents(db, {
        after: q.after,
        ...(q.before !== undefined ? { before: q.before } : {}),
        limit: q.limit,
        // The changes involving it: its own, and the membership changes naming it as the member
        // (what a user's page lists as its recent changes).
        ...(q.resource !== undefined ? { involving: q.resource } : {}),
        order: q.order,
      });
      const lastSeq = items.reduce((max, e) => Math.max(max, e.seq), q.after);
      return { items, lastSeq };
    },
  );

  app.get(
    '/overview',
    {
      schema: {
        tags: ['activity'],
        summary: 'Counts for the console’s header and empty states',
        response: {
          200: {
            type: 'object',
            properties: {
              users: { type: 'integer' },
              groups: { type: 'integer' },
              connections: { type: 'integer' },
              failedRequests24h: { type: 'integer' },
              scimBaseUrl: { type: 'string' },
            },
            required: ['users', 'groups', 'connections', 'failedRequests24h', 'scimBaseUrl'],
          },
          ...errors(401),
        },
      },
    },
    async () => {
      await app.provisioningLog?.flush();
      return overviewOf(db, deps.scimBaseUrl);
    },
  );
}

/**
 * The SCIM 2.0 surface at /scim/v2 (RFC 7644). Its bearer-token check lives only inside this
 * Fastify context; the discovery endpoints are public (RFC 7644 §4).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DatabaseHandle } from '../../db/database.ts';
import { authenticate, authenticateCached } from '../../provisioning/connection.service.ts';
import type { AuthenticatedConnection } from '../../provisioning/connection.service.ts';
import { scimGroups, scimUsers } from '../../provisioning/scim-resources.ts';
import type {
  Projection,
  Rendered,
  ScimContext,
  ScimResourceKind,
} from '../../provisioning/scim-resources.ts';
import {
  findResourceType,
  findSchema,
  resourceTypeDocument,
  resourceTypes,
  schemaDocument,
  schemas,
  serviceProviderConfig,
} from '../../scim/discovery.ts';
import { ScimError } from '../../scim/errors.ts';
import { NUL_DETAIL, urlHasNul } from '../../lib/nul.ts';
import { SCHEMA } from '../../scim/schema.ts';
import { encodeCursor } from './cursor.ts';
import { listResponse, parseSearch, projectionOf, queryParameters, searchBody } from './search.ts';
import type { Query, Search } from './search.ts';
import { toScimError, UNSUPPORTED_TYPE } from './errors.ts';
import { RateLimiter } from './rate-limit.ts';
import { dialectFor, normalizeFilter } from '../../scim/dialects.ts';
import type { DialectName } from '../../scim/dialects.ts';
import type { ProvisioningLog } from '../../provisioning/provisioning-log.ts';
import { etagOf, matchesEtag } from '../../directory/context.ts';
import { DirectoryError } from '../../directory/errors.ts';

export interface ScimPluginOptions {
  readonly database: DatabaseHandle;
  readonly publicUrl: string;
  readonly maxPageSize: number;
  readonly maxBodyBytes: number;
  readonly maxMembersPerResponse: number;
  /** Requests per second per connection, unless the connection sets its own. */
  readonly rateLimit: number;
  readonly provisioningLog: ProvisioningLog;
}

const CONTENT_TYPE = 'application/scim+json; charset=utf-8';

declare module 'fastify' {
  interface FastifyRequest {
    scimConnection?: AuthenticatedConnection;
    /** What the provisioning log records of the request, filled in as it is handled. */
    scimLog?: RequestLog;
  }
  interface FastifyContextConfig {
    /** Served without a bearer token (the discovery endpoints). */
    public?: boolean;
  }
}

/** The parts of a provisioning-log entry known only while the request is handled. */
interface RequestLog {
  readonly start: number;
  error?: ScimError;
  resourceType?: 'User' | 'Group';
  readonly resourceIds: string[];
  dialect?: string;
  readonly normalizations: string[];
}

export async function scimPlugin(app: FastifyInstance, options: ScimPluginOptions): Promise<void> {
  const { database, maxPageSize, provisioningLog } = options;
  const baseUrl = `${options.publicUrl}/scim/v2`;
  const limiter = new RateLimiter();
  // Declared on this context's requests up front, so every request object has one shape
  // (a property added later changes it, and Fastify's own accesses then go megamorphic).
  app.decorateRequest('scimConnection', undefined);
  app.decorateRequest('scimLog', undefined);

  // Bodies in application/scim+json or application/json (RFC 7644 §3.1), parsed with
  // Fastify's JSON parser (which refuses __proto__ and constructor.prototype keys); any other
  // type is 415, text/plain included. A DELETE has no body, but some clients send their
  // Content-Type on it all the same (authentik, on every request): an empty body there is none,
  // whatever its type.
  const json = app.getDefaultJsonParser('error', 'error');
  const parsing = { parseAs: 'string', bodyLimit: options.maxBodyBytes } as const;
  const noBody = (request: FastifyRequest, body: string) =>
    request.method === 'DELETE' && body.trim() === '';
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(
    ['application/json', 'application/scim+json'],
    parsing,
    (request, body: string, done) => {
      if (noBody(request, body)) done(null, undefined);
      else json(request, body, done);
    },
  );
  app.addContentTypeParser('*', parsing, (request, body: string, done) => {
    if (noBody(request, body)) done(null, undefined);
    else done(new ScimError(415, undefined, UNSUPPORTED_TYPE), undefined);
  });
  // A compressed body is not JSON to the parser: say why rather than "not valid JSON".
  app.addHook('preParsing', (request, _reply, payload, done) => {
    const encoding = request.headers['content-encoding']?.trim().toLowerCase();
    if (encoding === undefined || encoding === '' || encoding === 'identity') {
      done(null, payload);
      return;
    }
    done(
      new ScimError(
        415,
        undefined,
        `Content-Encoding ${JSON.stringify(encoding)} is not supported: send the body uncompressed.`,
      ),
    );
  });

  app.setErrorHandler((error, request, reply) => {
    const { error: scimError, internal } = toScimError(error);
    if (internal) request.log.error({ err: error }, 'SCIM request failed');
    if (request.scimLog) request.scimLog.error = scimError;
    void reply.code(scimError.status).type(CONTENT_TYPE).send(scimError.toJSON());
  });

  app.setNotFoundHandler((request, reply) => {
    const error = new ScimError(
      404,
      undefined,
      `No SCIM endpoint at ${request.method} ${request.url.split('?')[0]}.`,
    );
    if (request.scimLog) request.scimLog.error = error;
    void reply.code(404).type(CONTENT_TYPE).send(error.toJSON());
  });

  // Every request goes to the provisioning log, once answered (failures included). A hook
  // with a callback rather than async: nothing here waits, so no promise per request.
  app.addHook('onResponse', (request, reply, done) => {
    const log = request.scimLog;
    if (!log) return done();
    const { url } = request;
    const mark = url.indexOf('?');
    const path = mark < 0 ? url : url.slice(0, mark);
    const query = mark < 0 ? undefined : url.slice(mark + 1);
    const connection = request.scimConnection;
    try {
      provisioningLog.record({
        at: new Date().toISOString(),
        connectionId: connection?.connectionId ?? null,
        connectionName: connection?.name ?? null,
        method: request.method,
        path,
        query: query ? query : null,
        status: reply.statusCode,
        scimType: log.error?.scimType ?? null,
        durationMs: performance.now() - log.start,
        resourceType: log.resourceType ?? null,
        resourceIds: log.resourceIds,
        requestBody: request.body,
        errorDetail: log.error?.message ?? null,
        dialect: log.dialect ?? null,
        normalizations: log.normalizations,
        userAgent: request.headers['user-agent'] ?? null,
      });
    } catch (error) {
      request.log.error({ err: error }, 'could not record the request in the provisioning log');
    }
    done();
  });

  /** The answer to a request whose token is missing or not valid (401). */
  const unauthenticated = (request: FastifyRequest, reply: FastifyReply, sent: boolean) => {
    const detail = sent
      ? 'The bearer token is not valid (unknown, revoked or expired).'
      : 'Send a SCIM connection\'s token as "Authorization: Bearer <token>".';
    const error = new ScimError(401, undefined, detail);
    request.scimLog!.error = error;
    void reply
      .code(401)
      .header(
        'WWW-Authenticate',
        `Bearer realm="gatehouse-scim"${sent ? ', error="invalid_token"' : ''}`,
      )
      .type(CONTENT_TYPE)
      .send(error.toJSON());
  };

  /**
   * What an authenticated request passes before its route: no NUL in the URL, the
   * connection's rate limit. Throws the ScimError to answer with, or sends the 429 itself and
   * returns false.
   */
  const admitted = (
    request: FastifyRequest,
    reply: FastifyReply,
    connection: AuthenticatedConnection,
  ): boolean => {
    request.scimConnection = connection;
    // An id, a filter or a parameter with a NUL in it (src/lib/nul.ts).
    if (urlHasNul(request.url))
      throw new ScimError(400, 'invalidValue', `${NUL_DETAIL}: %00 in the URL.`);
    const rate = connection.settings.rateLimit ?? options.rateLimit;
    const admission = limiter.take(connection.connectionId, rate);
    if (admission.allowed) return true;
    const error = new ScimError(
      429,
      undefined,
      `Too many requests: connection "${connection.name}" may send ${rate} per second. Retry after ${admission.retryAfterSeconds} s.`,
    );
    request.scimLog!.error = error;
    void reply
      .code(429)
      .header('Retry-After', String(admission.retryAfterSeconds))
      .type(CONTENT_TYPE)
      .send(error.toJSON());
    return false;
  };

  // One hook for what every request needs first: its log entry, then its token. A hook with a
  // callback: a token this process has seen within the last second is checked without a
  // promise (authenticateCached), the database is asked only otherwise.
  app.addHook('onRequest', (request, reply, done) => {
    request.scimLog = { start: performance.now(), resourceIds: [], normalizations: [] };
    if (request.routeOptions.config.public) return done();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) return unauthenticated(request, reply, false);
    const token = match[1]!;
    // done() runs the rest of the request: it is called outside the try, and once.
    const finish = (connection: AuthenticatedConnection | undefined) => {
      if (!connection) return unauthenticated(request, reply, true);
      let go: boolean;
      try {
        go = admitted(request, reply, connection);
      } catch (error) {
        return done(error as Error);
      }
      if (go) done();
    };
    const cached = authenticateCached(database.db, token);
    if (cached !== null) finish(cached);
    else authenticate(database.db, token).then(finish, done);
  });

  /**
   * The client profile of a request (src/scim/dialects.ts): the connection's setting, or what
   * the request shows when the setting is `auto`. Noted for the provisioning log.
   */
  const clientDialectOf = (request: FastifyRequest): DialectName => {
    const log = request.scimLog!;
    if (log.dialect === undefined) {
      log.dialect = dialectFor(request.scimConnection!.settings.dialect, {
        userAgent: request.headers['user-agent'],
        query: request.query as Record<string, unknown>,
      });
    }
    return log.dialect as DialectName;
  };

  /** A search's parameters with the filter in RFC form (the profile's filter normalisations). */
  const rfcFilter = <T extends { filter?: unknown }>(request: FastifyRequest, params: T): T => {
    if (typeof params.filter !== 'string') return params;
    const { filter, applied } = normalizeFilter(clientDialectOf(request), params.filter);
    if (applied.length === 0) return params;
    request.scimLog!.normalizations.push(...applied);
    return Object.assign({}, params, { filter });
  };

  const contextOf = (request: FastifyRequest): ScimContext => {
    const connection = request.scimConnection!;
    const { settings } = connection;
    return {
      clientDialect: clientDialectOf(request),
      normalizations: request.scimLog!.normalizations,
      db: database.db,
      dialect: database.dialect,
      actor: {
        kind: 'connection',
        connectionId: connection.connectionId,
        name: connection.name,
        policy: {
          deprovision: settings.deprovisionPolicy,
          retentionDays: settings.retentionDays,
          linkLocal: settings.linkLocalUsers,
        },
      },
      baseUrl,
      maxMembersPerResponse: options.maxMembersPerResponse,
    };
  };

  // ---- discovery (public) --------------------------------------------------------------------
  // RFC 7644 §4: these endpoints ignore paging and sorting, and a filter SHOULD be refused with
  // 403, "to ensure that clients cannot incorrectly assume that any matching conditions
  // specified in a filter are true". The parameter's name in any case, as everywhere.
  const publicRoute = {
    config: { public: true },
    preHandler: (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void) => {
      const query = request.query as Record<string, unknown>;
      for (const key in query) {
        if (key.toLowerCase() === 'filter') {
          done(new ScimError(403, undefined, 'The discovery endpoints take no filter.'));
          return;
        }
      }
      done();
    },
  };
  app.get('/ServiceProviderConfig', publicRoute, async (_request, reply) =>
    reply.type(CONTENT_TYPE).send(
      serviceProviderConfig({
        baseUrl,
        maxResults: maxPageSize,
        maxPayloadSize: options.maxBodyBytes,
      }),
    ),
  );
  app.get('/ResourceTypes', publicRoute, async (_request, reply) => {
    const resources = resourceTypes.map((r) => resourceTypeDocument(r, baseUrl));
    return reply
      .type(CONTENT_TYPE)
      .send(listResponse(resources.length, 1, resources.map(asRendered)));
  });
  app.get<{ Params: { name: string } }>(
    '/ResourceTypes/:name',
    publicRoute,
    async (request, reply) => {
      const resourceType = findResourceType(request.params.name);
      if (!resourceType)
        throw new ScimError(404, undefined, `No resource type named "${request.params.name}".`);
      return reply.type(CONTENT_TYPE).send(resourceTypeDocument(resourceType, baseUrl));
    },
  );
  app.get('/Schemas', publicRoute, async (_request, reply) => {
    const documents = schemas.map((s) => schemaDocument(s, baseUrl));
    return reply
      .type(CONTENT_TYPE)
      .send(listResponse(documents.length, 1, documents.map(asRendered)));
  });
  app.get<{ Params: { urn: string } }>('/Schemas/:urn', publicRoute, async (request, reply) => {
    const schema = findSchema(request.params.urn);
    if (!schema) throw new ScimError(404, undefined, `No schema "${request.params.urn}".`);
    return reply.type(CONTENT_TYPE).send(schemaDocument(schema, baseUrl));
  });

  // RFC 7644 §3.11: a service provider without /Me SHOULD answer 501. (A connection's token
  // stands for an identity provider, not for a user of the directory.)
  app.all('/Me', async () => {
    throw new ScimError(
      501,
      undefined,
      'The /Me endpoint is not supported: a SCIM connection acts for an identity provider, not a user.',
    );
  });

  // ---- Users and Groups ----------------------------------------------------------------------
  registerResource(app, '/Users', scimUsers, contextOf, rfcFilter, maxPageSize);
  registerResource(app, '/Groups', scimGroups, contextOf, rfcFilter, maxPageSize);

  // RFC 7644 §3.4.3: a search across every resource type from the root.
  app.post('/.search', async (request, reply) => {
    const body = rfcFilter(request, searchBody(request.body));
    const search = parseSearch(body, maxPageSize);
    const context = contextOf(request);
    // Users first, then groups: each part keeps its own stable order.
    const kinds = [scimUsers, scimGroups] as ScimResourceKind<{ id: string; version: number }>[];
    const totals: number[] = [];
    const failures: ScimError[] = [];
    for (const kind of kinds) {
      try {
        totals.push(
          (await kind.list(context, Object.assign({}, search.query, { limit: 0 }))).total,
        );
      } catch (error) {
        // An attribute of one type only (userName) matches nothing of the other type.
        if (
          error instanceof ScimError &&
          error.scimType === 'invalidFilter' &&
          search.query.filter
        ) {
          failures.push(error);
          totals.push(0);
        } else throw error;
      }
    }
    if (failures.length === kinds.length) throw failures[0]!;
    let offset = search.query.offset;
    let remaining = search.query.limit;
    const rendered: Rendered[] = [];
    for (const [i, kind] of kinds.entries()) {
      const total = totals[i]!;
      if (remaining > 0 && total > 0 && offset < total) {
        const page = await kind.list(
          context,
          Object.assign({}, search.query, { offset, limit: remaining, skipTotal: true }),
        );
        rendered.push(...(await kind.render(context, page.items, search.projection)));
        remaining -= page.items.length;
      }
      offset = Math.max(0, offset - total);
    }
    const total = totals.reduce((a, b) => a + b, 0);
    return reply.type(CONTENT_TYPE).send(listResponse(total, search.startIndex, rendered));
  });
}

function asRendered(body: Record<string, unknown>): Rendered {
  return { id: String(body.id), etag: '', body };
}

function sendResource(reply: FastifyReply, rendered: Rendered, status = 200) {
  return reply.code(status).header('ETag', rendered.etag).type(CONTENT_TYPE).send(rendered.body);
}

function registerResource<T extends { id: string; version: number }>(
  app: FastifyInstance,
  endpoint: '/Users' | '/Groups',
  kind: ScimResourceKind<T>,
  contextOf: (request: FastifyRequest) => ScimContext,
  rfcFilter: <P extends { filter?: unknown }>(request: FastifyRequest, params: P) => P,
  maxPageSize: number,
): void {
  type IdRequest = FastifyRequest<{ Params: { id: string }; Querystring: Query }>;
  const resourceType = endpoint === '/Users' ? 'User' : 'Group';
  /** Notes the resource a request touched, for the provisioning log. */
  const touched = (request: FastifyRequest, id?: string) => {
    const log = request.scimLog;
    if (!log) return;
    log.resourceType = resourceType;
    if (id !== undefined) log.resourceIds.push(id);
  };
  /** `attributes` and `excludedAttributes` of a request on one resource, in any case. */
  const projection = (request: FastifyRequest<{ Querystring: Query }>) => {
    const { attributes, excludedAttributes } = queryParameters(request.query, [
      'attributes',
      'excludedAttributes',
    ]);
    return projectionOf(attributes, excludedAttributes);
  };
  const ifMatch = (request: FastifyRequest) => request.headers['if-match'];

  /**
   * The response to a write that succeeded. It cannot fail on the member limit (the write is
   * done): a group with more members than one response may list is returned without them.
   */
  const renderWritten = async (
    context: ScimContext,
    item: T,
    wanted: Projection,
    options: { created?: boolean } = {},
  ) => {
    try {
      return (await kind.render(context, [item], wanted, options))[0]!;
    } catch (error) {
      if (!(error instanceof DirectoryError && error.code === 'too_many')) throw error;
      const excludedAttributes = [...(wanted.excludedAttributes ?? []), 'members'];
      return (
        await kind.render(context, [item], Object.assign({}, wanted, { excludedAttributes }))
      )[0]!;
    }
  };

  const list = async (reply: FastifyReply, context: ScimContext, search: Search) => {
    if (search.cursor) {
      // One row more than the page says whether there is a next page (RFC 9865: nextCursor
      // is on every page but the last).
      const page = await kind.list(
        context,
        Object.assign({}, search.query, { limit: search.query.limit + 1 }),
      );
      const items = page.items.slice(0, search.query.limit);
      const rendered = await kind.render(context, items, search.projection);
      const more = page.items.length > items.length;
      return reply.type(CONTENT_TYPE).send({
        schemas: [SCHEMA.listResponse],
        totalResults: page.total,
        itemsPerPage: rendered.length,
        ...(more ? { nextCursor: encodeCursor(items.at(-1)!.id, search.cursor.digest) } : {}),
        Resources: rendered.map((r) => r.body),
      });
    }
    const page = await kind.list(context, search.query);
    const rendered = await kind.render(context, page.items, search.projection);
    return reply.type(CONTENT_TYPE).send(listResponse(page.total, search.startIndex, rendered));
  };

  app.get<{ Querystring: Query }>(endpoint, async (request, reply) => {
    touched(request);
    const params = rfcFilter(request, queryParameters(request.query));
    const search = parseSearch(params, maxPageSize, endpoint);
    return list(reply, contextOf(request), search);
  });

  app.post(`${endpoint}/.search`, async (request, reply) => {
    touched(request);
    return list(
      reply,
      contextOf(request),
      parseSearch(rfcFilter(request, searchBody(request.body)), maxPageSize, endpoint),
    );
  });

  app.get(`${endpoint}/:id`, async (request: IdRequest, reply) => {
    touched(request, request.params.id);
    const context = contextOf(request);
    const item = await kind.get(context, request.params.id);
    const [rendered] = await kind.render(context, [item], projection(request));
    // RFC 7644 §3.14: a matching If-None-Match answers 304 Not Modified.
    const ifNoneMatch = request.headers['if-none-match'];
    if (ifNoneMatch !== undefined && matchesEtag(ifNoneMatch, item.version)) {
      return reply.code(304).header('ETag', rendered!.etag).send();
    }
    return sendResource(reply, rendered!);
  });

  app.post<{ Querystring: Query }>(endpoint, async (request, reply) => {
    touched(request);
    const context = contextOf(request);
    const item = await kind.create(context, request.body);
    touched(request, item.id);
    const rendered = await renderWritten(context, item, projection(request), {
      // A create that restored or linked an existing resource (version > 1) may have groups.
      created: item.version === 1,
    });
    return sendResource(
      reply.header('Location', `${context.baseUrl}${endpoint}/${item.id}`),
      rendered,
      201,
    );
  });

  app.put(`${endpoint}/:id`, async (request: IdRequest, reply) => {
    touched(request, request.params.id);
    const context = contextOf(request);
    const item = await kind.replace(context, request.params.id, request.body, ifMatch(request));
    const rendered = await renderWritten(context, item, projection(request));
    return sendResource(reply, rendered);
  });

  app.patch(`${endpoint}/:id`, async (request: IdRequest, reply) => {
    touched(request, request.params.id);
    const context = contextOf(request);
    const { item, membersChanged } = await kind.patch(
      context,
      request.params.id,
      request.body,
      ifMatch(request),
    );
    const wanted = projection(request);
    // A group's full member list costs O(group size); after a membership change answer 204
    // (RFC 7644 §3.5.2 allows it) unless the client asked for attributes.
    if (membersChanged && !wanted.attributes && !wanted.excludedAttributes) {
      return reply.code(204).header('ETag', etagOf(item.version)).send();
    }
    return sendResource(reply, await renderWritten(context, item, wanted));
  });

  app.delete(`${endpoint}/:id`, async (request: IdRequest, reply) => {
    touched(request, request.params.id);
    await kind.remove(contextOf(request), request.params.id, ifMatch(request));
    return reply.code(204).send();
  });
}

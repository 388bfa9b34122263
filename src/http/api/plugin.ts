/**
 * The admin API at /api/v1 (docs/admin-api.md): the console's API and the scripts'. Its
 * authentication (a console session's cookie, or an API key) lives only inside this Fastify
 * context, as the SCIM bearer tokens live only inside /scim/v2: neither opens the other.
 *
 * Every route declares its request and response schemas; Ajv validates requests against them
 * (bodies strictly, query strings with coercion, since they are text) and the OpenAPI document
 * at /api/docs is generated from them. Errors are the contract's `{"error": {...}}` (errors.ts).
 */
import cookie from '@fastify/cookie';
import { Ajv } from 'ajv';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifySchemaValidationError,
} from 'fastify';
import { authenticateApiKey, API_KEY_PREFIX } from '../../admin/api-keys.service.ts';
import { actorOf } from '../../admin/principal.ts';
import type { Principal } from '../../admin/principal.ts';
import {
  csrfMatches,
  findSession,
  SESSION_COOKIE,
  SESSION_SECONDS,
} from '../../admin/sessions.service.ts';
import { SignInLimiter } from '../../admin/sign-in-limiter.ts';
import type { DatabaseHandle } from '../../db/database.ts';
import type { DirectoryContext } from '../../directory/context.ts';
import { TOKEN_PREFIX } from '../../provisioning/connection.service.ts';
import { NUL_DETAIL, jsonHasNul, nulField, urlHasNul } from '../../lib/nul.ts';
import { activityRoutes } from './activity.routes.ts';
import { apiKeyRoutes } from './api-keys.routes.ts';
import { connectionRoutes } from './connections.routes.ts';
import { ApiError, toApiError } from './errors.ts';
import { groupRoutes } from './groups.routes.ts';
import { sessionRoutes } from './session.routes.ts';
import { userRoutes } from './users.routes.ts';

export interface ApiPluginOptions {
  readonly database: DatabaseHandle;
  readonly publicUrl: string;
  /** Largest request body of the admin API (smaller than SCIM's, which carries big groups). */
  readonly maxBodyBytes?: number;
  /** Sign-in attempts a minute per client address and per userName. */
  readonly signInPerMinute?: number;
}

/** Who may call a route: anyone, any signed-in principal, or administrators only. */
export type Access = 'public' | 'signed-in' | 'admin';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling the admin API (set by its authentication hook). */
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /**
     * Admin API routes: `public` (no authentication), `signed-in` (any role, any method),
     * `admin` (administrators, even to read). Unset: any role reads, administrators write.
     */
    access?: Access;
  }
}

/** What the route modules share. */
export interface ApiDeps {
  readonly database: DatabaseHandle;
  readonly publicUrl: string;
  readonly scimBaseUrl: string;
  readonly limiter: SignInLimiter;
  /** The session cookie's attributes (Secure when the public URL is https). */
  readonly cookie: {
    readonly path: '/';
    readonly httpOnly: true;
    readonly sameSite: 'lax';
    readonly secure: boolean;
    readonly maxAge: number;
  };
  /** The directory context of a request: its principal as the actor. */
  contextOf(request: FastifyRequest): DirectoryContext;
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
const DEFAULT_BODY_LIMIT = 1024 * 1024;

export async function apiPlugin(app: FastifyInstance, options: ApiPluginOptions): Promise<void> {
  const { database } = options;
  // One shape for every request object of this context (see src/http/scim/plugin.ts).
  app.decorateRequest('principal', undefined);
  await app.register(cookie);
  // JSON only. A text/plain body is also what a cross-site form can send without a preflight.
  // Fastify's JSON parser (which refuses __proto__ and constructor.prototype keys), after a look
  // for U+0000, which no value may hold (src/lib/nul.ts).
  app.removeContentTypeParser(['application/json', 'text/plain']);
  const json = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    // A DELETE has no body, but a client may send its Content-Type on it all the same.
    if (request.method === 'DELETE' && (body as string).trim() === '') {
      done(null, undefined);
      return;
    }
    json(request, body as string, (error, parsed) => {
      const field = error || !jsonHasNul(body as string) ? undefined : nulField(parsed);
      if (field === undefined) done(error, parsed);
      else {
        const message = `${NUL_DETAIL}.`;
        done(
          new ApiError(400, 'invalid_request', `Field ${JSON.stringify(field)}: ${message}`, {
            fields: { [field]: message },
          }),
          undefined,
        );
      }
    });
  });

  // Query strings and path parameters are text: coerced to the schema's types. Bodies are JSON:
  // a wrong type is an error, not a conversion, and an unknown field is refused.
  const common = { useDefaults: true, allErrors: true, allowUnionTypes: true } as const;
  const bodies = new Ajv({ ...common, coerceTypes: false, removeAdditional: false });
  const text = new Ajv({ ...common, coerceTypes: 'array', removeAdditional: false });
  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === 'body'
      ? bodies.compile(schema)
      : httpPart === 'querystring'
        ? decimalIntegersFirst(schema, text.compile(schema))
        : text.compile(schema),
  );
  const bodyLimit = Math.min(options.maxBodyBytes ?? DEFAULT_BODY_LIMIT, DEFAULT_BODY_LIMIT);
  app.addHook('onRoute', (route) => {
    route.bodyLimit ??= bodyLimit;
  });

  app.setErrorHandler((error, request, reply) => {
    const { error: apiError, internal } = toApiError(error);
    if (internal) request.log.error({ err: error }, 'admin API request failed');
    return sendError(reply, apiError);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new ApiError(
        404,
        'not_found',
        `No admin API endpoint at ${request.method} ${request.url.split('?')[0]}.`,
      ),
    ),
  );

  const secure = options.publicUrl.startsWith('https:');
  const deps: ApiDeps = {
    database,
    publicUrl: options.publicUrl,
    scimBaseUrl: `${options.publicUrl}/scim/v2`,
    limiter: new SignInLimiter(options.signInPerMinute ?? 10),
    cookie: { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge: SESSION_SECONDS },
    contextOf: (request) => ({
      db: database.db,
      dialect: database.dialect,
      actor: actorOf(request.principal!),
    }),
  };

  // Server-Timing (W3C): the time the request took in this process, for the console's devtools
  // and the benchmark (bench/workloads.ts, consolePages).
  const started = new WeakMap<FastifyRequest, number>();
  app.addHook('onRequest', async (request) => {
    started.set(request, performance.now());
    if (urlHasNul(request.url)) {
      throw new ApiError(400, 'invalid_request', `${NUL_DETAIL}: %00 in the URL.`);
    }
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const start = started.get(request);
    if (start !== undefined) {
      void reply.header('Server-Timing', `app;dur=${(performance.now() - start).toFixed(2)}`);
    }
    return payload;
  });

  app.addHook('onRequest', async (request, reply) => {
    const access = request.routeOptions.config.access;
    if (access === 'public') return;
    const principal = await authenticate(request, reply, deps);
    request.principal = principal;
    const writes = !READS.has(request.method);
    if (principal.kind === 'session' && writes) {
      const header = request.headers['x-csrf-token'];
      if (!csrfMatches(principal.csrfToken, typeof header === 'string' ? header : undefined)) {
        throw new ApiError(
          403,
          'csrf',
          'A state-changing request with the session cookie needs the header X-CSRF-Token (the csrfToken the session was given).',
        );
      }
    }
    if (principal.role !== 'admin' && (access === 'admin' || (writes && access !== 'signed-in'))) {
      throw new ApiError(
        403,
        'forbidden',
        access === 'admin'
          ? 'Only administrators may do this.'
          : 'The role viewer may only read: ask an administrator.',
      );
    }
  });

  sessionRoutes(app, deps);
  userRoutes(app, deps);
  groupRoutes(app, deps);
  connectionRoutes(app, deps);
  activityRoutes(app, deps);
  apiKeyRoutes(app, deps);
}

/** A query-string validator as Fastify calls it: false with Ajv's errors when refused. */
interface QueryValidator {
  (data: unknown): boolean;
  errors?: FastifySchemaValidationError[] | null;
}

/** What is wrong with the text of an integer parameter, if anything. */
function integerTextError(
  value: unknown,
  maximum: number,
): Pick<FastifySchemaValidationError, 'keyword' | 'message'> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^[0-9]+$/.test(value)) {
    return { keyword: 'type', message: 'must be a whole number in decimal digits (0-9)' };
  }
  // Ajv checks no range on a value past Number.MAX_VALUE (401 digits are Infinity to it).
  if (Number(value) > maximum) return { keyword: 'maximum', message: `must be <= ${maximum}` };
  return undefined;
}

/**
 * The query's integer parameters as plain decimal digits, checked on the text before Ajv coerces
 * it. Ajv takes whatever Number() takes (`1e2`, `0x10`, ` 5`, `5.0`, `+5`; `1e400` is Infinity):
 * a script's mistake would be read as some other number instead of being refused. The range
 * each one documents (`minimum`, `maximum`, at most 2^53 - 1) is then Ajv's to check.
 */
function decimalIntegersFirst(schema: unknown, validate: QueryValidator): QueryValidator {
  type Property = { type?: unknown; maximum?: unknown };
  const properties = (schema as { properties?: Record<string, Property> }).properties ?? {};
  const integers = Object.entries(properties)
    .filter(
      ([, p]) => p.type === 'integer' || (Array.isArray(p.type) && p.type.includes('integer')),
    )
    .map(([name, p]) => ({
      name,
      maximum: typeof p.maximum === 'number' ? p.maximum : Number.MAX_SAFE_INTEGER,
    }));
  if (integers.length === 0) return validate;
  const checked: QueryValidator = (data) => {
    const query = (data ?? {}) as Record<string, unknown>;
    const errors: FastifySchemaValidationError[] = [];
    for (const { name, maximum } of integers) {
      // A parameter given twice is an array: each text is checked, then Ajv refuses the array.
      const error = [query[name]]
        .flat()
        .map((value) => integerTextError(value, maximum))
        .find((e) => e !== undefined);
      if (error) {
        errors.push({
          ...error,
          instancePath: `/${name}`,
          schemaPath: `#/properties/${name}/${error.keyword}`,
          params: {},
        });
      }
    }
    checked.errors = errors.length > 0 ? errors : undefined;
    if (errors.length > 0) return false;
    const valid = validate(data);
    checked.errors = validate.errors ?? undefined;
    return valid;
  };
  return checked;
}

export function sendError(reply: FastifyReply, error: ApiError) {
  for (const [name, value] of Object.entries(error.headers)) void reply.header(name, value);
  if (error.status === 401 && !reply.hasHeader('www-authenticate')) {
    // RFC 9110 §15.5.2: a 401 names how to authenticate.
    void reply.header('WWW-Authenticate', 'Bearer realm="gatehouse-api"');
  }
  return reply.code(error.status).type('application/json; charset=utf-8').send(error.toJSON());
}

/**
 * The principal of a request: an API key when an Authorization header is sent (then the cookie
 * is not looked at), else the session cookie. A SCIM token is refused by name.
 */
async function authenticate(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: ApiDeps,
): Promise<Principal> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const key = match?.[1];
    if (key === undefined) {
      throw unauthenticated(`Send an API key as "Authorization: Bearer ${API_KEY_PREFIX}…".`, true);
    }
    if (key.startsWith(TOKEN_PREFIX)) {
      throw unauthenticated(
        'A SCIM connection token does not open the admin API: use an API key (npx gatehouse api-keys create <name>).',
        true,
      );
    }
    const principal = await authenticateApiKey(deps.database.db, key);
    if (!principal) throw unauthenticated('The API key is not valid (unknown or revoked).', true);
    return principal;
  }
  const value = request.cookies[SESSION_COOKIE];
  if (value !== undefined && value !== '') {
    const session = await findSession(deps.database.db, value);
    if (session) return session;
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    throw unauthenticated('The session has ended: sign in again.');
  }
  throw unauthenticated(
    `Sign in, or send an API key as "Authorization: Bearer ${API_KEY_PREFIX}…".`,
  );
}

function unauthenticated(message: string, invalidToken = false): ApiError {
  return new ApiError(401, 'unauthenticated', message, undefined, {
    'WWW-Authenticate': `Bearer realm="gatehouse-api"${invalidToken ? ', error="invalid_token"' : ''}`,
  });
}

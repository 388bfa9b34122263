/** Signing in and out, and the first-run setup of the first administrator. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  createSession,
  checkSignIn,
  endSession,
  SESSION_COOKIE,
} from '../../admin/sessions.service.ts';
import { completeSetup, setupNeeded } from '../../admin/setup.service.ts';
import { getUserResponse } from '../../admin/users.service.ts';
import { ApiError } from './errors.ts';
import type { ApiDeps } from './plugin.ts';
import { errors, sessionSchema, setupBody, signInBody } from './schemas.ts';

interface SignInBody {
  userName: string;
  password: string;
}

interface SetupBody {
  token: string;
  userName: string;
  password: string;
  displayName?: string;
}

export function sessionRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { db } = deps.database;

  /** Takes an attempt from each bucket; over the limit, 429 with Retry-After. */
  const admit = (request: FastifyRequest, keys: string[]) => {
    for (const key of keys) {
      const admission = deps.limiter.take(key);
      if (!admission.allowed) {
        request.log.warn({ limitedBy: key, address: request.ip }, 'sign-in rate limit reached');
        throw new ApiError(
          429,
          'rate_limited',
          `Too many sign-in attempts: try again in ${admission.retryAfterSeconds} s.`,
          undefined,
          { 'Retry-After': String(admission.retryAfterSeconds) },
        );
      }
    }
  };

  /** Opens a session for the user: the cookie, and what the console needs. */
  const signedIn = async (request: FastifyRequest, reply: FastifyReply, userId: string) => {
    const session = await createSession(db, userId, {
      userAgent: request.headers['user-agent'] ?? null,
      address: request.ip,
    });
    void reply.setCookie(SESSION_COOKIE, session.cookie, deps.cookie);
    const user = await getUserResponse(deps.database, userId);
    return { user, csrfToken: session.csrfToken };
  };

  app.post<{ Body: SignInBody }>(
    '/session',
    {
      config: { access: 'public' },
      schema: {
        tags: ['session'],
        summary: 'Sign in with a userName and password',
        description:
          'Sets the httpOnly session cookie `gatehouse_session` (12 hours). Rate-limited per client address and per userName.',
        body: signInBody,
        response: { 200: sessionSchema, ...errors(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const { userName, password } = request.body;
      admit(request, [`address:${request.ip}`, `user:${userName.toLowerCase()}`]);
      const result = await checkSignIn(db, userName, password);
      if (!result.ok) {
        // Never the password; the userName and address say who tried.
        request.log.warn(
          { userName, address: request.ip, reason: result.reason },
          'sign-in failed',
        );
        if (result.reason === 'inactive') {
          throw new ApiError(403, 'forbidden', `${userName} is not active: ask an administrator.`);
        }
        if (result.reason === 'no_role') {
          throw new ApiError(
            403,
            'forbidden',
            `${userName} has no console role: ask an administrator to grant one.`,
          );
        }
        throw new ApiError(401, 'unauthenticated', 'The userName or the password is wrong.');
      }
      return signedIn(request, reply, result.userId);
    },
  );

  app.get(
    '/session',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['session'],
        summary: 'The signed-in user and the session’s CSRF token',
        response: { 200: sessionSchema, ...errors(401) },
      },
    },
    async (request) => {
      const principal = request.principal!;
      if (principal.kind !== 'session') {
        throw new ApiError(401, 'unauthenticated', 'An API key has no console session.');
      }
      return {
        user: await getUserResponse(deps.database, principal.userId),
        csrfToken: principal.csrfToken,
      };
    },
  );

  app.delete(
    '/session',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['session'],
        summary: 'Sign out',
        response: { 204: { type: 'null', description: 'Signed out.' }, ...errors(401, 403) },
      },
    },
    async (request, reply) => {
      const principal = request.principal!;
      if (principal.kind === 'session') await endSession(db, principal.sessionId);
      return reply.clearCookie(SESSION_COOKIE, { path: '/' }).code(204).send();
    },
  );

  app.get(
    '/setup',
    {
      config: { access: 'public' },
      schema: {
        tags: ['session'],
        summary: 'Whether the first administrator is still to be made',
        response: {
          200: {
            type: 'object',
            properties: { needed: { type: 'boolean' } },
            required: ['needed'],
          },
        },
      },
    },
    async () => ({ needed: await setupNeeded(db) }),
  );

  app.post<{ Body: SetupBody }>(
    '/setup',
    {
      config: { access: 'public' },
      schema: {
        tags: ['session'],
        summary: 'Create the first administrator with the one-time setup token',
        description:
          'The token is the one in the link `npm start` prints while no administrator exists. Creates a LOCAL user with this password and the role admin, and signs them in.',
        body: setupBody,
        response: { 201: sessionSchema, ...errors(400, 401, 409, 429) },
      },
    },
    async (request, reply) => {
      admit(request, [`setup:${request.ip}`]);
      const { token, userName, password, displayName } = request.body;
      const user = await completeSetup(
        { db, dialect: deps.database.dialect, actor: { kind: 'local', name: 'setup' } },
        token,
        { userName, password, ...(displayName !== undefined ? { displayName } : {}) },
      );
      request.log.info({ userId: user.id, userName: user.userName }, 'first administrator created');
      return reply.code(201).send(await signedIn(request, reply, user.id));
    },
  );
}

/**
 * The admin API on a test database: an application with an administrator signed in, requests
 * as them (cookie and CSRF header), as an API key, or as nobody.
 */
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { createApiKey } from '../../src/admin/api-keys.service.ts';
import { createAdministrator } from '../../src/admin/setup.service.ts';
import type { Role } from '../../src/db/tables.ts';
import type { Dialect } from '../../src/db/database.ts';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { PUBLIC_URL, withScimConnection } from './app.ts';
import type { TestApp } from './app.ts';
import { openTestDatabase } from './databases.ts';

export const API = '/api/v1';
export const ADMIN_PASSWORD = 'correct horse battery staple';

/** A signed-in console session: its cookie and CSRF token. */
export interface Session {
  readonly cookie: string;
  readonly csrfToken: string;
  readonly userId: string;
}

export interface AdminTestApp extends TestApp {
  /** The administrator made at start (`admin@example.com`), signed in. */
  readonly admin: Session;
  /** A request to the admin API (`/users` or a full path), as `as` (default: the admin). */
  api(
    method: InjectOptions['method'],
    url: string,
    body?: unknown,
    options?: { as?: Session | string | null; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
  /** Signs in (POST /session); fails the test unless it works. */
  signIn(userName: string, password: string): Promise<Session>;
  /** A LOCAL user with a password and a role, signed in. */
  userWithRole(userName: string, role: Role): Promise<Session>;
  /** A new API key of this role. */
  apiKey(role: Role): Promise<string>;
}

export interface AdminAppOptions {
  /** Environment of the configuration (GATEHOUSE_PUBLIC_URL is https://gatehouse.test). */
  readonly env?: Record<string, string>;
  /** The built console to serve; by default a directory with none. */
  readonly consoleDir?: string;
  /** Collects the log lines (JSON), at level info. */
  readonly logs?: string[];
  /** Make no administrator (the first-run state). */
  readonly noAdmin?: boolean;
}

export async function startAdminApp(
  dialect: Dialect,
  options: AdminAppOptions = {},
): Promise<AdminTestApp> {
  const database = await openTestDatabase(dialect);
  const config = loadConfig({
    GATEHOUSE_PUBLIC_URL: PUBLIC_URL,
    LOG_LEVEL: options.logs ? 'info' : 'silent',
    GATEHOUSE_SCIM_RATE_LIMIT: '100000',
    // Tests sign in often from one address; the rate-limit test sets its own.
    GATEHOUSE_SIGN_IN_RATE_LIMIT: '10000',
    ...options.env,
  });
  const logs = options.logs;
  const app = await buildApp({
    config,
    database,
    // A directory with no build unless a test gives one: tests never depend on `npm run build`.
    consoleDir: options.consoleDir ?? path.join(os.tmpdir(), 'gatehouse-no-console'),
    ...(logs ? { logStream: { write: (line: string) => void logs.push(line) } } : {}),
  });
  const t = await withScimConnection(app, database, config);
  const context = { db: database.db, dialect, actor: { kind: 'local', name: 'test' } as const };

  const api: AdminTestApp['api'] = async (method, url, body, options = {}) => {
    const as = options.as === undefined ? admin : options.as;
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (typeof as === 'string') headers.authorization = `Bearer ${as}`;
    else if (as !== null) {
      headers.cookie = `gatehouse_session=${as.cookie}`;
      headers['x-csrf-token'] ??= as.csrfToken;
    }
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    return app.inject({
      method,
      url: url.startsWith('/api/') ? url : `${API}${url}`,
      headers,
      ...(body !== undefined
        ? { payload: typeof body === 'string' ? body : JSON.stringify(body) }
        : {}),
    });
  };

  const signIn = async (userName: string, password: string): Promise<Session> => {
    const response = await api('POST', '/session', { userName, password }, { as: null });
    expect(response.statusCode, response.body).toBe(200);
    const cookie = response.cookies.find((c) => c.name === 'gatehouse_session');
    expect(cookie).toBeDefined();
    const body = response.json() as { csrfToken: string; user: { id: string } };
    return { cookie: cookie!.value, csrfToken: body.csrfToken, userId: body.user.id };
  };

  let admin: Session = { cookie: '', csrfToken: '', userId: '' };
  // The name of an active key is unique: each of the test's keys has its own.
  let keys = 0;
  if (!options.noAdmin) {
    await createAdministrator(context, {
      userName: 'admin@example.com',
      password: ADMIN_PASSWORD,
    });
    admin = await signIn('admin@example.com', ADMIN_PASSWORD);
  }

  return Object.assign(t, {
    admin,
    api,
    signIn,
    userWithRole: async (userName: string, role: Role) => {
      const created = await api('POST', '/users', { userName, password: ADMIN_PASSWORD });
      expect(created.statusCode, created.body).toBe(201);
      const { id } = created.json() as { id: string };
      const granted = await api('PUT', `/users/${id}/role`, { role });
      expect(granted.statusCode, granted.body).toBe(200);
      return signIn(userName, ADMIN_PASSWORD);
    },
    apiKey: async (role: Role) =>
      (await createApiKey(database.db, { name: `test ${role} ${++keys}`, role }, 'test')).key,
  });
}

/** Asserts the admin API's error body (docs/admin-api.md, "Errors"), and returns it. */
export function expectApiError(
  response: LightMyRequestResponse,
  status: number,
  code: string,
): { code: string; message: string; details?: Record<string, unknown> } {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = response.json() as {
    error: { code: string; message: string; details?: Record<string, unknown> };
  };
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message).not.toBe('');
  return body.error;
}

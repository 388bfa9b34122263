/** An application on a test database, driven with `app.inject()` (no socket). */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Config } from '../../src/config.ts';
import type { Dialect } from '../../src/db/database.ts';
import { createConnection } from '../../src/provisioning/connection.service.ts';
import { openTestDatabase } from './databases.ts';
import type { TestDatabase } from './databases.ts';

export const PUBLIC_URL = 'https://gatehouse.test';
export const SCIM = '/scim/v2';

export interface TestApp {
  readonly app: FastifyInstance;
  readonly database: TestDatabase;
  readonly config: Config;
  /** A bearer token of the connection "okta". */
  readonly token: string;
  readonly connectionId: string;
  /** A SCIM request with the token, JSON body and SCIM content type. */
  scim(
    method: InjectOptions['method'],
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function startTestApp(
  dialect: Dialect,
  env: Record<string, string> = {},
): Promise<TestApp> {
  const database = await openTestDatabase(dialect);
  const config = loadConfig({
    GATEHOUSE_PUBLIC_URL: PUBLIC_URL,
    LOG_LEVEL: 'silent',
    // Tests send bursts far beyond any identity provider; the rate-limit tests set their own.
    GATEHOUSE_SCIM_RATE_LIMIT: '100000',
    ...env,
  });
  return withScimConnection(await buildApp({ config, database }), database, config);
}

/**
 * A TestApp over an application already built: a connection "okta" and SCIM requests with its
 * token. The admin API's tests build theirs with more options (test/support/admin.ts).
 */
export async function withScimConnection(
  app: FastifyInstance,
  database: TestDatabase,
  config: Config,
): Promise<TestApp> {
  const { connection, token } = await createConnection(database.db, 'okta', 'test');
  return {
    app,
    database,
    config,
    token,
    connectionId: connection.id,
    // The provisioning log is written in the background: flushed first, its writes never land
    // among the queries a test counts for a request.
    scim: async (method, url, body, headers = {}) => {
      await app.provisioningLog.flush();
      return app.inject({
        method,
        url: url.startsWith('/') ? url : `${SCIM}/${url}`,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}),
          ...headers,
        },
        ...(body !== undefined
          ? { payload: typeof body === 'string' ? body : JSON.stringify(body) }
          : {}),
      });
    },
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** An Okta-shaped user body. */
export function oktaUser(userName: string, extra: Record<string, unknown> = {}) {
  const [given = 'Test', family = 'User'] = userName.split('@')[0]!.split('.');
  return {
    schemas: [USER_SCHEMA],
    userName,
    name: { givenName: given, familyName: family },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: `${given} ${family}`,
    locale: 'en-US',
    externalId: `00u${userName.length}${given}`,
    groups: [],
    password: 'Secret-123',
    active: true,
    ...extra,
  };
}

export function patch(...operations: unknown[]) {
  return { schemas: [PATCH_OP], Operations: operations };
}

export function json(response: LightMyRequestResponse): Record<string, unknown> {
  return response.json() as Record<string, unknown>;
}

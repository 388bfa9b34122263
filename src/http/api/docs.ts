/**
 * The admin API with its OpenAPI document: /api/v1 (plugin.ts), and /api/docs (Swagger UI) and
 * /api/docs/json generated from the routes' own schemas. @fastify/swagger sees only the routes
 * registered inside this context, so the document holds the admin API and nothing else.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { SESSION_COOKIE } from '../../admin/sessions.service.ts';
import { apiPlugin } from './plugin.ts';
import type { ApiPluginOptions } from './plugin.ts';

export const API_PREFIX = '/api/v1';
export const DOCS_PREFIX = '/api/docs';

export async function adminApi(app: FastifyInstance, options: ApiPluginOptions): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Gatehouse admin API',
        version: '1.0.0',
        description:
          'The console’s API, and the API for scripts. Contract and rules: docs/admin-api.md. ' +
          'Authenticate with the console’s session cookie (then send `X-CSRF-Token` with every ' +
          'state-changing request) or with an API key as `Authorization: Bearer gh_api_…`.',
      },
      servers: [{ url: options.publicUrl }],
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
          apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (gh_api_…).' },
        },
      },
      security: [{ session: [] }, { apiKey: [] }],
      tags: [
        { name: 'session', description: 'Signing in and out; first-run setup.' },
        { name: 'users', description: 'Users of the platform, IDP and LOCAL.' },
        { name: 'groups', description: 'Groups and their members.' },
        { name: 'connections', description: 'SCIM connections (one per identity provider).' },
        { name: 'activity', description: 'The provisioning log and the change feed.' },
        { name: 'api-keys', description: 'Keys for scripts (administrators only).' },
      ],
    },
  });
  await app.register(apiPlugin, { ...options, prefix: API_PREFIX });
  // The page and its assets carry a Content-Security-Policy, like the console's pages: the
  // plugin's, without upgrade-insecure-requests (it would send the page's own requests to https
  // on a server reached over http) and with inline styles, which the UI sets (as the console's).
  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    staticCSP: true,
    transformStaticCSP: (header) =>
      header
        .split(';')
        .map((directive) => directive.trim())
        .filter((directive) => directive !== '' && directive !== 'upgrade-insecure-requests')
        .map((directive) =>
          directive.startsWith('style-src ') ? `${directive} 'unsafe-inline'` : directive,
        )
        .join('; '),
  });
}

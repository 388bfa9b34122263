/**
 * Client dialects over HTTP: the connection's `dialect` setting picks the profile, `auto`
 * detects it per request, and the provisioning log says which profile and normalisations a
 * request went through.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateConnectionSettings } from '../src/provisioning/connection.service.ts';
import { listProvisioningLog } from '../src/provisioning/provisioning-log.ts';
import type { LoggedRequest } from '../src/provisioning/provisioning-log.ts';
import { DIALECTS } from './support/databases.ts';
import { json, oktaUser, patch, startTestApp } from './support/app.ts';
import type { TestApp } from './support/app.ts';
import { expectScimError } from './support/scim-errors.ts';

const userName = () => `${randomUUID().slice(0, 12)}.dialect@example.com`;
const ENTRA_DISABLE = patch({ op: 'Replace', path: 'active', value: 'False' });

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(dialect);
    });
    afterAll(() => t.close());

    async function lastEntry(): Promise<LoggedRequest> {
      await t.app.provisioningLog.flush();
      const [entry] = await listProvisioningLog(t.database.db, { limit: 1 });
      return entry!;
    }

    async function createUser(): Promise<string> {
      const response = await t.scim('POST', 'Users', oktaUser(userName()));
      expect(response.statusCode, response.body).toBe(201);
      return json(response).id as string;
    }

    it('auto: detects Okta by its User-Agent and Entra ID by aadOptscim062020, generic otherwise', async () => {
      await t.scim('GET', 'Users?startIndex=1&count=2', undefined, {
        'user-agent': 'Okta SCIM Client 1.0.0',
      });
      expect((await lastEntry()).dialect).toBe('okta');
      const lookup = await t.scim(
        'GET',
        `Users?aadOptscim062020&filter=userName+eq+%22${randomUUID()}%22`,
      );
      expect(lookup.statusCode).toBe(200);
      expect(lookup.json()).toMatchObject({ totalResults: 0, Resources: [] });
      expect((await lastEntry()).dialect).toBe('entra');
      await t.scim('GET', 'Users?count=1');
      expect((await lastEntry()).dialect).toBe('generic');
    });

    it("records the normalisations that turned Entra ID's legacy PATCH into RFC 7644", async () => {
      const id = await createUser();
      const response = await t.scim('PATCH', `Users/${id}`, ENTRA_DISABLE);
      expect(response.statusCode, response.body).toBe(200);
      expect(json(response).active).toBe(false);
      const entry = await lastEntry();
      expect(entry.normalizations).toEqual(['op-case', 'boolean-strings']);
      const unquoted = await t.scim('GET', 'Users?filter=externalId+eq+jyoung');
      expect(unquoted.statusCode, unquoted.body).toBe(200);
      expect((await lastEntry()).normalizations).toEqual(['unquoted-filter-values']);
    });

    it('a connection pinned to strict refuses vendor shapes with 400, and accepts RFC 7644', async () => {
      await updateConnectionSettings(t.database.db, t.connectionId, { dialect: 'strict' }, 'test');
      try {
        const id = await createUser();
        expectScimError(await t.scim('PATCH', `Users/${id}`, ENTRA_DISABLE), 400);
        const rfc = await t.scim(
          'PATCH',
          `Users/${id}`,
          patch({ op: 'replace', path: 'active', value: false }),
        );
        expect(rfc.statusCode, rfc.body).toBe(200);
        expect((await lastEntry()).dialect).toBe('strict');
        // Strict never reads `remove members` with a value list as "remove everyone".
        const group = await t.scim('POST', 'Groups', {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
          displayName: `Strict ${randomUUID()}`,
          members: [{ value: id }],
        });
        const groupId = json(group).id as string;
        const legacy = await t.scim(
          'PATCH',
          `Groups/${groupId}`,
          patch({ op: 'remove', path: 'members', value: [{ value: id }] }),
        );
        expectScimError(legacy, 400);
        const members = (await t.scim('GET', `Groups/${groupId}`)).json().members as unknown[];
        expect(members).toHaveLength(1);
      } finally {
        await updateConnectionSettings(t.database.db, t.connectionId, { dialect: 'auto' }, 'test');
      }
    });

    it('a connection pinned to entra applies its profile whatever the User-Agent', async () => {
      await updateConnectionSettings(t.database.db, t.connectionId, { dialect: 'entra' }, 'test');
      try {
        const id = await createUser();
        const response = await t.scim('PATCH', `Users/${id}`, ENTRA_DISABLE, {
          'user-agent': 'Okta SCIM Client 1.0.0',
        });
        expect(response.statusCode, response.body).toBe(200);
        expect((await lastEntry()).dialect).toBe('entra');
      } finally {
        await updateConnectionSettings(t.database.db, t.connectionId, { dialect: 'auto' }, 'test');
      }
    });
  });
}

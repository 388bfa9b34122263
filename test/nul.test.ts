/**
 * U+0000 (NUL) in any value: PostgreSQL's text and jsonb cannot hold it, so it was a 500 there
 * (and stored as sent on SQLite). Refused as bad input on both databases, wherever it arrives: a
 * SCIM attribute, a filter (in the URL or a .search body), an id in the path, the admin API's
 * bodies and query strings (src/lib/nul.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectApiError, startAdminApp } from './support/admin.ts';
import type { AdminTestApp } from './support/admin.ts';
import { GROUP_SCHEMA, json, oktaUser, patch } from './support/app.ts';
import { DIALECTS } from './support/databases.ts';
import { expectScimError } from './support/scim-errors.ts';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

for (const dialect of DIALECTS) {
  describe(`U+0000 in values (${dialect})`, () => {
    let t: AdminTestApp;
    let userId = '';
    let groupId = '';
    beforeAll(async () => {
      t = await startAdminApp(dialect);
      const user = await t.scim('POST', 'Users', oktaUser('nul.user@example.com'));
      userId = json(user).id as string;
      const group = await t.scim('POST', 'Groups', {
        schemas: [GROUP_SCHEMA],
        displayName: 'Nul Group',
        members: [{ value: userId }],
      });
      groupId = json(group).id as string;
    });
    afterAll(() => t.close());

    it('refuses it in any SCIM attribute, naming the attribute', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ displayName: 'a\u0000b' }, 'displayName'],
        [{ name: { givenName: 'Bob\u0000' } }, 'name.givenName'],
        [{ emails: [{ value: 'x\u0000@example.com', primary: true }] }, 'emails.value'],
        [{ schemas: [ENTERPRISE], [ENTERPRISE]: { department: 'R\u0000D' } }, 'department'],
      ];
      for (const [extra, attribute] of cases) {
        const created = await t.scim('POST', 'Users', {
          ...oktaUser(`nul.${attribute}@example.com`),
          ...extra,
          schemas: [
            'urn:ietf:params:scim:schemas:core:2.0:User',
            ...((extra.schemas as string[]) ?? []),
          ],
        });
        const body = expectScimError(created, 400, 'invalidValue');
        expect(body.detail, attribute).toContain(attribute);
        expect(body.detail).toContain('U+0000');
      }
      const patched = await t.scim(
        'PATCH',
        `Users/${userId}`,
        patch({ op: 'replace', value: { displayName: 'Bob\u0000' } }),
      );
      expectScimError(patched, 400, 'invalidValue');
      // The text \u0000 (a backslash and five characters) is no NUL: kept as sent.
      const text = await t.scim(
        'PATCH',
        `Users/${userId}`,
        patch({ op: 'replace', value: { displayName: 'Bob \\u0000' } }),
      );
      expect(text.statusCode, text.body).toBe(200);
      expect(json(await t.scim('GET', `Users/${userId}`)).displayName).toBe('Bob \\u0000');
    });

    it('refuses it in filters, paths and ids', async () => {
      const inUrl = await t.scim(
        'GET',
        `Users?filter=${encodeURIComponent('userName eq "a\u0000b"')}`,
      );
      expect(expectScimError(inUrl, 400, 'invalidValue').detail).toContain('U+0000');
      const escaped = await t.scim(
        'GET',
        `Users?filter=${encodeURIComponent('userName eq "a\\u0000b"')}`,
      );
      expectScimError(escaped, 400, 'invalidFilter');
      for (const filter of ['userName eq "a\u0000b"', 'emails[value co "\u0000"]']) {
        const searched = await t.scim('POST', 'Users/.search', {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
          filter,
        });
        expectScimError(searched, 400, 'invalidFilter');
      }
      // No member has such an id: a removal removes nothing, an add names it unknown.
      const removed = await t.scim(
        'PATCH',
        `Groups/${groupId}`,
        patch({ op: 'remove', path: 'members[value eq "x\u0000"]' }),
      );
      expect(removed.statusCode, removed.body).toBe(204);
      const removedByValue = await t.scim(
        'PATCH',
        `Groups/${groupId}`,
        patch({ op: 'remove', path: 'members', value: [{ value: 'x\u0000' }] }),
      );
      expect(removedByValue.statusCode, removedByValue.body).toBe(204);
      const added = await t.scim(
        'PATCH',
        `Groups/${groupId}`,
        patch({ op: 'add', path: 'members', value: [{ value: 'x\u0000' }] }),
      );
      expect(added.statusCode, added.body).toBe(400);
      // An attribute the schema does not know is no way around it.
      const unknown = await t.scim('POST', 'Users', {
        ...oktaUser('nul.unknown@example.com'),
        nickName2: 'a\u0000',
      });
      expect(unknown.statusCode, unknown.body).toBeLessThan(500);
      expectScimError(await t.scim('GET', 'Users/abc%00'), 400, 'invalidValue');
      // Nothing was changed by any of them.
      const group = json(await t.scim('GET', `Groups/${groupId}`));
      expect((group.members as { value: string }[]).map((m) => m.value)).toEqual([userId]);
    });

    it('refuses it in the admin API: bodies and query strings', async () => {
      const refused = expectApiError(
        await t.api('POST', '/users', { userName: 'nul.api@example.com', displayName: 'x\u0000' }),
        400,
        'invalid_request',
      );
      expect(refused.details).toEqual({
        fields: { displayName: 'U+0000 (NUL) is not allowed in any value.' },
      });
      expectApiError(await t.api('POST', '/api-keys', { name: 'k\u0000' }), 400, 'invalid_request');
      expectApiError(await t.api('GET', '/users?search=a%00b'), 400, 'invalid_request');
      expectApiError(await t.api('GET', '/users/abc%00'), 400, 'invalid_request');
      // A DELETE with a JSON Content-Type and no body is no malformed body (as on SCIM).
      const key = await t.api('POST', '/api-keys', { name: 'gone soon', role: 'viewer' });
      const keyId = (key.json() as { id: string }).id;
      const deleted = await t.api('DELETE', `/api-keys/${keyId}`, undefined, {
        headers: { 'content-type': 'application/json' },
      });
      expect(deleted.statusCode, deleted.body).toBeLessThan(300);
      // A backslash before the escape makes it text, not a NUL.
      const text = await t.api('POST', '/users', {
        userName: 'nul.text@example.com',
        displayName: 'x\\u0000',
      });
      expect(text.statusCode, text.body).toBe(201);
    });
  });
}

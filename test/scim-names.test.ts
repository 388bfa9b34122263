/**
 * The names that identify a resource, a User's `userName` and a Group's `displayName`: no
 * control characters (U+0000 to U+001F, U+007F) and not white space only, however they arrive
 * (SCIM POST, PUT, PATCH with a path or without, the admin API); spaces around them are kept, as
 * identity providers send them. One rule in the SCIM layer (src/scim/resource.ts), driven by the
 * schema's `uniqueness`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectApiError, startAdminApp } from './support/admin.ts';
import type { AdminTestApp } from './support/admin.ts';
import { GROUP_SCHEMA, json, oktaUser, patch, USER_SCHEMA } from './support/app.ts';
import { DIALECTS } from './support/databases.ts';
import { expectScimError } from './support/scim-errors.ts';

const CONTROLS = [
  '\u0000',
  'a\u0000b',
  'a\nb',
  'ab\n',
  '\tab',
  'a\rb',
  'x\u001f',
  'a\u007fb',
  'a\u0085b',
  'x\u009f',
  'a\u2028b',
  'a\u2029',
];
const BLANKS = ['', ' ', '   ', '\t', '\n \n', '\u3000'];

/** Asserts a SCIM 400 invalidValue whose detail names the attribute. */
function expectRefused(
  response: Parameters<typeof expectScimError>[0],
  attribute: string,
  label: string,
) {
  const body = expectScimError(response, 400, 'invalidValue');
  expect(body.detail, label).toContain(`"${attribute}"`);
}

for (const dialect of DIALECTS) {
  describe(`names: userName and a group's displayName (${dialect})`, () => {
    let t: AdminTestApp;
    let userId = '';
    let groupId = '';

    beforeAll(async () => {
      t = await startAdminApp(dialect);
      const user = await t.scim('POST', 'Users', oktaUser('named.user@example.com'));
      expect(user.statusCode, user.body).toBe(201);
      userId = json(user).id as string;
      const group = await t.scim('POST', 'Groups', {
        schemas: [GROUP_SCHEMA],
        displayName: 'Named Group',
      });
      expect(group.statusCode, group.body).toBe(201);
      groupId = json(group).id as string;
    });
    afterAll(() => t.close());

    it('refuses a userName with a control character or of white space only: POST, PUT, PATCH', async () => {
      for (const userName of [...CONTROLS, ...BLANKS]) {
        const label = JSON.stringify(userName);
        expectRefused(await t.scim('POST', 'Users', oktaUser(userName)), 'userName', label);
        expectRefused(
          await t.scim('PUT', `Users/${userId}`, { schemas: [USER_SCHEMA], userName }),
          'userName',
          label,
        );
        expectRefused(
          await t.scim(
            'PATCH',
            `Users/${userId}`,
            patch({ op: 'replace', path: 'userName', value: userName }),
          ),
          'userName',
          label,
        );
        // Path-less, as Okta and Entra ID send a replace.
        expectRefused(
          await t.scim('PATCH', `Users/${userId}`, patch({ op: 'Replace', value: { userName } })),
          'userName',
          label,
        );
      }
      const read = await t.scim('GET', `Users/${userId}`);
      expect(json(read).userName).toBe('named.user@example.com');
      const listed = await t.scim('GET', 'Users?count=1000');
      const names = (json(listed).Resources as { userName: string }[]).map((u) => u.userName);
      expect(names.sort()).toEqual(['admin@example.com', 'named.user@example.com']);
    });

    it("refuses a group's displayName with a control character or of white space only", async () => {
      for (const displayName of [...CONTROLS, ...BLANKS]) {
        const label = JSON.stringify(displayName);
        expectRefused(
          await t.scim('POST', 'Groups', { schemas: [GROUP_SCHEMA], displayName }),
          'displayName',
          label,
        );
        expectRefused(
          await t.scim('PUT', `Groups/${groupId}`, { schemas: [GROUP_SCHEMA], displayName }),
          'displayName',
          label,
        );
        expectRefused(
          await t.scim(
            'PATCH',
            `Groups/${groupId}`,
            patch({ op: 'replace', path: 'displayName', value: displayName }),
          ),
          'displayName',
          label,
        );
        expectRefused(
          await t.scim(
            'PATCH',
            `Groups/${groupId}`,
            patch({ op: 'replace', value: { id: groupId, displayName } }),
          ),
          'displayName',
          label,
        );
      }
      expect(json(await t.scim('GET', `Groups/${groupId}`)).displayName).toBe('Named Group');
    });

    it('keeps ordinary spaces and other characters as sent', async () => {
      for (const userName of [' spaced.user@example.com ', 'Zoë Ünïcode', 'a\u00a0b', 'tab-free']) {
        const created = await t.scim('POST', 'Users', oktaUser(userName));
        expect(created.statusCode, created.body).toBe(201);
        expect(json(created).userName).toBe(userName);
      }
      const renamed = await t.scim(
        'PATCH',
        `Groups/${groupId}`,
        patch({ op: 'replace', path: 'displayName', value: '  Named Group  ' }),
      );
      expect(renamed.statusCode, renamed.body).toBe(200);
      expect(json(renamed).displayName).toBe('  Named Group  ');
      // Other attributes may hold a line break: an address formatted for display, for one.
      const address = await t.scim(
        'PATCH',
        `Users/${userId}`,
        patch({
          op: 'add',
          path: 'addresses',
          value: [{ type: 'work', formatted: '1 Main St\nSpringfield' }],
        }),
      );
      expect(address.statusCode, address.body).toBe(200);
    });

    it('refuses them in the admin API’s creates and renames too', async () => {
      for (const name of ['a\u0000b', 'a\nb', 'x\u001fy', 'a\u007fb', 'a\u2028b']) {
        const label = JSON.stringify(name);
        const user = expectApiError(
          await t.api('POST', '/users', { userName: name }),
          400,
          'invalid_request',
        );
        expect(user.message, label).toContain('"userName"');
        // Named as the form's field, for the console to show beside it.
        expect(Object.keys((user.details?.fields as object | undefined) ?? {}), label).toEqual([
          'userName',
        ]);
        const group = expectApiError(
          await t.api('POST', '/groups', { displayName: name }),
          400,
          'invalid_request',
        );
        expect(group.message, label).toContain('"displayName"');
      }
      const local = await t.api('POST', '/groups', { displayName: 'Local Group' });
      expect(local.statusCode, local.body).toBe(201);
      const { id } = local.json() as { id: string };
      expectApiError(
        await t.api('PATCH', `/groups/${id}`, { displayName: 'Local\u0000Group' }),
        400,
        'invalid_request',
      );
      expectApiError(await t.api('POST', '/groups', { displayName: '  ' }), 400, 'invalid_request');
    });
  });
}

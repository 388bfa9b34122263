/**
 * The console in a real browser against the real server, on every test database: first-run
 * setup, sign-in, a SCIM connection made in the console, Okta provisioning users and a group,
 * what the admin sees of them (IDP badges, the group's IDP mappings, a user's groups), a LOCAL
 * member added in the console, a deprovisioned user leaving the list, a failed request found in
 * Activity, and a viewer who sees no write buttons. axe-core checks every page; the first
 * database's run saves the screenshots in docs/screenshots.
 */
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSetupToken } from '../../src/admin/setup.service.ts';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Dialect } from '../../src/db/database.ts';
import { GROUP_SCHEMA, oktaUser, patch } from '../support/app.ts';
import { DIALECTS, openTestDatabase } from '../support/databases.ts';
import type { TestDatabase } from '../support/databases.ts';
import {
  axeFindings,
  axeViolations,
  chromiumAvailable,
  ensureConsoleBuilt,
  freePort,
  launchChromium,
  loadAxe,
  screenshot,
} from './browser.ts';

const RUN = chromiumAvailable();
const STEP = 60_000;

const ADMIN = {
  userName: 'ada.admin@example.com',
  displayName: 'Ada Admin',
  password: 'correct-horse-battery',
};
const VIEWER = { userName: 'ivan.petrov@example.com', password: 'viewer-password-42' };
/** Okta assigns these people to the app; the first three are pushed in platform-analysts. */
const PEOPLE = [
  'alice.smith',
  'bob.jones',
  'carol.white',
  'dave.brown',
  'erin.green',
  'grace.hopper',
  'henry.ford',
].map((name) => `${name}@example.com`);
const OKTA_AGENT = 'Okta SCIM Client 1.0.0';

/** Okta's user body, with the names capitalised as people have them. */
function person(userName: string) {
  const [given = '', family = ''] = userName
    .split('@')[0]!
    .split('.')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1));
  return oktaUser(userName, {
    name: { givenName: given, familyName: family },
    displayName: `${given} ${family}`,
  });
}

interface Server {
  readonly app: FastifyInstance;
  readonly database: TestDatabase;
  readonly base: string;
}

async function startServer(dialect: Dialect): Promise<Server> {
  const database = await openTestDatabase(dialect);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    GATEHOUSE_PUBLIC_URL: base,
    LOG_LEVEL: 'silent',
    GATEHOUSE_SCIM_RATE_LIMIT: '100000',
  });
  const app = await buildApp({ config, database });
  await app.listen({ port, host: '127.0.0.1' });
  return { app, database, base };
}

/** Waits until the locator's element shows the text (the console updates without reloads). */
async function expectText(locator: Locator, text: string | RegExp): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor();
}

/** Waits until nothing matches (lists keep their rows while the next answer comes). */
async function expectGone(locator: Locator): Promise<void> {
  await locator.first().waitFor({ state: 'detached' });
}

async function expectAccessible(page: Page, name: string): Promise<void> {
  const serious = await axeViolations(page, name);
  expect(
    serious,
    `axe found serious or critical violations on ${name}:\n${JSON.stringify(serious, null, 2)}`,
  ).toEqual([]);
}

async function heading(page: Page, name: string | RegExp): Promise<void> {
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

/** Waits for the skeleton rows to give way to data. */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const g = globalThis as unknown as { document: { querySelector(s: string): unknown } };
    return !g.document.querySelector('.mantine-Skeleton-root');
  });
}

for (const dialect of RUN ? DIALECTS : []) {
  describe(`the console in Chromium (${dialect})`, () => {
    const screenshots = dialect === DIALECTS[0];
    let server: Server;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let scimToken = '';
    const errors: string[] = [];
    const ids = new Map<string, string>();
    let groupId = '';

    const shot = async (name: string) => {
      if (screenshots) await screenshot(page, name);
    };

    /** A SCIM request as Okta sends it. */
    const scim = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${server.base}/scim/v2${path}`, {
        method,
        headers: {
          authorization: `Bearer ${scimToken}`,
          'user-agent': OKTA_AGENT,
          ...(body === undefined ? {} : { 'content-type': 'application/scim+json; charset=utf-8' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return {
        status: response.status,
        body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> | undefined,
      };
    };

    const nav = async (name: string) => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click();
    };

    beforeAll(async () => {
      await ensureConsoleBuilt();
      server = await startServer(dialect);
      browser = await launchChromium();
      context = await browser.newContext({
        viewport: { width: 1440, height: 900 },
        locale: 'en-US',
        timezoneId: 'UTC',
        reducedMotion: 'reduce',
      });
      await loadAxe(context);
      page = await context.newPage();
      page.setDefaultTimeout(15_000);
      page.on('pageerror', (error) => errors.push(error.message));
    }, STEP);

    afterAll(async () => {
      await browser?.close();
      await server?.app.close();
      await server?.database.drop();
      if (screenshots && axeFindings.length > 0) {
        const summary = axeFindings.map((f) => `${f.page}: ${f.impact} ${f.id} (${f.help})`);
        console.info(`axe findings below "serious":\n${[...new Set(summary)].join('\n')}`);
      }
    }, STEP);

    it(
      'creates the first administrator through the setup link',
      async () => {
        await page.goto(`${server.base}/signin`);
        await heading(page, 'Sign in');
        await page.getByText('No administrator yet').waitFor();

        // The link `npm start` prints while no administrator exists.
        const { token } = await createSetupToken(server.database.db);
        await page.goto(`${server.base}/setup#token=${token}`);
        await heading(page, 'Create the first administrator');
        await expectAccessible(page, 'setup');
        await page.getByLabel('Username').fill(ADMIN.userName);
        await page.getByLabel('Display name').fill(ADMIN.displayName);
        await page.getByLabel(/^Password/).fill(ADMIN.password);
        await page.getByLabel('Confirm password').fill(ADMIN.password);
        await shot('setup');
        await page.getByRole('button', { name: 'Create administrator and sign in' }).click();

        await heading(page, 'Users');
        expect(new URL(page.url()).pathname).toBe('/users');
        expect(new URL(page.url()).hash).toBe('');
        await expectText(page.getByTestId('signed-in-user'), ADMIN.displayName);
      },
      STEP,
    );

    it(
      'signs out and in again',
      async () => {
        await page.getByRole('button', { name: /^Account menu of / }).click();
        await page.getByRole('menuitem', { name: 'Sign out' }).click();
        await heading(page, 'Sign in');
        await expect(page.getByText('No administrator yet').count()).resolves.toBe(0);

        await page.getByLabel('Username').fill(ADMIN.userName);
        await page.getByLabel(/^Password/).fill('not the password');
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('alert').filter({ hasText: 'Could not sign in' }).waitFor();
        await expectAccessible(page, 'sign-in');

        await page.getByLabel(/^Password/).fill(ADMIN.password);
        await shot('signin');
        await page.getByRole('button', { name: 'Sign in' }).click();
        await heading(page, 'Users');
        await page
          .getByText('No users match')
          .or(page.getByRole('link', { name: ADMIN.userName }))
          .first()
          .waitFor();
      },
      STEP,
    );

    it(
      'creates a SCIM connection and shows its token once',
      async () => {
        await nav('Provisioning');
        await heading(page, 'Provisioning');
        await page.getByText('No SCIM connection yet').waitFor();
        await expectText(page.locator('code'), `${server.base}/scim/v2`);

        await page.getByRole('button', { name: 'New connection' }).first().click();
        const dialog = page.getByRole('dialog');
        await dialog.getByLabel('Name').fill('okta');
        await dialog.getByRole('button', { name: 'Create connection' }).click();
        await dialog.getByText('Copy it now: it will not be shown again').waitFor();
        scimToken = await dialog.getByTestId('secret-value').inputValue();
        expect(scimToken).toMatch(/^gh_scim_/);
        await expectAccessible(page, 'provisioning (token modal)');
        await shot('provisioning-token');
        // Shown this once: Escape does not close it (nor is there a close button).
        await page.keyboard.press('Escape');
        await page.waitForTimeout(300);
        await dialog.getByTestId('secret-value').waitFor();
        await expect(dialog.getByRole('button', { name: 'Close' }).count()).resolves.toBe(0);
        await dialog.getByRole('button', { name: 'I have copied the token' }).click();
        await dialog.waitFor({ state: 'hidden' });

        // The connection test Okta sends when its admin saves the settings.
        const test = await scim('GET', '/Users?startIndex=1&count=2');
        expect(test.status).toBe(200);
        const card = page.getByRole('region', { name: 'okta', exact: true });
        await expectText(card, 'Connected');
        await expectText(card, 'Active');
      },
      STEP,
    );

    it(
      'receives users and a group pushed by Okta',
      async () => {
        for (const userName of PEOPLE) {
          // Okta looks the user up, then creates it.
          const lookup = await scim(
            'GET',
            `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}&startIndex=1&count=100`,
          );
          expect(lookup.body?.totalResults).toBe(0);
          const created = await scim('POST', '/Users', person(userName));
          expect(created.status).toBe(201);
          ids.set(userName, String(created.body?.id));
        }
        const pushed = await scim('POST', '/Groups', {
          schemas: [GROUP_SCHEMA],
          displayName: 'platform-analysts',
          members: [],
        });
        expect(pushed.status).toBe(201);
        groupId = String(pushed.body?.id);
        const members = await scim(
          'PATCH',
          `/Groups/${groupId}`,
          patch({
            op: 'add',
            path: 'members',
            value: PEOPLE.slice(0, 3).map((userName) => ({
              value: ids.get(userName),
              display: userName,
            })),
          }),
        );
        expect(members.status).toBe(204);
        const second = await scim('POST', '/Groups', {
          schemas: [GROUP_SCHEMA],
          displayName: 'data-engineers',
          members: [],
        });
        expect(second.status).toBe(201);
        await scim(
          'PATCH',
          `/Groups/${String(second.body?.id)}`,
          patch({
            op: 'add',
            path: 'members',
            value: PEOPLE.slice(3, 6).map((u) => ({ value: ids.get(u) })),
          }),
        );
      },
      STEP,
    );

    it(
      'lists them in Users with IDP badges, and creates a LOCAL user',
      async () => {
        await nav('Users');
        await heading(page, 'Users');
        const alice = page.getByRole('row', { name: /alice\.smith@example\.com/ });
        await expectText(alice, 'IDP · okta');
        await expectText(alice, 'Active');
        await expectText(page.getByRole('row', { name: new RegExp(ADMIN.userName) }), 'LOCAL');

        // A LOCAL user made in the console, with a password: the viewer of the last test.
        await page.getByRole('button', { name: 'New user' }).click();
        const dialog = page.getByRole('dialog');
        await dialog.getByLabel('Username').fill(VIEWER.userName);
        await dialog.getByLabel('Given name').fill('Ivan');
        await dialog.getByLabel('Family name').fill('Petrov');
        await dialog.getByLabel('Display name').fill('Ivan Petrov');
        await dialog.getByLabel('Email').fill(VIEWER.userName);
        await dialog.getByLabel(/^Password/).fill(VIEWER.password);
        await dialog.getByRole('button', { name: 'Create user' }).click();
        await heading(page, 'Ivan Petrov');
        ids.set(VIEWER.userName, new URL(page.url()).pathname.split('/').pop()!);

        await nav('Users');
        await heading(page, 'Users');
        await expectText(page.getByRole('row', { name: new RegExp(VIEWER.userName) }), 'LOCAL');
        await settled(page);
        await expectAccessible(page, 'users');
        await shot('users');

        // Search and filters live in the URL.
        await page.getByLabel('Search users').fill('carol');
        await expect.poll(() => page.url(), { timeout: 10_000 }).toContain('q=carol');
        await expectText(page.getByRole('table', { name: 'Users' }), 'carol.white@example.com');
        await expectGone(page.getByRole('row', { name: /alice\.smith/ }));
        await page.goto(`${server.base}/users?origin=LOCAL`);
        await page.getByRole('row', { name: new RegExp(VIEWER.userName) }).waitFor();
        await expectGone(page.getByRole('row', { name: /alice\.smith/ }));

        // Sorting is the server's: the last userName comes first in descending order.
        await page.goto(`${server.base}/users`);
        await page.getByRole('row', { name: /alice\.smith/ }).waitFor();
        await page.getByRole('button', { name: 'Username' }).click();
        await expect.poll(() => page.url(), { timeout: 10_000 }).toContain('order=desc');
        const firstRow = page.getByRole('table', { name: 'Users' }).locator('tbody tr').first();
        await expectText(firstRow, VIEWER.userName);
        expect(
          await page.getByRole('columnheader', { name: 'Username' }).getAttribute('aria-sort'),
        ).toBe('descending');
        // Each order or filter is a step of the history: Back returns to the one before.
        await page.getByRole('button', { name: 'Username' }).click();
        await expect.poll(() => page.url(), { timeout: 10_000 }).toContain('order=asc');
        await page.goBack();
        await expect.poll(() => page.url(), { timeout: 10_000 }).toContain('order=desc');
        await expectText(firstRow, VIEWER.userName);
      },
      STEP,
    );

    it(
      'shows the pushed group and its IDP mappings, and adds a LOCAL member',
      async () => {
        // A LOCAL group made in the console: its name is Gatehouse's to change.
        await nav('Groups');
        await heading(page, 'Groups');
        await page.getByRole('button', { name: 'New group' }).click();
        await page.getByRole('dialog').getByLabel('Group name').fill('finance-readers');
        await page.getByRole('dialog').getByRole('button', { name: 'Create group' }).click();
        await heading(page, 'finance-readers');
        await page.getByRole('button', { name: 'Rename' }).waitFor();
        await page.getByRole('button', { name: 'Delete' }).waitFor();

        await nav('Groups');
        await heading(page, 'Groups');
        await expectText(page.getByRole('row', { name: /finance-readers/ }), 'LOCAL');
        const row = page.getByRole('row', { name: /platform-analysts/ });
        await expectText(row, 'IDP · okta');
        await expectText(row, '3');
        await settled(page);
        await expectAccessible(page, 'groups');
        await shot('groups');

        await row.getByRole('link', { name: 'platform-analysts' }).click();
        await heading(page, 'platform-analysts');
        await page.getByText('Managed by okta — change it in the identity provider').waitFor();
        // The identity provider owns its name and life: no rename or delete here.
        await expect(page.getByRole('button', { name: 'Rename' }).count()).resolves.toBe(0);
        await expect(page.getByRole('button', { name: 'Delete' }).count()).resolves.toBe(0);
        const members = page.getByRole('table', { name: 'Members' });
        for (const userName of PEOPLE.slice(0, 3)) {
          await expectText(members.getByRole('row', { name: new RegExp(userName) }), 'IDP · okta');
        }
        // IDP mappings cannot be removed here: the identity provider owns them.
        await expect(members.getByRole('button', { name: /^Remove / }).count()).resolves.toBe(0);

        await page.getByRole('button', { name: 'Add member' }).first().click();
        const dialog = page.getByRole('dialog');
        await dialog.getByLabel('User', { exact: true }).fill('ivan');
        await page.getByRole('option', { name: /ivan\.petrov@example\.com/ }).click();
        await dialog.getByRole('button', { name: 'Add member' }).click();
        await dialog.waitFor({ state: 'hidden' });
        const ivan = members.getByRole('row', { name: new RegExp(VIEWER.userName) });
        await expectText(ivan, 'LOCAL');
        await ivan
          .getByRole('button', { name: `Remove ${VIEWER.userName} from platform-analysts` })
          .waitFor();

        // A LOCAL mapping beside okta's: both show, and only the LOCAL one can be removed here.
        await page.getByRole('button', { name: 'Add member' }).first().click();
        await dialog.getByLabel('User', { exact: true }).fill('alice');
        await page.getByRole('option', { name: /alice\.smith@example\.com/ }).click();
        await dialog.getByRole('button', { name: 'Add member' }).click();
        await dialog.waitFor({ state: 'hidden' });
        const alice = members.getByRole('row', { name: /alice\.smith@example\.com/ });
        await expectText(alice, 'IDP · okta');
        await expectText(alice, 'LOCAL');
        const unmap = alice.getByRole('button', {
          name: 'Remove LOCAL mapping of alice.smith@example.com in platform-analysts',
        });
        await unmap.waitFor();
        await settled(page);
        await expectAccessible(page, 'group detail');
        await shot('group-detail');

        await unmap.click();
        const confirm = page.getByRole('dialog', { name: 'Remove the LOCAL mapping?' });
        await confirm.getByText('held by the identity provider').waitFor();
        await confirm.getByRole('button', { name: 'Remove LOCAL mapping' }).click();
        await confirm.waitFor({ state: 'hidden' });
        await unmap.waitFor({ state: 'detached' });
        await expectText(alice, 'IDP · okta');
        await expect(alice.getByText('LOCAL', { exact: true }).count()).resolves.toBe(0);
      },
      STEP,
    );

    it(
      "shows a user's groups, origin and recent changes",
      async () => {
        await page
          .getByRole('table', { name: 'Members' })
          .getByRole('link', { name: 'alice.smith@example.com' })
          .click();
        await heading(page, 'Alice Smith');
        await page.getByText('Managed by okta — change it in the identity provider').waitFor();
        const groups = page.getByRole('table', { name: 'Groups of the user' });
        await expectText(groups.getByRole('row', { name: /platform-analysts/ }), 'IDP · okta');
        // The IdP owns the profile: no edit, password or delete here.
        await expect(page.getByRole('button', { name: 'Edit' }).count()).resolves.toBe(0);
        await expect(page.getByRole('button', { name: 'Delete' }).count()).resolves.toBe(0);
        await page.getByText('User created').first().waitFor();
        // The group push shows in the user's own history, and so do the LOCAL mapping added
        // and removed beside okta's on the group's page.
        await page.getByText('Added to a group').first().waitFor();
        await page.getByText('LOCAL mapping added to a group membership').waitFor();
        await page.getByText('LOCAL mapping removed; still in the group').waitFor();
        await settled(page);
        await expectAccessible(page, 'user detail');
        await shot('user-detail');
      },
      STEP,
    );

    it(
      'drops a user Okta deactivates from the Users list',
      async () => {
        const bob = ids.get('bob.jones@example.com')!;
        const deactivated = await scim(
          'PATCH',
          `/Users/${bob}`,
          patch({ op: 'replace', value: { active: false } }),
        );
        expect(deactivated.status).toBe(200);
        await page.goto(`${server.base}/users`);
        await heading(page, 'Users');
        await page.getByRole('row', { name: /alice\.smith/ }).waitFor();
        await expectGone(page.getByRole('row', { name: /bob\.jones/ }));
        await page.goto(`${server.base}/users/${bob}`);
        await heading(page, 'No such user');
        await expectAccessible(page, 'user not found');
      },
      STEP,
    );

    it(
      'highlights a failed SCIM request in Activity, with its body and error',
      async () => {
        // Okta retrying a create: the userName is taken.
        const retry = await scim('POST', '/Users', person('alice.smith@example.com'));
        expect(retry.status).toBe(409);

        await nav('Activity');
        await heading(page, 'Activity');
        const failed = page.locator('tr.gh-row-failed', { hasText: '409' }).first();
        await failed.waitFor();
        await expectText(failed, 'uniqueness');
        await failed.getByRole('button', { name: /Show details of POST/ }).click();
        const detail = page.getByText('Request body (secrets redacted)');
        await detail.waitFor();
        const body = page.locator('pre').filter({ hasText: 'alice.smith@example.com' }).first();
        await body.waitFor();
        expect(await body.textContent()).toContain('[redacted]');
        expect(await body.textContent()).not.toContain('Secret-123');

        // By keyboard: the switch is a real control.
        await page.getByLabel('Failed only').focus();
        await page.keyboard.press('Space');
        await expect.poll(() => page.url(), { timeout: 10_000 }).toContain('failed=1');
        // Only failed requests are left, and the switch says so.
        const log = page.getByRole('table', { name: 'Provisioning log' });
        await expectGone(log.locator('tbody tr:not(.gh-row-failed)'));
        await page.locator('tr.gh-row-failed').first().waitFor();
        expect(await page.getByLabel('Failed only').isChecked()).toBe(true);
        await page.keyboard.press('Space');
        await expect.poll(() => page.url(), { timeout: 10_000 }).not.toContain('failed');
        await settled(page);
        await expectAccessible(page, 'activity');
        await shot('activity');

        await page.getByRole('tab', { name: 'Change feed' }).click();
        await expect.poll(() => page.url(), { timeout: 10_000 }).toContain('tab=changes');
        await expectText(page.getByRole('table', { name: 'Change feed' }), 'user.deprovisioned');
        await settled(page);
        await expectAccessible(page, 'activity (change feed)');
        await shot('activity-changes');
      },
      STEP,
    );

    it(
      'manages API keys and the provisioning rules',
      async () => {
        await nav('API keys');
        await heading(page, 'API keys');
        await page.getByRole('button', { name: 'New API key' }).first().click();
        const dialog = page.getByRole('dialog');
        await dialog.getByLabel('Name').fill('warehouse-sync');
        await dialog.getByRole('button', { name: 'Create key' }).click();
        expect(await dialog.getByTestId('secret-value').inputValue()).toMatch(/^gh_api_/);
        await dialog.getByRole('button', { name: 'I have copied the key' }).click();
        await dialog.waitFor({ state: 'hidden' });
        await expectText(page.getByRole('row', { name: /warehouse-sync/ }), 'Viewer');
        await expectAccessible(page, 'api keys');
        await shot('api-keys');

        await nav('Provisioning');
        const card = page.getByRole('region', { name: 'okta', exact: true });
        await card.getByLabel('Restorable for (days)').fill('90');
        await card.getByRole('button', { name: 'Save rules' }).click();
        await card.getByText('Saved').waitFor();
        await expectText(card, 'Connected');
        await expectAccessible(page, 'provisioning');
        await shot('provisioning');
        // The guide at the top of the window, under the console's header.
        await page.evaluate(() => {
          const g = globalThis as unknown as {
            document: { getElementById(id: string): { scrollIntoView(): void } | null };
            scrollBy(x: number, y: number): void;
          };
          g.document.getElementById('setup-guide')?.scrollIntoView();
          g.scrollBy(0, -140);
        });
        await page.getByRole('tab', { name: 'Microsoft Entra ID' }).click();
        await expectText(
          page.getByRole('table', { name: 'Values for Entra ID' }),
          `${server.base}/scim/v2?aadOptscim062020`,
        );
        await page.getByRole('tab', { name: 'Okta' }).click();
        await expectText(page.getByRole('table', { name: 'Values for Okta' }), 'userName');
        await expectAccessible(page, 'provisioning (setup guide)');
        await shot('provisioning-guide');
        await page.getByRole('button', { name: 'Read the full Okta guide' }).click();
        await page
          .getByRole('dialog')
          .getByRole('heading', { name: 'Assign users or groups' })
          .waitFor();
        await expectAccessible(page, 'provisioning (Okta guide)');
        await page.keyboard.press('Escape');
        await page.getByRole('dialog').waitFor({ state: 'hidden' });
      },
      STEP,
    );

    it(
      'edits a LOCAL user, deletes a LOCAL group after asking, and shows a viewer no write buttons',
      async () => {
        await page.goto(`${server.base}/users/${ids.get(VIEWER.userName)}`);
        await heading(page, 'Ivan Petrov');
        await page.getByRole('combobox', { name: 'Console role' }).click();
        await page.getByRole('option', { name: 'Viewer (read only)' }).click();
        await page.getByRole('dialog').getByRole('button', { name: 'Change role' }).click();
        await page.getByRole('dialog').waitFor({ state: 'hidden' });
        await expectText(page.locator('main'), 'Viewer');

        // A LOCAL user's profile is Gatehouse's to edit.
        await page.getByRole('button', { name: 'Edit' }).click();
        await page.getByRole('dialog').getByLabel('Display name').fill('Ivan Petrov (Finance)');
        await page.getByRole('dialog').getByRole('button', { name: 'Save changes' }).click();
        await heading(page, 'Ivan Petrov (Finance)');

        // Deleting asks first.
        await page.goto(`${server.base}/groups?q=finance`);
        await page.getByRole('link', { name: 'finance-readers' }).click();
        await heading(page, 'finance-readers');
        await page.getByRole('button', { name: 'Delete' }).click();
        await page.getByRole('dialog').getByText('This cannot be undone').waitFor();
        await page.getByRole('dialog').getByRole('button', { name: 'Delete group' }).click();
        await heading(page, 'Groups');
        await expectGone(page.getByRole('row', { name: /finance-readers/ }));

        await page.getByRole('button', { name: /^Account menu of / }).click();
        await page.getByRole('menuitem', { name: 'Sign out' }).click();
        await heading(page, 'Sign in');
        await page.getByLabel('Username').fill(VIEWER.userName);
        await page.getByLabel(/^Password/).fill(VIEWER.password);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await heading(page, 'Users');
        await page.getByRole('row', { name: /alice\.smith/ }).waitFor();
        await expect(page.getByRole('button', { name: 'New user' }).count()).resolves.toBe(0);

        await page.goto(`${server.base}/groups/${groupId}`);
        await heading(page, 'platform-analysts');
        await page.getByRole('row', { name: /ivan\.petrov/ }).waitFor();
        await expect(page.getByRole('button', { name: 'Add member' }).count()).resolves.toBe(0);
        await expect(page.getByRole('button', { name: /^Remove / }).count()).resolves.toBe(0);
        await nav('Provisioning');
        await page.getByRole('region', { name: 'okta', exact: true }).waitFor();
        await expect(page.getByRole('button', { name: 'New connection' }).count()).resolves.toBe(0);
        await expect(page.getByRole('button', { name: 'Rotate token' }).count()).resolves.toBe(0);
        await expect(page.getByRole('link', { name: 'API keys' }).count()).resolves.toBe(0);

        expect(errors, 'errors thrown in the page').toEqual([]);
      },
      STEP,
    );
  });
}

if (!RUN) {
  describe('the console in Chromium', () => {
    it.skip('needs Chromium at /usr/bin/chromium', () => undefined);
  });
}

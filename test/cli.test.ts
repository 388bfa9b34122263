/**
 * The `gatehouse` command as an operator runs it: a real process, on the same data directory as
 * a server. (Storage itself is tested on both databases elsewhere; the CLI runs on SQLite here.)
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/database.ts';
import { oktaUser } from './support/app.ts';

const run = promisify(execFile);
const BIN = path.resolve('bin/gatehouse.js');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

let dataDir: string;

async function gatehouse(args: string[], env: Record<string, string> = {}): Promise<Result> {
  try {
    const { stdout, stderr } = await run('node', [BIN, ...args], {
      env: {
        ...process.env,
        GATEHOUSE_DATA_DIR: dataDir,
        DATABASE_URL: '',
        GATEHOUSE_PUBLIC_URL: 'https://idp.example.com',
        ...env,
      },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function json<T = Record<string, unknown>>(args: string[]): Promise<T> {
  const result = await gatehouse([...args, '--json']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-cli-'));
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('gatehouse CLI', () => {
  it('explains every command in --help', async () => {
    const top = await gatehouse(['--help']);
    expect(top.code).toBe(0);
    for (const command of [
      'serve',
      'connections',
      'users',
      'groups',
      'events',
      'provisioning-log',
      'roles',
    ])
      expect(top.stdout).toContain(command);
    const connections = await gatehouse(['connections', '--help']);
    for (const command of [
      'create',
      'list',
      'show',
      'update',
      'rotate-token',
      'revoke-token',
      'delete',
    ]) {
      expect(connections.stdout).toContain(command);
    }
    const groups = await gatehouse(['groups', '--help']);
    for (const command of ['list', 'show', 'create', 'add-member', 'remove-member', 'delete'])
      expect(groups.stdout).toContain(command);
  });

  it('creates a connection whose token works against the server, stored only as a hash', async () => {
    const created = await json<{ id: string; name: string; scimBaseUrl: string; token: string }>([
      'connections',
      'create',
      'okta',
    ]);
    expect(created.name).toBe('okta');
    expect(created.scimBaseUrl).toBe('https://idp.example.com/scim/v2');
    expect(created.token).toMatch(/^gh_scim_[A-Za-z0-9_-]{43}$/);

    const database = await openDatabase({ dataDir, databaseUrl: undefined });
    try {
      const app = await buildApp({
        config: loadConfig({ GATEHOUSE_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }),
        database,
      });
      const response = await app.inject({
        method: 'POST',
        url: '/scim/v2/Users',
        headers: {
          authorization: `Bearer ${created.token}`,
          'content-type': 'application/scim+json',
        },
        payload: oktaUser('idp.person@example.com'),
      });
      expect(response.statusCode).toBe(201);
      await app.close();
    } finally {
      await database.close();
    }
    const file = fs.readFileSync(path.join(dataDir, 'gatehouse.db'));
    expect(file.includes(Buffer.from(created.token))).toBe(false);

    const list = await json<{ id: string; tokens: { status: string }[] }[]>([
      'connections',
      'list',
    ]);
    expect(list.find((c) => c.id === created.id)?.tokens.map((t) => t.status)).toEqual(['active']);

    const duplicate = await gatehouse(['connections', 'create', 'OKTA']);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toMatch(/already exists/);
  });

  it('rotates with a grace period, revokes and deletes connections', async () => {
    const created = await json<{ id: string; token: string }>(['connections', 'create', 'entra']);
    const rotated = await json<{ token: string; previousTokensExpireAt: string }>([
      'connections',
      'rotate-token',
      created.id,
      '--grace',
      '2h',
    ]);
    expect(rotated.token).not.toBe(created.token);
    const hours = (Date.parse(rotated.previousTokensExpireAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(1.9);
    expect(hours).toBeLessThanOrEqual(2);
    const statuses = (
      await json<{ id: string; tokens: { status: string }[] }[]>(['connections', 'list'])
    ).find((c) => c.id === created.id);
    expect(statuses?.tokens.map((t) => t.status)).toEqual(['expiring', 'active']);
    const revoked = await json<{ revokedTokens: number }>(['connections', 'revoke-token', 'entra']);
    expect(revoked.revokedTokens).toBe(2);
    const bad = await gatehouse(['connections', 'rotate-token', created.id, '--grace', 'soon']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/duration/);
    // A grace of centuries is refused, and the revoked tokens stay ended.
    const long = await gatehouse([
      'connections',
      'rotate-token',
      created.id,
      '--grace',
      '100000000h',
    ]);
    expect(long.code).toBe(1);
    expect(long.stderr).toBe(
      'gatehouse: The grace period must be between 0 and 30 days; got 360000000000 seconds.\n',
    );
    const after = (
      await json<{ id: string; tokens: { status: string }[] }[]>(['connections', 'list'])
    ).find((c) => c.id === created.id);
    expect(after?.tokens.map((t) => t.status)).toEqual(['expired', 'expired']);
    expect((await json(['connections', 'delete', created.id])).deleted).toBe(created.id);
    const gone = await gatehouse(['connections', 'delete', created.id]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/No connection/);
  });

  it('manages LOCAL users and groups, with LOCAL memberships on IDP groups too', async () => {
    const user = await json<{
      id: string;
      userName: string;
      origin: string;
      active: boolean;
      email: string;
    }>([
      'users',
      'create',
      'local.admin@example.com',
      '--email',
      'local.admin@example.com',
      '--given-name',
      'Local',
      '--family-name',
      'Admin',
    ]);
    expect(user).toMatchObject({
      userName: 'local.admin@example.com',
      origin: 'LOCAL',
      active: true,
      email: 'local.admin@example.com',
    });

    const users = await json<{ userName: string; origin: string }[]>(['users', 'list']);
    expect(users.map((u) => [u.userName, u.origin])).toEqual([
      ['idp.person@example.com', 'IDP'],
      ['local.admin@example.com', 'LOCAL'],
    ]);
    const shown = await json<{ id: string }>(['users', 'show', 'LOCAL.ADMIN@example.com']);
    expect(shown.id).toBe(user.id);

    const group = await json<{ id: string; origin: string }>([
      'groups',
      'create',
      'Data Engineers',
    ]);
    expect(group.origin).toBe('LOCAL');
    const added = await json<{ member: boolean; origin: string }>([
      'groups',
      'add-member',
      'data engineers',
      user.id,
    ]);
    expect(added).toMatchObject({ member: true, origin: 'LOCAL' });
    await json(['groups', 'add-member', group.id, 'idp.person@example.com']);
    const detail = await json<{ members: { display: string; origin: string; type: string }[] }>([
      'groups',
      'show',
      group.id,
    ]);
    expect(detail.members.map((m) => [m.display, m.origin, m.type]).sort()).toEqual([
      ['idp.person@example.com', 'LOCAL', 'User'],
      ['local.admin@example.com', 'LOCAL', 'User'],
    ]);
    const userGroups = await json<{
      groups: { displayName: string; type: string; origin: string }[];
    }>(['users', 'show', user.id]);
    expect(userGroups.groups).toEqual([
      expect.objectContaining({ displayName: 'Data Engineers', type: 'direct', origin: 'LOCAL' }),
    ]);

    const removed = await json<{ member: boolean }>(['groups', 'remove-member', group.id, user.id]);
    expect(removed.member).toBe(false);
    expect((await json(['groups', 'delete', group.id])).deleted).toBe(group.id);
    expect((await json(['users', 'delete', user.id])).deleted).toBe(user.id);
    const missing = await gatehouse(['users', 'show', user.id]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No user/);

    const events = await json<{ type: string; actor: string }[]>(['events', '--limit', '1000']);
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'user.created',
        'group.member_added',
        'group.member_removed',
        'user.deleted',
      ]),
    );
    expect(events.find((e) => e.type === 'group.created')?.actor).toBe('local:cli');
  });

  it("keeps its hands off an identity provider's memberships and deprovisioned users", async () => {
    const token = (await json<{ token: string }>(['connections', 'create', 'onelogin'])).token;
    const database = await openDatabase({ dataDir, databaseUrl: undefined });
    let groupId: string;
    let memberId: string;
    let goneId: string;
    try {
      const app = await buildApp({
        config: loadConfig({ GATEHOUSE_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }),
        database,
      });
      const scim = async (method: 'POST' | 'PATCH', url: string, payload: unknown) => {
        const response = await app.inject({
          method,
          url: `/scim/v2/${url}`,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
          payload: payload as Record<string, unknown>,
        });
        expect(response.statusCode, response.body).toBeLessThan(300);
        return response.json() as { id: string };
      };
      memberId = (await scim('POST', 'Users', oktaUser('mapped.member@example.com'))).id;
      goneId = (await scim('POST', 'Users', oktaUser('gone.member@example.com'))).id;
      await scim('PATCH', `Users/${goneId}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'active', value: false }],
      });
      groupId = (
        await scim('POST', 'Groups', {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
          displayName: 'Okta Engineering',
          members: [{ value: memberId }],
        })
      ).id;
      await app.close();
    } finally {
      await database.close();
    }
    // The IdP's mapping is the IdP's to remove; a LOCAL one beside it is the operator's.
    const remove = await gatehouse(['groups', 'remove-member', groupId, memberId]);
    expect(remove.code).toBe(1);
    expect(remove.stderr).toMatch(
      /mapped by the connection "onelogin": remove it in the identity provider/,
    );
    expect(await json(['groups', 'add-member', groupId, memberId])).toEqual({
      group: groupId,
      user: memberId,
      member: true,
      origin: 'IDP',
      mappings: ['IDP', 'LOCAL'],
    });
    const again = await gatehouse(['groups', 'add-member', groupId, memberId]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already a member of "Okta Engineering" with a LOCAL mapping/);
    const shown = await gatehouse(['groups', 'show', groupId]);
    expect(shown.stdout).toMatch(/mapped\.member@example\.com\s+IDP, LOCAL/);
    const unmapped = await gatehouse(['groups', 'remove-member', groupId, memberId]);
    expect(unmapped.code, unmapped.stderr).toBe(0);
    expect(unmapped.stdout).toMatch(/the membership stays, mapped by the identity provider/);
    // A user the IdP deprovisioned is gone from the platform.
    const gone = await gatehouse(['groups', 'add-member', groupId, goneId]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/No user or group has the id/);
    // Removing someone who is not a member says so.
    const local = await json<{ id: string }>(['users', 'create', 'not.member@example.com']);
    const none = await gatehouse(['groups', 'remove-member', groupId, local.id]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/is not a member of "Okta Engineering"/);
    // A LOCAL membership on the IdP's group comes and goes.
    expect(await json(['groups', 'add-member', groupId, local.id])).toMatchObject({
      member: true,
      origin: 'LOCAL',
      mappings: ['LOCAL'],
    });
    expect(await json(['groups', 'remove-member', groupId, local.id])).toMatchObject({
      member: false,
      mappings: [],
    });
    const members = await json<{
      members: { display: string; origin: string; mappings: string[] }[];
    }>(['groups', 'show', groupId]);
    expect(members.members.map((m) => [m.display, m.origin, m.mappings])).toEqual([
      ['mapped.member@example.com', 'IDP', ['IDP']],
    ]);
  });

  it('prints an option refused inside a command as a message, not a stack trace', async () => {
    const since = await gatehouse(['provisioning-log', '--since', 'yesterday']);
    expect(since.code).toBe(1);
    expect(since.stderr).toBe('gatehouse: --since: "yesterday" is not an ISO 8601 time.\n');
    const nothing = await gatehouse(['connections', 'update', 'okta']);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toMatch(/^gatehouse: Nothing to change: give at least one of/);
    expect(nothing.stderr).not.toMatch(/ at .*:\d+:\d+/);
  });

  it('refuses a duplicate userName and a bad filter with a message, not a stack trace', async () => {
    await json(['users', 'create', 'twice@example.com']);
    const again = await gatehouse(['users', 'create', 'TWICE@example.com']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already taken/);
    const filter = await gatehouse(['users', 'list', '--filter', 'userName eq']);
    expect(filter.code).toBe(1);
    expect(filter.stderr).toMatch(/Expected a value/);
    expect(filter.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  it('refuses a userName or group displayName with a control character, with a message', async () => {
    const user = await gatehouse(['users', 'create', 'tab\there@example.com']);
    expect(user.code).toBe(1);
    expect(user.stderr).toBe(
      'gatehouse: Attribute "userName" must not contain a control character or a line separator (U+0009)\n',
    );
    const group = await gatehouse(['groups', 'create', 'Two\nLines']);
    expect(group.code).toBe(1);
    expect(group.stderr).toBe(
      'gatehouse: Attribute "displayName" must not contain a control character or a line separator (U+000A)\n',
    );
    const blank = await gatehouse(['groups', 'create', '   ']);
    expect(blank.code).toBe(1);
    expect(blank.stderr).toMatch(/"displayName" is required/);
  });

  it('shows and updates connection settings, prints the provisioning log, grants roles', async () => {
    const created = await json<{ id: string; token: string }>(['connections', 'create', 'ping']);
    const updated = await json<{ settings: Record<string, unknown> }>([
      'connections',
      'update',
      'ping',
      '--deprovision',
      'suspend',
      '--retention-days',
      '7',
      '--link-local-users',
      'no',
      '--rate-limit',
      '50',
      '--dialect',
      'ping',
    ]);
    expect(updated.settings).toEqual({
      dialect: 'ping',
      deprovisionPolicy: 'suspend',
      retentionDays: 7,
      linkLocalUsers: false,
      rateLimit: 50,
    });
    const reset = await json<{ settings: Record<string, unknown> }>([
      'connections',
      'update',
      created.id,
      '--rate-limit',
      'default',
    ]);
    expect(reset.settings.rateLimit).toBeNull();
    const shown = await json<{ settings: Record<string, unknown>; scimBaseUrl: string }>([
      'connections',
      'show',
      'PING',
    ]);
    expect(shown.settings.deprovisionPolicy).toBe('suspend');
    expect(shown.scimBaseUrl).toBe('https://idp.example.com/scim/v2');
    for (const bad of [
      ['--rate-limit', '10'],
      ['--dialect', 'netscape'],
      ['--link-local-users', 'maybe'],
    ]) {
      const result = await gatehouse(['connections', 'update', 'ping', ...bad]);
      expect(result.code, bad.join(' ')).not.toBe(0);
      expect(result.stderr).not.toMatch(/at .*\.ts:\d+/);
    }
    const nothing = await gatehouse(['connections', 'update', 'ping']);
    expect(nothing.code).not.toBe(0);
    expect(nothing.stderr).toMatch(/Nothing to change/);

    // Two SCIM requests through a server on the same data: one fails.
    const database = await openDatabase({ dataDir, databaseUrl: undefined });
    try {
      const app = await buildApp({
        config: loadConfig({ GATEHOUSE_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }),
        database,
      });
      const send = (payload: unknown) =>
        app.inject({
          method: 'POST',
          url: '/scim/v2/Users',
          headers: {
            authorization: `Bearer ${created.token}`,
            'content-type': 'application/scim+json',
          },
          payload: JSON.stringify(payload),
        });
      expect((await send(oktaUser('ping.person@example.com'))).statusCode).toBe(201);
      expect((await send({ userName: 42 })).statusCode).toBe(400);
      await app.close();
    } finally {
      await database.close();
    }
    const log = await json<{ status: number; connectionName: string; requestBody: unknown }[]>([
      'provisioning-log',
      '--connection',
      'ping',
    ]);
    expect(log.map((e) => [e.status, e.connectionName])).toEqual([
      [400, 'ping'],
      [201, 'ping'],
    ]);
    expect(JSON.stringify(log)).not.toContain('Secret-123');
    const failed = await json<{ status: number }[]>(['provisioning-log', '--failed']);
    expect(failed.map((e) => e.status)).toEqual([400]);
    const table = await gatehouse(['provisioning-log', '--failed']);
    expect(table.stdout).toContain('POST /scim/v2/Users');
    expect(table.stdout).toContain('400 invalidValue');

    const grant = await json<{ role: string; userName: string }>([
      'roles',
      'grant',
      'ping.person@example.com',
      'viewer',
    ]);
    expect(grant).toMatchObject({ role: 'viewer', userName: 'ping.person@example.com' });
    const roles = await json<{ userName: string; role: string }[]>(['roles', 'list']);
    expect(roles.map((r) => [r.userName, r.role])).toEqual([['ping.person@example.com', 'viewer']]);
    expect((await json<{ role: string }>(['users', 'show', 'ping.person@example.com'])).role).toBe(
      'viewer',
    );
    const badRole = await gatehouse(['roles', 'grant', 'ping.person@example.com', 'root']);
    expect(badRole.code).toBe(1);
    expect(badRole.stderr).toMatch(/admin, viewer/);
    expect((await json<{ revoked: boolean }>(['roles', 'revoke', grant.userName])).revoked).toBe(
      true,
    );
  });

  it('names the setting when the server cannot listen or the database cannot be reached: exit 2', async () => {
    const host = await gatehouse(['serve'], { HOST: '999.1.1.1', PORT: '18199' });
    expect(host.code).toBe(2);
    expect(host.stderr).toMatch(
      /^gatehouse: Configuration error: cannot listen on 999\.1\.1\.1:18199 \(HOST, PORT\): getaddrinfo/,
    );
    const database = await gatehouse(['users', 'list'], {
      DATABASE_URL: 'postgres://postgres:hunter2@127.0.0.1:1/nowhere',
    });
    expect(database.code).toBe(2);
    expect(database.stderr).toBe(
      'gatehouse: Configuration error: cannot open the database at DATABASE_URL (postgres://127.0.0.1:1/nowhere): connect ECONNREFUSED 127.0.0.1:1\n',
    );
  });

  it('validates the configuration with a clear message', async () => {
    const result = await gatehouse(['users', 'list'], { PORT: 'eighty' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('PORT must be a whole number');
    const url = await gatehouse(['users', 'list'], { DATABASE_URL: 'mysql://x' });
    expect(url.code).toBe(2);
    expect(url.stderr).toContain('DATABASE_URL must start with postgres:');
  });
});

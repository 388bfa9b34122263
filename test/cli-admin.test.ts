/**
 * `gatehouse admins` and `gatehouse api-keys` as an operator runs them: a real process on the
 * same data directory as a server, whose admin API then accepts what they made.
 */
import { execFile, spawn } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/database.ts';
import type { DatabaseHandle } from '../src/db/database.ts';
import { uuidv7 } from '../src/lib/ids.ts';

const BIN = path.resolve('bin/gatehouse.js');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

let dataDir: string;

/** Runs the command, with `input` on its standard input. */
function gatehouse(args: string[], input?: string): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(
      'node',
      [BIN, ...args],
      {
        env: {
          ...process.env,
          GATEHOUSE_DATA_DIR: dataDir,
          DATABASE_URL: '',
          GATEHOUSE_PUBLIC_URL: 'https://console.example.com',
        },
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(input ?? '');
  });
}

async function json<T>(args: string[], input?: string): Promise<T> {
  const result = await gatehouse([...args, '--json'], input);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

/** The server on the same data directory, for one request. */
async function withServer<T>(work: (app: FastifyInstance) => Promise<T>): Promise<T> {
  const database: DatabaseHandle = await openDatabase({ dataDir, databaseUrl: undefined });
  const app = await buildApp({
    config: loadConfig({
      GATEHOUSE_DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      GATEHOUSE_PUBLIC_URL: 'https://console.example.com',
    }),
    database,
  });
  try {
    return await work(app);
  } finally {
    await app.close();
    await database.close();
  }
}

/** A copy of the key under another id and hash, as a database from before unique names may hold. */
async function legacyDuplicateKey(id: string): Promise<{ id: string }> {
  const database = await openDatabase({ dataDir, databaseUrl: undefined });
  try {
    const row = await database.db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const copy = { ...row, id: uuidv7(), key_hash: 'f'.repeat(64) };
    await database.db.insertInto('api_keys').values(copy).execute();
    return { id: copy.id };
  } finally {
    await database.close();
  }
}

const signIn = (userName: string, password: string) =>
  withServer((app) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/session',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ userName, password }),
    }),
  );

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-cli-admin-'));
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('gatehouse admins and api-keys', () => {
  it('explains them in --help', async () => {
    const top = await gatehouse(['--help']);
    expect(top.stdout).toContain('admins');
    expect(top.stdout).toContain('api-keys');
    const admins = await gatehouse(['admins', 'create', '--help']);
    expect(admins.stdout).toContain('--password-stdin');
    expect(admins.stdout).toMatch(/generated and printed/);
    const keys = await gatehouse(['api-keys', '--help']);
    for (const command of ['create', 'list', 'revoke']) expect(keys.stdout).toContain(command);
    const create = await gatehouse(['api-keys', 'create', '--help']);
    expect(create.stdout.replace(/\s+/g, ' ')).toContain(
      '--role <role> admin (everything) or viewer (read only) (choices: "admin", "viewer", default: "viewer")',
    );
  });

  it('creates an administrator with a generated password, printed once, that signs in', async () => {
    const created = await json<{ id: string; userName: string; role: string; password: string }>([
      'admins',
      'create',
      'root@example.com',
    ]);
    expect(created).toMatchObject({ userName: 'root@example.com', role: 'admin' });
    expect(created.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const response = await signIn('root@example.com', created.password);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({
      user: { id: created.id, role: 'admin', origin: 'LOCAL' },
    });
    // Stored as an argon2id hash only.
    const file = fs.readFileSync(path.join(dataDir, 'gatehouse.db'));
    expect(file.includes(Buffer.from(created.password))).toBe(false);

    const human = await gatehouse(['admins', 'create', 'root2@example.com']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/Password: \S{24}/);
  });

  it('takes the password from the standard input, and refuses a short one or a taken userName', async () => {
    const created = await json<{ id: string; password?: string }>(
      ['admins', 'create', 'ops@example.com', '--password-stdin'],
      'a password from a secret store\n',
    );
    expect(created.password).toBeUndefined();
    expect((await signIn('ops@example.com', 'a password from a secret store')).statusCode).toBe(
      200,
    );

    const short = await gatehouse(
      ['admins', 'create', 'short@example.com', '--password-stdin'],
      'short\n',
    );
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/at least 12 characters/);
    const taken = await gatehouse(['admins', 'create', 'ROOT@example.com']);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/already taken/);
  });

  it('creates an API key (shown once) that opens the admin API, lists and revokes it', async () => {
    const created = await json<{ id: string; key: string; role: string; prefix: string }>([
      'api-keys',
      'create',
      'deploy',
      '--role',
      'admin',
    ]);
    expect(created.role).toBe('admin');
    expect(created.key).toMatch(/^gh_api_[A-Za-z0-9_-]{43}$/);
    const call = (method: 'GET' | 'POST', url: string, body?: unknown) =>
      withServer((app) =>
        app.inject({
          method,
          url,
          headers: {
            authorization: `Bearer ${created.key}`,
            ...(body ? { 'content-type': 'application/json' } : {}),
          },
          ...(body ? { payload: JSON.stringify(body) } : {}),
        }),
      );
    expect(
      (await call('POST', '/api/v1/groups', { displayName: 'From a script' })).statusCode,
    ).toBe(201);
    // Never on SCIM.
    expect((await call('GET', '/scim/v2/Users')).statusCode).toBe(401);

    const viewer = await json<{ id: string; role: string }>(['api-keys', 'create', 'reporting']);
    expect(viewer.role).toBe('viewer');
    const list = await json<{ id: string; name: string; key?: string; revokedAt: string | null }[]>(
      ['api-keys', 'list'],
    );
    expect(list.map((k) => k.name).sort()).toEqual(['deploy', 'reporting']);
    expect(list.every((k) => k.key === undefined)).toBe(true);
    const file = fs.readFileSync(path.join(dataDir, 'gatehouse.db'));
    expect(file.includes(Buffer.from(created.key))).toBe(false);

    const revoked = await json<{ id: string; revokedAt: string }>([
      'api-keys',
      'revoke',
      created.id,
    ]);
    expect(revoked.revokedAt).not.toBeNull();
    expect((await call('GET', '/api/v1/users')).statusCode).toBe(401);
    const missing = await gatehouse(['api-keys', 'revoke', 'no-such-key']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No active API key has the id or name "no-such-key"/);
    // The change feed names a key by its name: no two active keys share one, whatever the case.
    const again = await gatehouse(['api-keys', 'create', 'REPORTING', '--role', 'admin']);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      `gatehouse: An active API key is already named "reporting" (${viewer.id}): choose another name, or revoke that key first.\n`,
    );
    expect((await json<unknown[]>(['api-keys', 'list'])).length).toBe(2);
    // A database from before that rule may hold two active keys of one name: they are revoked
    // by id, never one at random.
    const second = await legacyDuplicateKey(viewer.id);
    const ambiguous = await gatehouse(['api-keys', 'revoke', 'reporting']);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toContain(
      `2 active API keys are named "reporting": revoke one by its id (${viewer.id}, ${second.id}).`,
    );
    expect((await json<{ id: string }>(['api-keys', 'revoke', second.id])).id).toBe(second.id);
    // One left of that name: its name is enough. Revoked, the name is free again.
    expect((await json<{ id: string }>(['api-keys', 'revoke', 'reporting'])).id).toBe(viewer.id);
    expect((await json<{ name: string }>(['api-keys', 'create', 'Reporting'])).name).toBe(
      'Reporting',
    );
    // Names are unique in any case, and so is a revoke by name.
    expect(
      (await json<{ name: string; revokedAt: string | null }>(['api-keys', 'revoke', 'REPORTING']))
        .revokedAt,
    ).not.toBeNull();
    const badRole = await gatehouse(['api-keys', 'create', 'x', '--role', 'owner']);
    expect(badRole.code).not.toBe(0);
  });

  it('serve prints a one-time setup link while no administrator exists, which creates one', async () => {
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-setup-'));
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const child = spawn('node', [BIN, 'serve'], {
      env: {
        ...process.env,
        GATEHOUSE_DATA_DIR: fresh,
        DATABASE_URL: '',
        PORT: String(port),
        GATEHOUSE_PUBLIC_URL: '',
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      const link = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no setup link in: ${output}`)), 20_000);
        child.stdout!.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /(http:\/\/\S+\/setup#token=(gh_setup_[A-Za-z0-9_-]{43}))/.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
      });
      expect(link.startsWith(`http://127.0.0.1:${port}/setup#token=`)).toBe(true);
      const token = link.split('#token=')[1]!;
      const done = await fetch(`http://127.0.0.1:${port}/api/v1/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          token,
          userName: 'first@example.com',
          password: 'first admin password',
        }),
      });
      expect(done.status).toBe(201);
      expect(done.headers.get('set-cookie')).toMatch(/^gatehouse_session=/);
      const again = await fetch(`http://127.0.0.1:${port}/api/v1/setup`);
      expect(await again.json()).toEqual({ needed: false });
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      fs.rmSync(fresh, { recursive: true, force: true });
    }
  });
});

/**
 * The processes the bench runs and measures: the Gatehouse server and the bare-Fastify ceiling,
 * each a child process whose CPU time the kernel accounts in /proc/<pid>/stat (every thread of
 * the process: the event loop, libuv's pool, the GC), and, on PostgreSQL, the database backends
 * serving the bench database.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { request } from 'undici';

export const ROOT = path.resolve(import.meta.dirname, '..');

/** Clock ticks per second of /proc's CPU counters (`getconf CLK_TCK`, 100 nearly everywhere). */
export const CLK_TCK = (() => {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
})();

function readStat(pid: number): string[] | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2 (comm) is parenthesised and may hold spaces: split what follows its last ')'.
  // Index i of the result is field i + 3 of proc(5): ppid is [1], utime to cstime [11] to [14].
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime (+ waited-for children) of a process, in milliseconds; undefined if it is gone. */
export function processCpuMs(pid: number): number | undefined {
  const fields = readStat(pid);
  if (!fields) return undefined;
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
  return (ticks * 1000) / CLK_TCK;
}

/** The processes descended from `pid` (tsx, for one, runs an esbuild service process). */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = Number(readStat(Number(entry))?.[1]);
    if (!Number.isInteger(ppid)) continue;
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0 && found.length < 10_000) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

export interface CpuSample {
  /** The server process and its descendants: CPU ms by pid. */
  readonly server: ReadonlyMap<number, number>;
  /** PostgreSQL backends of the bench database: CPU ms by pid. */
  readonly db?: ReadonlyMap<number, number>;
}

function cpuOf(pids: readonly number[]): Map<number, number> {
  const cpu = new Map<number, number>();
  for (const pid of pids) {
    const ms = processCpuMs(pid);
    if (ms !== undefined) cpu.set(pid, ms);
  }
  return cpu;
}

/**
 * CPU time between two samples: a process that appeared in between counts whole; one that went
 * away in between is lost (the server keeps its children, and its pool its PostgreSQL
 * connections, while it is busy).
 */
function delta(
  before: ReadonlyMap<number, number> | undefined,
  after: ReadonlyMap<number, number>,
) {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before?.get(pid) ?? 0);
  return total;
}

/** Samples the CPU time of a server process (with its descendants) and, optionally, of database backends. */
export class CpuProbe {
  constructor(
    readonly pid: number,
    private readonly dbBackends?: () => Promise<number[]>,
  ) {}

  async sample(): Promise<CpuSample> {
    if (processCpuMs(this.pid) === undefined) throw new Error(`process ${this.pid} has exited`);
    const server = cpuOf([this.pid, ...descendants(this.pid)]);
    if (!this.dbBackends) return { server };
    return { server, db: cpuOf(await this.dbBackends()) };
  }

  serverDelta(before: CpuSample, after: CpuSample): number {
    return delta(before.server, after.server);
  }

  dbDelta(before: CpuSample, after: CpuSample): number | undefined {
    return after.db ? delta(before.db, after.db) : undefined;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const live = new Set<ChildProcess>();

/** Kills every child still running (on an error or a signal). */
export function killAll(): void {
  for (const child of live) {
    if (child.pid !== undefined && child.exitCode === null) child.kill('SIGKILL');
  }
  live.clear();
}

export interface RunningProcess {
  readonly label: string;
  readonly pid: number;
  readonly origin: string;
  /** The last few kilobytes of its output, for error messages. */
  output(): string;
  /** The command names of its descendant processes, once it answered (tsx: `esbuild`). */
  readonly children: string[];
  /** SIGTERM, then SIGKILL after 10 s. */
  stop(): Promise<void>;
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Starts a child process listening on `port` and waits (at most 60 s) for `healthPath` to answer 200. */
export async function startProcess(
  label: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  port: number,
  healthPath: string,
): Promise<RunningProcess> {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-8192);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.once('exit', () => live.delete(child));
  if (child.pid === undefined) throw new Error(`${label}: could not start ${args.join(' ')}`);
  const origin = `http://127.0.0.1:${port}`;
  const running: RunningProcess = {
    label,
    pid: child.pid,
    origin,
    output: () => output,
    children: [],
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      if (!(await waitForExit(child, 10_000))) {
        child.kill('SIGKILL');
        await waitForExit(child, 5_000);
      }
      live.delete(child);
    },
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${label} exited (${child.exitCode ?? child.signalCode}) before answering:\n${output}`,
      );
    }
    let status = 0;
    try {
      const response = await request(`${origin}${healthPath}`, {
        headersTimeout: 2000,
        bodyTimeout: 2000,
      });
      await response.body.dump();
      status = response.statusCode;
    } catch {
      // not listening yet
    }
    if (status === 200) {
      for (const pid of descendants(child.pid)) {
        try {
          running.children.push(fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim());
        } catch {
          // gone already
        }
      }
      return running;
    }
    if (Date.now() > deadline) {
      await running.stop();
      throw new Error(`${label} did not answer ${healthPath} within 60 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The environment of a Gatehouse process for one storage. */
export interface Storage {
  readonly name: 'sqlite' | 'postgres';
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
}

export function gatehouseEnv(storage: Storage, port?: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOST: '127.0.0.1',
    GATEHOUSE_DATA_DIR: storage.dataDir,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'production',
    // The benchmark measures the server's ceiling, not the per-connection rate limit.
    GATEHOUSE_SCIM_RATE_LIMIT: '100000',
  };
  delete env.DATABASE_URL;
  delete env.GATEHOUSE_PUBLIC_URL;
  if (storage.databaseUrl !== undefined) env.DATABASE_URL = storage.databaseUrl;
  if (port !== undefined) env.PORT = String(port);
  return env;
}

/**
 * The Node flags of `npm start` (package.json's `start`: `node <flags> bin/gatehouse.js serve`),
 * with which the bench runs the server as it is run, and the ceiling beside it.
 */
export function startFlags(): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const words = manifest.scripts.start.trim().split(/\s+/);
  const entry = words.indexOf('bin/gatehouse.js');
  if (words[0] !== 'node' || entry < 0) {
    throw new Error(`package.json's start script is not "node [flags] bin/gatehouse.js serve"`);
  }
  return words.slice(1, entry);
}

export async function startGatehouse(storage: Storage): Promise<RunningProcess> {
  const port = await freePort();
  return startProcess(
    `gatehouse (${storage.name})`,
    [...startFlags(), 'bin/gatehouse.js', 'serve'],
    gatehouseEnv(storage, port),
    port,
    '/healthz',
  );
}

export async function startCeiling(): Promise<RunningProcess> {
  const port = await freePort();
  return startProcess(
    'ceiling',
    [...startFlags(), '--import', 'tsx', 'bench/ceiling-server.ts'],
    { ...process.env, PORT: String(port), NODE_ENV: 'production' },
    port,
    '/ping',
  );
}

export interface CreatedConnection {
  readonly id: string;
  readonly name: string;
  readonly token: string;
}

/** `gatehouse connections create bench --json`, as an operator would run it. */
export async function createConnection(storage: Storage, name: string): Promise<CreatedConnection> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['bin/gatehouse.js', 'connections', 'create', name, '--json'],
    { cwd: ROOT, env: gatehouseEnv(storage), timeout: 60_000 },
  );
  const parsed = JSON.parse(stdout) as Partial<CreatedConnection>;
  if (
    typeof parsed.id !== 'string' ||
    typeof parsed.token !== 'string' ||
    typeof parsed.name !== 'string'
  ) {
    throw new Error(`unexpected output of connections create: ${stdout}`);
  }
  return { id: parsed.id, name: parsed.name, token: parsed.token };
}

/** `gatehouse api-keys create <name> --role viewer --json`: a key for the admin API workloads. */
export async function createApiKey(storage: Storage, name: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['bin/gatehouse.js', 'api-keys', 'create', name, '--role', 'viewer', '--json'],
    { cwd: ROOT, env: gatehouseEnv(storage), timeout: 60_000 },
  );
  const parsed = JSON.parse(stdout) as { key?: unknown };
  if (typeof parsed.key !== 'string')
    throw new Error(`unexpected output of api-keys create: ${stdout}`);
  return parsed.key;
}

/** Creates and drops the bench's own PostgreSQL database through an administrative connection. */
export class PgAdmin {
  private constructor(
    private readonly client: pg.Client,
    readonly adminUrl: string,
  ) {}

  static async connect(adminUrl: string): Promise<PgAdmin> {
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
    await client.connect();
    return new PgAdmin(client, adminUrl);
  }

  urlOf(database: string): string {
    const url = new URL(this.adminUrl);
    url.pathname = `/${database}`;
    return url.href;
  }

  async createDatabase(name: string): Promise<string> {
    assertName(name);
    await this.client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await this.client.query(`CREATE DATABASE ${name}`);
    return this.urlOf(name);
  }

  async dropDatabase(name: string): Promise<void> {
    assertName(name);
    await this.client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }

  /** Drops `gatehouse_bench_<pid>` databases whose bench process is gone (a run that was killed). */
  async dropStale(prefix: string): Promise<string[]> {
    const { rows } = await this.client.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname LIKE $1',
      [`${prefix}%`],
    );
    const dropped: string[] = [];
    for (const { datname } of rows) {
      const pid = Number(datname.slice(prefix.length));
      if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue;
      await this.dropDatabase(datname);
      dropped.push(datname);
    }
    return dropped;
  }

  /** The pids of the backends serving a database (client connections and parallel workers). */
  async backendPids(database: string): Promise<number[]> {
    const { rows } = await this.client.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND backend_type IN ('client backend', 'parallel worker')",
      [database],
    );
    return rows.map((r) => r.pid);
  }

  /** What autovacuum does soon after a bulk load: fresh planner statistics and visibility map. */
  async vacuumAnalyze(database: string): Promise<void> {
    const client = new pg.Client({ connectionString: this.urlOf(database) });
    await client.connect();
    try {
      await client.query('VACUUM ANALYZE');
    } finally {
      await client.end();
    }
  }

  close(): Promise<void> {
    return this.client.end();
  }
}

function assertName(name: string): void {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`invalid database name ${name}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * `npm run bench [-- --postgres] [-- --large] [-- --quick]`: Gatehouse under the load Okta and
 * Entra ID put on it, and the console's Users page through the admin API, on SQLite and
 * optionally PostgreSQL, next to a bare-Fastify ceiling.
 * What is measured and how: docs/performance.md.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, median } from './load.ts';
import type { LoadResult } from './load.ts';
import {
  CLK_TCK,
  CpuProbe,
  createApiKey,
  createConnection,
  killAll,
  PgAdmin,
  ROOT,
  startCeiling,
  startFlags,
  startGatehouse,
} from './processes.ts';
import type { CreatedConnection, RunningProcess, Storage } from './processes.ts';
import { seedUsers } from './seed.ts';
import type { SeedMethod } from './seed.ts';
import {
  bigGroup,
  ceiling,
  consolePages,
  lookups,
  paging,
  provisioning,
  readsById,
  userCount,
  warmGroupPaths,
} from './workloads.ts';
import type { ConsoleResult, GroupResult } from './workloads.ts';
import { printStorage, targetsOf } from './report.ts';
import type { Plan, StorageResult, TierResult } from './report.ts';

// ---- options ------------------------------------------------------------------------------------

function usage(): never {
  console.error(
    'usage: npm run bench -- [--postgres] [--large] [--quick] [--concurrency N] [--seed bulk|service]\n' +
      '  --postgres      also run everything on PostgreSQL (BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/test,\n' +
      '                  is used only to create and drop the bench database gatehouse_bench_<pid>)\n' +
      '  --large         add the 10^6-user lookup tier\n' +
      '  --quick         a smoke run with small numbers (under a minute per storage)\n' +
      '  --concurrency   requests in flight for the throughput workloads (default 16)\n' +
      "  --seed          bulk (default): batched inserts through Gatehouse's own row mapping;\n" +
      '                  service: createUser per user (slower)',
  );
  process.exit(2);
}

interface Options {
  postgres: boolean;
  large: boolean;
  quick: boolean;
  concurrency: number;
  seed: SeedMethod;
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = {
    postgres: false,
    large: false,
    quick: false,
    concurrency: 16,
    seed: 'bulk',
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const value = () => inline ?? argv[++i] ?? usage();
    if (flag === '--postgres') options.postgres = true;
    else if (flag === '--large') options.large = true;
    else if (flag === '--quick') options.quick = true;
    else if (flag === '--concurrency') {
      options.concurrency = Number(value());
      if (
        !Number.isInteger(options.concurrency) ||
        options.concurrency < 1 ||
        options.concurrency > 256
      )
        usage();
    } else if (flag === '--seed') {
      const method = value();
      if (method !== 'bulk' && method !== 'service') usage();
      options.seed = method;
    } else usage();
  }
  return options;
}

function planOf(options: Options): Plan {
  if (options.quick) {
    return {
      provisionWarmupUsers: 20,
      provisionUsers: 200,
      provisionMaxSeconds: 20,
      ceilingWarmup: { maxOps: 3000, maxSeconds: 1 },
      ceiling: { maxOps: 10_000, maxSeconds: 2 },
      lookupWarmup: { maxOps: 300, maxSeconds: 1 },
      lookup: { maxOps: 2000, maxSeconds: 3 },
      lookupSegments: 1,
      byId: { maxOps: 2000, maxSeconds: 2 },
      ceilingSegment: { maxOps: 5000, maxSeconds: 1 },
      tiers: [1000, 4000],
      groupTier: 4000,
      groupSizes: [500, 2500],
      patches: 20,
      groupGets: 50,
      groupMaxSeconds: 10,
      walkMaxSeconds: 20,
      pageRepeats: 3,
      consoleRepeats: 5,
    };
  }
  return {
    // 3,000 requests, as many as the lookups' warm-up.
    provisionWarmupUsers: 1500,
    provisionUsers: 2000,
    provisionMaxSeconds: 120,
    ceilingWarmup: { maxOps: 5000, maxSeconds: 3 },
    ceiling: { maxOps: 60_000, maxSeconds: 10 },
    lookupWarmup: { maxOps: 3000, maxSeconds: 5 },
    // Three segments of lookups, each after a segment of the ceiling: the machine's speed moves
    // from minute to minute, and each share of the ceiling compares two moments seconds apart.
    lookup: { maxOps: 30_000, maxSeconds: 15 },
    lookupSegments: 3,
    // One segment of reads by id after the lookups, the server warm.
    byId: { maxOps: 30_000, maxSeconds: 10 },
    ceilingSegment: { maxOps: 30_000, maxSeconds: 5 },
    tiers: options.large ? [10_000, 100_000, 1_000_000] : [10_000, 100_000],
    groupTier: 100_000,
    groupSizes: [10_000, 50_000],
    patches: 200,
    groupGets: 500,
    groupMaxSeconds: 60,
    walkMaxSeconds: 300,
    pageRepeats: 5,
    consoleRepeats: 30,
  };
}

// ---- cleanup ------------------------------------------------------------------------------------

const cleanups: (() => Promise<void> | void)[] = [];
let cleaningUp = false;

async function cleanup(): Promise<void> {
  if (cleaningUp) return;
  cleaningUp = true;
  killAll();
  for (const task of cleanups.reverse()) {
    try {
      await task();
    } catch (error) {
      console.error(`cleanup: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

// ---- the run ------------------------------------------------------------------------------------

const log = (message: string) =>
  console.error(`[${new Date().toISOString().slice(11, 19)}] ${message}`);

async function withServer<T>(
  start: () => Promise<RunningProcess>,
  work: (server: RunningProcess) => Promise<T>,
): Promise<T> {
  const server = await start();
  try {
    return await work(server);
  } catch (error) {
    const output = server.output().trim();
    if (output && error instanceof Error)
      error.message += `\n--- ${server.label} output ---\n${output}`;
    throw error;
  } finally {
    await server.stop();
  }
}

/**
 * The bare-Fastify ceiling, started once per storage and kept running (idle, it costs nothing):
 * measured at the start, and again right before each segment of lookups.
 */
interface CeilingRunner {
  readonly initial: LoadResult;
  segment(): Promise<LoadResult>;
  stop(): Promise<void>;
}

async function startCeilingRunner(options: Options, plan: Plan): Promise<CeilingRunner> {
  const server = await startCeiling();
  const client = new Client(server.origin, undefined, options.concurrency);
  const probe = new CpuProbe(server.pid);
  const stop = async () => {
    await client.close();
    await server.stop();
  };
  try {
    const initial = await ceiling(
      client,
      probe,
      options.concurrency,
      plan.ceilingWarmup,
      plan.ceiling,
    );
    return {
      initial,
      segment: () => ceiling(client, probe, options.concurrency, undefined, plan.ceilingSegment),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function runStorage(
  storage: Storage,
  options: Options,
  plan: Plan,
  dbBackends: (() => Promise<number[]>) | undefined,
  vacuum: (() => Promise<void>) | undefined,
  /** Receives the result as soon as it exists, so a failure later keeps what was measured. */
  record: (result: StorageResult) => void,
): Promise<void> {
  const connection: CreatedConnection = await createConnection(storage, 'bench');
  log(`${storage.name}: connection ${connection.id}`);
  // The console's workload calls the admin API with a key (SCIM tokens do not open it).
  const apiKey = await createApiKey(storage, 'bench');

  log(`${storage.name}: ceiling (bare Fastify)`);
  // Kept running (idle) through the whole section: measured first, then beside each lookup segment.
  const ceilingRunner = await startCeilingRunner(options, plan);
  try {
    const ceilingResult = ceilingRunner.initial;
    log(`${storage.name}: ceiling ${ceilingResult.reqPerSec.toFixed(0)} req/s`);

    // bin/gatehouse.js runs the compiled dist/ when it is fresh, else the sources through tsx
    // (whose esbuild service is a child process): say which each server ran.
    const serverCode = new Set<string>();
    const session = async <T>(
      work: (client: Client, probe: CpuProbe, api: Client) => Promise<T>,
    ): Promise<T> =>
      withServer(
        () => startGatehouse(storage),
        async (server) => {
          serverCode.add(
            server.children.includes('esbuild')
              ? 'TypeScript sources through tsx'
              : 'compiled JavaScript (no tsx child)',
          );
          const client = new Client(server.origin, connection.token, options.concurrency);
          const api = new Client(server.origin, apiKey, 1);
          try {
            return await work(client, new CpuProbe(server.pid, dbBackends), api);
          } finally {
            await client.close();
            await api.close();
          }
        },
      );

    log(`${storage.name}: provisioning ${plan.provisionUsers} users`);
    const provisioned = await session(async (client, probe) => {
      const warm = {
        concurrency: options.concurrency,
        family: 'warm',
        maxSeconds: plan.provisionMaxSeconds,
      };
      // The warm-up is the first users a fresh server creates: reported on its own line (cold),
      // since V8 compiles the create path during it and it runs at half the speed of what follows.
      const cold = await provisioning(client, probe, { ...warm, users: plan.provisionWarmupUsers });
      const measured = await provisioning(client, probe, {
        ...warm,
        family: 'prov',
        users: plan.provisionUsers,
      });
      return { measured, cold, users: await userCount(client) };
    });
    let users = provisioned.users;
    log(`${storage.name}: provisioning ${provisioned.measured.opsPerSec.toFixed(0)} users/s`);
    const result: StorageResult = {
      storage: storage.name,
      ceiling: ceilingResult,
      provisioning: { ...provisioned.measured, users: plan.provisionUsers },
      provisioningCold: { ...provisioned.cold, users: plan.provisionWarmupUsers },
      tiers: [],
      plan,
      serverCode: [...serverCode],
    };
    record(result);

    const seededIds: string[] = [];
    for (const tier of plan.tiers) {
      const count = tier - users;
      if (count < 0) throw new Error(`tier ${tier} is below the ${users} users already there`);
      log(`${storage.name}: seeding ${count} users (${options.seed}) to reach ${tier}`);
      const seeded = await seedUsers({
        storage,
        connection,
        method: options.seed,
        from: seededIds.length,
        to: seededIds.length + count,
      });
      for (const id of seeded.ids) seededIds.push(id);
      let vacuumAnalyzeSeconds: number | undefined;
      if (vacuum) {
        const t0 = performance.now();
        await vacuum();
        vacuumAnalyzeSeconds = (performance.now() - t0) / 1000;
      }
      log(`${storage.name}: seeded ${count} users in ${seeded.seconds.toFixed(1)} s`);
      const tierResult = await session(async (client, probe, api) => {
        users = await userCount(client);
        if (users !== tier) throw new Error(`expected ${tier} users, the server counts ${users}`);
        log(`${storage.name}: lookups at ${tier} users`);
        const lookupSegments: LoadResult[] = [];
        const ceilingBeside: LoadResult[] = [];
        for (let segment = 0; segment < plan.lookupSegments; segment++) {
          ceilingBeside.push(await ceilingRunner.segment());
          lookupSegments.push(
            await lookups(client, probe, {
              concurrency: options.concurrency,
              seeded: seededIds.length,
              warmup: segment === 0 ? plan.lookupWarmup : undefined,
              bounds: plan.lookup,
              seed: tier + segment,
            }),
          );
        }
        const middle = median(lookupSegments.map((r) => r.serverCpuMsPerReq));
        const lookup = lookupSegments.find((r) => r.serverCpuMsPerReq === middle)!;
        const ceilingShare = median(
          lookupSegments.map((r, i) => r.reqPerSec / ceilingBeside[i]!.reqPerSec),
        );
        log(
          `${storage.name}: ${lookup.reqPerSec.toFixed(0)} lookups/s (${(ceilingShare * 100).toFixed(0)}% of the ceiling); reads by id`,
        );
        const byId = await readsById(client, probe, {
          concurrency: options.concurrency,
          ids: seededIds,
          bounds: plan.byId,
          seed: tier,
        });
        log(
          `${storage.name}: ${byId.reqPerSec.toFixed(0)} reads by id/s; paging through ${tier} users`,
        );
        // Past the group tier (10^6 users) the walk is cut at a third of the time: it is informative only.
        const walkSeconds = tier > plan.groupTier ? plan.walkMaxSeconds / 3 : plan.walkMaxSeconds;
        const pages = await paging(client, probe, {
          maxSeconds: walkSeconds,
          repeats: plan.pageRepeats,
        });
        let groups: GroupResult[] | undefined;
        let consoleResult: ConsoleResult | undefined;
        if (tier === plan.groupTier) {
          await warmGroupPaths(client, seededIds, Math.min(20, plan.patches));
          groups = [];
          for (const members of plan.groupSizes) {
            log(`${storage.name}: group of ${members} members`);
            groups.push(
              await bigGroup(client, probe, {
                members,
                userIds: seededIds,
                patches: plan.patches,
                gets: plan.groupGets,
                maxSeconds: plan.groupMaxSeconds,
              }),
            );
          }
          const biggest = groups.at(-1);
          log(`${storage.name}: the console's Users page at ${tier} users`);
          consoleResult = await consolePages(api, probe, {
            users: tier,
            repeats: plan.consoleRepeats,
            seed: tier,
            ...(biggest ? { groupId: biggest.groupId, groupMembers: biggest.members } : {}),
          });
        }
        return {
          users: tier,
          seed: {
            method: seeded.method,
            users: seeded.users,
            seconds: seeded.seconds,
            ...(vacuumAnalyzeSeconds !== undefined ? { vacuumAnalyzeSeconds } : {}),
          },
          lookup,
          lookupSegments,
          ceilingBeside,
          ceilingShare,
          byId,
          paging: pages,
          ...(groups ? { groups } : {}),
          ...(consoleResult ? { console: consoleResult } : {}),
        } satisfies TierResult;
      });
      result.tiers.push(tierResult);
      for (const code of serverCode)
        if (!result.serverCode.includes(code)) result.serverCode.push(code);
    }
  } finally {
    await ceilingRunner.stop();
  }
}

/**
 * A digest of the server's sources (src/ and bin/): the tree is worked on while benches run, and a
 * run whose sources changed half-way measured two servers.
 */
function sourceDigest(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of fs
      .readdirSync(path.join(ROOT, dir), { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))) {
      const relative = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(relative);
      else if (entry.isFile())
        hash
          .update(relative)
          .update('\0')
          .update(fs.readFileSync(path.join(ROOT, relative)))
          .update('\0');
    }
  };
  walk('src');
  walk('bin');
  return hash.digest('hex').slice(0, 16);
}

function gitCommit(): string | null {
  try {
    // Read-only: the commit the sources are based on (the tree may hold uncommitted changes).
    return execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const plan = planOf(options);
  const startedAt = new Date();
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    /** Node's flags for the server and the ceiling: npm start's (startFlags). */
    nodeFlags: startFlags(),
    clkTck: CLK_TCK,
    loadAverageAtStart: os.loadavg(),
  };
  log(
    `bench: ${JSON.stringify(options)} on ${machine.cpus} × ${machine.cpuModel}, load ${machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}`,
  );

  const sourcesAtStart = sourceDigest();
  const storages: StorageResult[] = [];
  const failures: string[] = [];

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-'));
  cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const attempt = async (
    name: Storage['name'],
    run: (record: (result: StorageResult) => void) => Promise<void>,
  ) => {
    let result: StorageResult | undefined;
    try {
      await run((r) => {
        result = r;
        storages.push(r);
      });
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      failures.push(`${name}: ${message}`);
      log(`${name} failed: ${message}`);
      if (result) result.error = message;
    }
    if (result) printStorage(result);
  };

  const sqlite: Storage = {
    name: 'sqlite',
    dataDir: path.join(tmp, 'sqlite'),
    databaseUrl: undefined,
  };
  await attempt('sqlite', (record) =>
    runStorage(sqlite, options, plan, undefined, undefined, record),
  );

  if (options.postgres) {
    await attempt('postgres', async (record) => {
      const admin = await PgAdmin.connect(
        process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
      );
      cleanups.push(() => admin.close());
      const prefix = 'gatehouse_bench_';
      for (const stale of await admin.dropStale(prefix)) log(`dropped stale database ${stale}`);
      const database = `${prefix}${process.pid}`;
      const url = await admin.createDatabase(database);
      cleanups.push(() => admin.dropDatabase(database));
      const storage: Storage = {
        name: 'postgres',
        dataDir: path.join(tmp, 'postgres'),
        databaseUrl: url,
      };
      try {
        return await runStorage(
          storage,
          options,
          plan,
          () => admin.backendPids(database),
          () => admin.vacuumAnalyze(database),
          record,
        );
      } finally {
        await admin.dropDatabase(database);
      }
    });
  }

  const finishedAt = new Date();
  const sourcesAtEnd = sourceDigest();
  const report = {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    minutes: (finishedAt.getTime() - startedAt.getTime()) / 60_000,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    options,
    machine: { ...machine, loadAverageAtEnd: os.loadavg() },
    gitCommit: gitCommit(),
    sources: {
      atStart: sourcesAtStart,
      atEnd: sourcesAtEnd,
      changedDuringRun: sourcesAtStart !== sourcesAtEnd,
    },
    storages: storages.map((s) => ({ ...s, targets: targetsOf(s) })),
    failures,
  };
  const dir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(
    dir,
    `${startedAt.toISOString().replace(/[:.]/g, '-')}${options.quick ? '-quick' : ''}.json`,
  );
  fs.writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  fs.copyFileSync(file, path.join(dir, 'latest.json'));
  console.log(
    `\nResults: ${path.relative(process.cwd(), file)} (also bench/results/latest.json); ${report.minutes.toFixed(1)} min`,
  );
  console.log(
    `${report.command} on ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node} (${machine.nodeFlags.join(' ') || 'no flags'}), ${startedAt.toISOString()}; ` +
      `load average ${machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')} at start, ` +
      `${report.machine.loadAverageAtEnd.map((l) => l.toFixed(2)).join(' ')} at end; sources ${sourcesAtStart}` +
      (report.sources.changedDuringRun
        ? ` → ${sourcesAtEnd}: WARNING, the sources changed during the run`
        : ''),
  );
  if (failures.length > 0) {
    console.log(`\n${failures.length} storage(s) failed:\n${failures.join('\n')}`);
    process.exitCode = 1;
  }
}

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await cleanup();
}

/** The run's result types, the targets, and the table printed per storage. */
import type { LoadResult } from './load.ts';
import type { Storage } from './processes.ts';
import type { SeedMethod } from './seed.ts';
import type { Bounds, ConsoleResult, GroupResult, PagingResult } from './workloads.ts';

/** Every count and every time limit of a run. */
export interface Plan {
  readonly provisionWarmupUsers: number;
  readonly provisionUsers: number;
  readonly provisionMaxSeconds: number;
  readonly ceilingWarmup: Bounds;
  readonly ceiling: Bounds;
  readonly lookupWarmup: Bounds;
  /** One segment of lookups; each tier runs `lookupSegments`, a ceiling segment before each. */
  readonly lookup: Bounds;
  readonly lookupSegments: number;
  /** The reads by id of each tier, after its lookups. */
  readonly byId: Bounds;
  readonly ceilingSegment: Bounds;
  /** Total users at each lookup tier. */
  readonly tiers: readonly number[];
  /** The tier the paging target and the big groups use. */
  readonly groupTier: number;
  readonly groupSizes: readonly number[];
  readonly patches: number;
  readonly groupGets: number;
  readonly groupMaxSeconds: number;
  readonly walkMaxSeconds: number;
  readonly pageRepeats: number;
  /** Requests of each kind in the console's workload. */
  readonly consoleRepeats: number;
}

// ---- results ------------------------------------------------------------------------------------

export interface SeedInfo {
  readonly method: SeedMethod;
  readonly users: number;
  readonly seconds: number;
  readonly vacuumAnalyzeSeconds?: number;
}

export interface TierResult {
  readonly users: number;
  readonly seed: SeedInfo;
  /** The lookup segment of median server CPU per request (the figure the table shows). */
  readonly lookup: LoadResult;
  /** Every lookup segment, in order. */
  readonly lookupSegments: readonly LoadResult[];
  /** The ceiling measured right before each lookup segment. */
  readonly ceilingBeside: readonly LoadResult[];
  /** The median over segments of lookups/s ÷ the ceiling's req/s measured beside them. */
  readonly ceilingShare: number;
  /** Random `GET /Users/{id}` of seeded users (absent from results written before it). */
  readonly byId?: LoadResult;
  readonly paging: PagingResult;
  readonly groups?: GroupResult[];
  /** The console's Users page and a big group's members, through the admin API. */
  readonly console?: ConsoleResult;
}

export interface StorageResult {
  readonly storage: Storage['name'];
  readonly ceiling: LoadResult;
  /** After the warm-up: what the server does once V8 has compiled the create path. */
  readonly provisioning: LoadResult & { readonly users: number };
  /** The warm-up: the first users a freshly started server creates. */
  readonly provisioningCold?: LoadResult & { readonly users: number };
  readonly tiers: TierResult[];
  readonly plan: Plan;
  /** What the Gatehouse processes ran: compiled JavaScript or the sources through tsx. */
  readonly serverCode: string[];
  /** Set when the storage's run failed part-way: the figures above are what it measured first. */
  error?: string;
}

// ---- targets ------------------------------------------------------------------------------------

export interface Target {
  readonly id: string;
  readonly description: string;
  readonly measured: string;
  /** null when the run has no figure for it. */
  readonly met: boolean | null;
}

const n = (value: number) => Math.round(value).toLocaleString('en-US');
const ms = (value: number | undefined) =>
  value === undefined || Number.isNaN(value)
    ? '–'
    : value < 1
      ? value.toFixed(3)
      : value < 100
        ? value.toFixed(2)
        : value.toFixed(0);
const pct = (value: number) => `${(value * 100).toFixed(0)}%`;
const totalCpu = (r: LoadResult) => r.serverCpuMsPerReq + (r.dbCpuMsPerReq ?? 0);

/** "9,800 of 29,000 req/s, ..." for each segment of a tier's lookups. */
function segmentShares(tier: TierResult): string {
  return tier.lookupSegments
    .map((r, i) => {
      const beside = tier.ceilingBeside[i]!.reqPerSec;
      return `${n(r.reqPerSec)} of ${n(beside)} req/s = ${pct(r.reqPerSec / beside)}`;
    })
    .join('; ');
}

export function targetsOf(result: StorageResult): Target[] {
  const { plan } = result;
  const targets: Target[] = [];
  const small = result.tiers.find((t) => t.users === plan.tiers[0]);
  const big = result.tiers.find((t) => t.users === plan.groupTier);
  const missing = (id: string, description: string): Target => ({
    id,
    description,
    measured: 'not measured',
    met: null,
  });

  const lookupCpu = `Lookup at ${n(plan.groupTier)} users: server CPU ≤ 0.1 ms/request`;
  const lookupShare = `Lookup at ${n(plan.groupTier)} users: ≥ 50% of the ceiling's req/s`;
  if (big) {
    const db = big.lookup.dbCpuMsPerReq;
    targets.push({
      id: 'lookup-cpu',
      description: lookupCpu,
      measured: `${ms(big.lookup.serverCpuMsPerReq)} ms${db !== undefined ? ` (+ ${ms(db)} ms in PostgreSQL)` : ''} (median of ${big.lookupSegments.map((r) => ms(r.serverCpuMsPerReq)).join(', ')} ms)`,
      met: big.lookup.serverCpuMsPerReq <= 0.1,
    });
    const share = big.ceilingShare;
    targets.push({
      id: 'lookup-vs-ceiling',
      description: lookupShare,
      measured: `${pct(share)} (median of ${segmentShares(big)})`,
      met: share >= 0.5,
    });
  } else targets.push(missing('lookup-cpu', lookupCpu), missing('lookup-vs-ceiling', lookupShare));

  const flat = `Lookup flat from ${n(plan.tiers[0]!)} to ${n(plan.groupTier)} users (CPU/request within 20%)`;
  if (small && big) {
    const ratio = totalCpu(big.lookup) / totalCpu(small.lookup);
    const rate = big.lookup.reqPerSec / small.lookup.reqPerSec;
    targets.push({
      id: 'lookup-flat',
      description: flat,
      measured: `CPU/request ×${ratio.toFixed(2)} (${ms(totalCpu(small.lookup))} → ${ms(totalCpu(big.lookup))} ms${
        small.lookup.dbCpuMsPerReq !== undefined ? ', server + PostgreSQL' : ''
      }); req/s ×${rate.toFixed(2)}`,
      met: ratio <= 1.2,
    });
  } else targets.push(missing('lookup-flat', flat));

  const rate = result.provisioning.opsPerSec;
  targets.push({
    id: 'provisioning',
    description: 'Provisioning ≥ 1,500 users/s',
    measured: `${n(rate)} users/s`,
    met: rate >= 1500,
  });

  const [groupA, groupB] = big?.groups ?? [];
  const patchP99 = `Single-member PATCH p99 < 10 ms on a ${n(plan.groupSizes[1] ?? 0)}-member group`;
  const patchFlat = `Single-member PATCH flat in group size (p50 within 20%, ${n(plan.groupSizes[0] ?? 0)} → ${n(plan.groupSizes[1] ?? 0)})`;
  if (groupA && groupB) {
    const p99 = Math.max(groupB.add.p99Ms, groupB.remove.p99Ms);
    targets.push({
      id: 'patch-p99',
      description: patchP99,
      measured: `add ${ms(groupB.add.p99Ms)} ms, remove ${ms(groupB.remove.p99Ms)} ms`,
      met: p99 < 10,
    });
    const addRatio = groupB.add.p50Ms / groupA.add.p50Ms;
    const removeRatio = groupB.remove.p50Ms / groupA.remove.p50Ms;
    targets.push({
      id: 'patch-flat',
      description: patchFlat,
      measured: `add ${ms(groupA.add.p50Ms)} → ${ms(groupB.add.p50Ms)} ms (×${addRatio.toFixed(2)}), remove ${ms(
        groupA.remove.p50Ms,
      )} → ${ms(groupB.remove.p50Ms)} ms (×${removeRatio.toFixed(2)})`,
      met: addRatio <= 1.2 && removeRatio <= 1.2,
    });
  } else targets.push(missing('patch-p99', patchP99), missing('patch-flat', patchFlat));

  const pagingTarget = `Paging ${n(plan.groupTier)} users: last page ≤ 2× the first`;
  if (big) {
    const ratio = big.paging.lastPageMs / big.paging.firstPageMs;
    targets.push({
      id: 'paging',
      description: pagingTarget,
      measured: `${ms(big.paging.firstPageMs)} → ${ms(big.paging.lastPageMs)} ms (×${ratio.toFixed(2)}); in the walk ${ms(
        big.paging.walkFirstPagesMs,
      )} → ${ms(big.paging.walkLastPagesMs ?? NaN)} ms`,
      met: ratio <= 2,
    });
  } else targets.push(missing('paging', pagingTarget));

  const consoleTarget = `Console Users page at ${n(plan.groupTier)} users: search and paging p99 < 100 ms server time`;
  const pageQueries = big?.console?.queries.filter((q) => q.name.startsWith('Users:'));
  if (pageQueries && pageQueries.length > 0) {
    const worst = pageQueries.reduce((a, b) => (b.serverP99Ms > a.serverP99Ms ? b : a));
    targets.push({
      id: 'console-users',
      description: consoleTarget,
      measured: `worst p99 ${ms(worst.serverP99Ms)} ms (${worst.name}); ${pageQueries.length} kinds of request`,
      met: worst.serverP99Ms < 100,
    });
  } else targets.push(missing('console-users', consoleTarget));
  return targets;
}

const SEED_METHODS: Record<SeedMethod, string> = {
  bulk: 'bulk (normalizeResource + userColumns, 500 users per transaction)',
  service: 'service (createUser per user)',
};

// ---- the table ----------------------------------------------------------------------------------

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function printStorage(result: StorageResult): void {
  const pg = result.storage === 'postgres';
  const ceilingRate = result.ceiling.reqPerSec;
  const rows: string[][] = [];
  const row = (
    label: string,
    r: LoadResult,
    unit: string,
    perOp = false,
    share = r.reqPerSec / ceilingRate,
  ) => {
    const errors = r.errors > 0 ? ` (${r.errors} errors)` : '';
    rows.push([
      label + errors,
      `${n(perOp ? r.opsPerSec : r.reqPerSec)} ${unit}`,
      ms(r.p50Ms),
      ms(r.p99Ms),
      ms(r.serverCpuMsPerReq),
      ...(pg ? [ms(r.dbCpuMsPerReq)] : []),
      ms(r.clientCpuMsPerReq),
      // One request at a time is bound by latency, not throughput: no share of the ceiling.
      r.concurrency > 1 ? pct(share) : '',
    ]);
  };
  row(`ceiling: bare Fastify GET, c=${result.ceiling.concurrency}`, result.ceiling, 'req/s');
  if (result.provisioningCold) {
    row(
      `provisioning: first ${n(result.provisioningCold.users)} users of a fresh server, c=${result.provisioningCold.concurrency}`,
      result.provisioningCold,
      'users/s',
      true,
    );
  }
  row(
    `provisioning ${n(result.provisioning.users)} users (GET+POST), c=${result.provisioning.concurrency}`,
    result.provisioning,
    'users/s',
    true,
  );
  for (const tier of result.tiers) {
    row(
      `lookup at ${n(tier.users)} users, c=${tier.lookup.concurrency}`,
      tier.lookup,
      'req/s',
      false,
      tier.ceilingShare,
    );
  }
  for (const tier of result.tiers) {
    if (tier.byId) {
      row(
        `GET /Users/{id} at ${n(tier.users)} users, c=${tier.byId.concurrency}`,
        tier.byId,
        'req/s',
      );
    }
  }
  for (const tier of result.tiers) {
    const p = tier.paging;
    rows.push([
      `paging ${n(tier.users)} users: ${n(p.pages)} pages${p.complete ? '' : ' (time limit)'}, c=1`,
      `${n(p.pages / p.seconds)} pages/s`,
      ms(p.pageP50Ms),
      ms(p.pageP99Ms),
      ms(p.serverCpuMsPerPage),
      ...(pg ? [ms(p.dbCpuMsPerPage)] : []),
      '',
      '',
    ]);
  }
  for (const tier of result.tiers) {
    for (const g of tier.groups ?? []) {
      row(`group of ${n(g.members)}: PATCH add 1 member, c=1`, g.add, 'req/s');
      row(`group of ${n(g.members)}: PATCH remove 1 member, c=1`, g.remove, 'req/s');
      row(`group of ${n(g.members)}: GET excludedAttributes=members, c=1`, g.get, 'req/s');
    }
  }
  const headers = [
    'workload',
    'rate',
    'p50 ms',
    'p99 ms',
    'server CPU ms/req',
    ...(pg ? ['PG CPU ms/req'] : []),
    'bench CPU ms/req',
    '% ceiling',
  ];
  const out: string[] = [];
  out.push(
    '',
    `=== ${pg ? 'PostgreSQL' : 'SQLite'} === (the server ran ${result.serverCode.join(' / ')})`,
    table(headers, rows),
    '',
  );
  for (const tier of result.tiers) {
    out.push(
      `lookup at ${n(tier.users)}: ${tier.lookupSegments.length} segments, server CPU ${tier.lookupSegments
        .map((r) => ms(r.serverCpuMsPerReq))
        .join(
          ', ',
        )} ms/req (the table shows the median one); beside the ceiling run right before each: ${segmentShares(tier)}`,
    );
  }
  for (const tier of result.tiers) {
    const p = tier.paging;
    out.push(
      `paging ${n(tier.users)}: walk ${p.seconds.toFixed(1)} s, ${n(p.usersSeen)} users seen${
        p.distinctIds !== null ? ` (${n(p.distinctIds)} distinct)` : ''
      }; first page ${ms(p.firstPageMs)} ms, last page (startIndex ${n(p.lastStartIndex)}) ${ms(
        p.lastPageMs,
      )} ms (medians of ${p.repeats}); in the walk: first 5 pages ${ms(p.walkFirstPagesMs)} ms, last 5 ${ms(
        p.walkLastPagesMs ?? NaN,
      )} ms; a jump to startIndex ${n(Math.max(2, p.lastStartIndex - 1))}: ${ms(p.jumpToEndMs)} ms`,
    );
  }
  for (const tier of result.tiers) {
    if (!tier.console) continue;
    const c = tier.console;
    out.push(
      '',
      `the console through the admin API at ${n(c.users)} users, one request at a time (server time from Server-Timing; ` +
        `server CPU ${ms(c.serverCpuMsPerReq)} ms/req${c.dbCpuMsPerReq !== undefined ? ` + ${ms(c.dbCpuMsPerReq)} ms in PostgreSQL` : ''}):`,
      table(
        [
          'request',
          'n',
          'server p50 ms',
          'server p99 ms',
          'server max ms',
          'client p50 ms',
          'matched',
        ],
        c.queries.map((q) => [
          q.name,
          String(q.requests),
          ms(q.serverP50Ms),
          ms(q.serverP99Ms),
          ms(q.serverMaxMs),
          ms(q.clientP50Ms),
          n(q.total),
        ]),
      ),
      '',
    );
  }
  for (const tier of result.tiers) {
    const s = tier.seed;
    out.push(
      `seeding to ${n(tier.users)}: ${n(s.users)} users written to the database with the server stopped, ${
        SEED_METHODS[s.method]
      }, in ${s.seconds.toFixed(1)} s${
        s.vacuumAnalyzeSeconds !== undefined
          ? `, then VACUUM ANALYZE ${s.vacuumAnalyzeSeconds.toFixed(1)} s`
          : ''
      }`,
    );
    for (const g of tier.groups ?? []) {
      out.push(
        `group of ${n(g.members)}: members added by ${g.seedRequests} PATCHes of ≤1,000 in ${g.seedSeconds.toFixed(1)} s`,
      );
    }
  }
  const errors = [
    result.ceiling,
    ...(result.provisioningCold ? [result.provisioningCold] : []),
    result.provisioning,
    ...result.tiers.flatMap((t) => [
      t.lookup,
      ...(t.groups ?? []).flatMap((g) => [g.add, g.remove, g.get]),
    ]),
  ].flatMap((r) => r.firstErrors);
  if (errors.length > 0)
    out.push('', 'errors (first few):', ...errors.slice(0, 10).map((e) => `  ${e}`));
  if (result.error) out.push('', `FAILED part-way: ${result.error.split('\n')[0]}`);
  out.push('', 'targets:');
  for (const t of targetsOf(result)) {
    out.push(
      `  [${t.met === null ? ' ?? ' : t.met ? ' met' : 'MISS'}] ${t.description}: ${t.measured}`,
    );
  }
  console.log(out.join('\n'));
}

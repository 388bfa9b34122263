/**
 * The workloads, modelled on what Okta and Entra ID send: provisioning (GET by userName, then
 * POST), lookups by userName, reads by id (Okta's before each PUT), paging through every user, single-member changes to big groups,
 * and the bare-Fastify ceiling; and what the console asks of the admin API (its Users page and
 * a big group's member list).
 */
import { median, percentile, runLoad } from './load.ts';
import type { Client, LoadResult } from './load.ts';
import type { CpuProbe } from './processes.ts';
import { userBody, userNameOf } from './seed.ts';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

export interface Bounds {
  readonly maxOps: number;
  readonly maxSeconds: number;
}

/** A small deterministic PRNG (mulberry32), so every run looks up the same users. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const filterPath = (userName: string, extra = '') =>
  `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}${extra}`;

/** How many users the server holds (`totalResults` of `count=0`). */
export async function userCount(client: Client): Promise<number> {
  const { text } = await client.expect(200, 'GET', '/scim/v2/Users?count=0');
  return (JSON.parse(text) as { totalResults: number }).totalResults;
}

/** The ceiling: GET /ping on the bare Fastify server. */
/** The bare-Fastify route; without `warmup`, a server already warm is measured at once. */
export async function ceiling(
  client: Client,
  probe: CpuProbe,
  concurrency: number,
  warmup: Bounds | undefined,
  bounds: Bounds,
) {
  const op = async () => {
    await client.expect(200, 'GET', '/ping');
  };
  if (warmup) await runLoad(client, probe, { concurrency, ...warmup, op });
  return runLoad(client, probe, { concurrency, ...bounds, op });
}

/**
 * Okta's create: `GET /Users?filter=userName eq "u"&startIndex=1&count=100` (expecting no match),
 * then `POST /Users`. One operation is both requests; the rate is users created per second.
 */
export async function provisioning(
  client: Client,
  probe: CpuProbe,
  options: { concurrency: number; family: string; users: number; maxSeconds: number },
): Promise<LoadResult> {
  return runLoad(client, probe, {
    concurrency: options.concurrency,
    maxOps: options.users,
    maxSeconds: options.maxSeconds,
    op: async (i) => {
      const body = userBody(options.family, i);
      const found = await client.expect(
        200,
        'GET',
        filterPath(String(body.userName), '&startIndex=1&count=100'),
      );
      if (!found.text.includes('"totalResults":0'))
        throw new Error(`${String(body.userName)} exists already`);
      await client.expect(201, 'POST', '/scim/v2/Users', body);
    },
  });
}

/** Entra ID's and Okta's lookup: `GET /Users?filter=userName eq "u"` of a random seeded user. */
export async function lookups(
  client: Client,
  probe: CpuProbe,
  options: {
    concurrency: number;
    seeded: number;
    /** None: the server has just answered lookups (a later segment of the same tier). */
    warmup: Bounds | undefined;
    bounds: Bounds;
    seed: number;
  },
): Promise<LoadResult> {
  const next = random(options.seed);
  const op = async () => {
    const userName = userNameOf('seed', Math.floor(next() * options.seeded));
    const { text } = await client.expect(200, 'GET', filterPath(userName));
    if (!text.includes('"totalResults":1'))
      throw new Error(`lookup of ${userName}: ${text.slice(0, 200)}`);
  };
  if (options.warmup) {
    await runLoad(client, probe, { concurrency: options.concurrency, ...options.warmup, op });
  }
  return runLoad(client, probe, { concurrency: options.concurrency, ...options.bounds, op });
}

/**
 * Random `GET /Users/{id}` of seeded users: what Okta sends before each PUT (the user read back,
 * changed and replaced whole). Every answer is checked to be that user.
 */
export async function readsById(
  client: Client,
  probe: CpuProbe,
  options: { concurrency: number; ids: readonly string[]; bounds: Bounds; seed: number },
): Promise<LoadResult> {
  const next = random(options.seed);
  const op = async () => {
    const id = options.ids[Math.floor(next() * options.ids.length)]!;
    const { text } = await client.expect(200, 'GET', `/scim/v2/Users/${id}`);
    if (!text.includes(`"id":"${id}"`)) throw new Error(`read of ${id}: ${text.slice(0, 200)}`);
  };
  return runLoad(client, probe, { concurrency: options.concurrency, ...options.bounds, op });
}

export interface PagingResult {
  readonly totalResults: number;
  readonly pages: number;
  readonly usersSeen: number;
  /** Distinct ids seen (checked up to 200,000 users): equals usersSeen when paging is stable. */
  readonly distinctIds: number | null;
  readonly complete: boolean;
  readonly seconds: number;
  readonly pageP50Ms: number;
  readonly pageP99Ms: number;
  readonly serverCpuMsPerPage: number;
  readonly dbCpuMsPerPage?: number;
  /** Median of `repeats` requests of the first page and of the last page (after the walk). */
  readonly firstPageMs: number;
  readonly lastPageMs: number;
  readonly lastStartIndex: number;
  readonly repeats: number;
  /** Medians of the walk's own first five and last five pages. */
  readonly walkFirstPagesMs: number;
  readonly walkLastPagesMs: number | null;
  /**
   * Median of `repeats` requests of a page ending at the end of the list but starting one row
   * before the last page (startIndex lastStartIndex - 1), which no walk has gone through: what
   * an arbitrary deep page costs when nothing is remembered from an earlier page.
   */
  readonly jumpToEndMs: number;
}

/** Walks every user with `count=100` (startIndex 1, 101, ...), one page after the other, as IdPs do. */
export async function paging(
  client: Client,
  probe: CpuProbe,
  options: { maxSeconds: number; repeats: number },
): Promise<PagingResult> {
  const pageSize = 100;
  const latencies: number[] = [];
  const ids = new Set<string>();
  let usersSeen = 0;
  let total = Infinity;
  let startIndex = 1;
  const before = await probe.sample();
  const t0 = performance.now();
  const deadline = t0 + options.maxSeconds * 1000;
  let maxPages = Infinity;
  while (startIndex <= total && latencies.length < maxPages && performance.now() < deadline) {
    const begin = performance.now();
    const { text } = await client.expect(
      200,
      'GET',
      `/scim/v2/Users?startIndex=${startIndex}&count=${pageSize}`,
    );
    latencies.push(performance.now() - begin);
    const page = JSON.parse(text) as {
      totalResults: number;
      itemsPerPage: number;
      Resources?: { id: string }[];
    };
    if (total === Infinity) {
      total = page.totalResults;
      maxPages = Math.ceil(total / pageSize) + 1;
    }
    const resources = page.Resources ?? [];
    usersSeen += resources.length;
    if (total <= 200_000) for (const r of resources) ids.add(r.id);
    if (resources.length === 0) break;
    startIndex += pageSize;
  }
  const seconds = (performance.now() - t0) / 1000;
  const after = await probe.sample();
  const pages = latencies.length;

  const lastStartIndex = Math.max(1, Math.floor((total - 1) / pageSize) * pageSize + 1);
  const jumpStartIndex = Math.max(2, lastStartIndex - 1);
  const first: number[] = [];
  const last: number[] = [];
  const jump: number[] = [];
  for (let r = 0; r < options.repeats; r++) {
    for (const [list, index] of [
      [first, 1],
      [last, lastStartIndex],
      [jump, jumpStartIndex],
    ] as const) {
      const begin = performance.now();
      await client.expect(200, 'GET', `/scim/v2/Users?startIndex=${index}&count=${pageSize}`);
      list.push(performance.now() - begin);
    }
  }
  const sorted = Float64Array.from(latencies).sort();
  return {
    totalResults: total,
    pages,
    usersSeen,
    distinctIds: total <= 200_000 ? ids.size : null,
    complete: usersSeen >= total,
    seconds,
    pageP50Ms: percentile(sorted, 0.5),
    pageP99Ms: percentile(sorted, 0.99),
    serverCpuMsPerPage: probe.serverDelta(before, after) / pages,
    ...(after.db ? { dbCpuMsPerPage: probe.dbDelta(before, after)! / pages } : {}),
    firstPageMs: median(first),
    lastPageMs: median(last),
    lastStartIndex,
    repeats: options.repeats,
    walkFirstPagesMs: median(latencies.slice(0, 5)),
    walkLastPagesMs: usersSeen >= total ? median(latencies.slice(-5)) : null,
    jumpToEndMs: median(jump),
  };
}

export interface GroupResult {
  readonly groupId: string;
  readonly members: number;
  /** Seeding the membership: PATCH add with 1,000 members per request. */
  readonly seedSeconds: number;
  readonly seedRequests: number;
  readonly add: LoadResult;
  readonly remove: LoadResult;
  readonly get: LoadResult;
}

/**
 * One group of `members` users; then, one request at a time (a group's writes serialise on it),
 * single-member `add` PATCHes of users not in it, `remove` PATCHes (`members[value eq "id"]`) of
 * the same users, and `GET /Groups/{id}?excludedAttributes=members`.
 */
export async function bigGroup(
  client: Client,
  probe: CpuProbe,
  options: {
    members: number;
    userIds: readonly string[];
    patches: number;
    gets: number;
    maxSeconds: number;
  },
): Promise<GroupResult> {
  const { members, userIds, patches } = options;
  if (userIds.length < members + patches) {
    throw new Error(
      `a group of ${members} needs ${members + patches} users; ${userIds.length} were seeded`,
    );
  }
  const created = await client.expect(201, 'POST', '/scim/v2/Groups', {
    schemas: [GROUP_SCHEMA],
    displayName: `bench group of ${members}`,
  });
  const groupId = (JSON.parse(created.text) as { id: string }).id;
  const path = `/scim/v2/Groups/${groupId}`;

  const t0 = performance.now();
  let seedRequests = 0;
  for (let start = 0; start < members; start += 1000) {
    const value = userIds
      .slice(start, Math.min(members, start + 1000))
      .map((id) => ({ value: id }));
    await client.expect([200, 204], 'PATCH', path, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'members', value }],
    });
    seedRequests++;
  }
  const seedSeconds = (performance.now() - t0) / 1000;

  // Users from the end of the seeded list: in no bench group.
  const outsiders = userIds.slice(userIds.length - patches);
  const sequential = { concurrency: 1, maxOps: patches, maxSeconds: options.maxSeconds };
  const add = await runLoad(client, probe, {
    ...sequential,
    op: async (i) => {
      await client.expect([200, 204], 'PATCH', path, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'add', path: 'members', value: [{ value: outsiders[i]! }] }],
      });
    },
  });
  const remove = await runLoad(client, probe, {
    ...sequential,
    op: async (i) => {
      await client.expect([200, 204], 'PATCH', path, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'remove', path: `members[value eq "${outsiders[i]!}"]` }],
      });
    },
  });
  const get = await runLoad(client, probe, {
    concurrency: 1,
    maxOps: options.gets,
    maxSeconds: options.maxSeconds,
    op: async () => {
      const { text } = await client.expect(200, 'GET', `${path}?excludedAttributes=members`);
      if (text.includes('"members"'))
        throw new Error('excludedAttributes=members returned members');
    },
  });
  return { groupId, members, seedSeconds, seedRequests, add, remove, get };
}

/** A few single-member PATCHes on a small scratch group, so the first measured group runs warm. */
export async function warmGroupPaths(
  client: Client,
  userIds: readonly string[],
  patches: number,
): Promise<void> {
  const created = await client.expect(201, 'POST', '/scim/v2/Groups', {
    schemas: [GROUP_SCHEMA],
    displayName: 'bench warm-up group',
  });
  const path = `/scim/v2/Groups/${(JSON.parse(created.text) as { id: string }).id}`;
  for (const id of userIds.slice(0, patches)) {
    const add = { op: 'add', path: 'members', value: [{ value: id }] };
    await client.expect([200, 204], 'PATCH', path, { schemas: [PATCH_OP], Operations: [add] });
    const remove = { op: 'remove', path: `members[value eq "${id}"]` };
    await client.expect([200, 204], 'PATCH', path, { schemas: [PATCH_OP], Operations: [remove] });
    await client.expect(200, 'GET', `${path}?excludedAttributes=members`);
  }
  await client.expect(204, 'DELETE', path);
}

export interface ConsoleQueryResult {
  readonly name: string;
  readonly requests: number;
  /** Server time (the answer's `Server-Timing`), p50 / p99 / max, in milliseconds. */
  readonly serverP50Ms: number;
  readonly serverP99Ms: number;
  readonly serverMaxMs: number;
  /** As the client saw it (one request at a time, so no queueing). */
  readonly clientP50Ms: number;
  readonly clientP99Ms: number;
  /** `total` of the last answer: what the query matched. */
  readonly total: number;
}

export interface ConsoleResult {
  readonly users: number;
  readonly queries: ConsoleQueryResult[];
  readonly serverCpuMsPerReq: number;
  readonly dbCpuMsPerReq?: number;
}

/**
 * The console's Users page (and a big group's member list) through the admin API, with an API
 * key, one request at a time: first, random and last pages in each sort order, searches that
 * match one user, a few, about 1% and every user, one that matches none, and a filter. Each
 * kind of request is sent `repeats` times (after a warm-up round) with a fixed pseudo-random
 * sequence, and its server time is read from the answer's `Server-Timing` header.
 */
export async function consolePages(
  client: Client,
  probe: CpuProbe,
  options: {
    users: number;
    repeats: number;
    seed: number;
    groupId?: string;
    groupMembers?: number;
  },
): Promise<ConsoleResult> {
  const next = random(options.seed);
  const pick = (n: number) => Math.floor(next() * n);
  const total = options.users;
  const page = 50;
  const randomOffset = () => pick(total - page);
  const users = (query: string) => `/api/v1/users?limit=${page}&${query}`;
  const kinds: { name: string; path: () => string; expect?: (total: number) => boolean }[] = [
    { name: 'Users: first page', path: () => users('offset=0'), expect: (n) => n === total },
    { name: 'Users: random page', path: () => users(`offset=${randomOffset()}`) },
    { name: 'Users: last page', path: () => users(`offset=${total - page}`) },
    {
      name: 'Users: by displayName, random page',
      path: () => users(`sort=displayName&offset=${randomOffset()}`),
    },
    {
      name: 'Users: by email desc, random page',
      path: () => users(`sort=email&order=desc&offset=${randomOffset()}`),
    },
    {
      name: 'Users: by createdAt desc, random page',
      path: () => users(`sort=createdAt&order=desc&offset=${randomOffset()}`),
    },
    {
      name: 'Users: by origin, random page',
      path: () => users(`sort=origin&offset=${randomOffset()}`),
    },
    {
      name: 'Users: search one userName',
      path: () => users(`search=${encodeURIComponent(userNameOf('seed', pick(total - 3000)))}`),
      expect: (n) => n === 1,
    },
    {
      // Given<n> for n in [total/100, total/10): Given<n> and Given<n>0 to Given<n>9.
      name: 'Users: search a given name (~11 users)',
      path: () => users(`search=given${Math.floor(total / 100) + pick(Math.floor(total / 11))}`),
      expect: (n) => n >= 1 && n <= 20,
    },
    {
      // Seeded<i % 997>: one user in 997.
      name: 'Users: search a family name (0.1%)',
      path: () => users(`search=seeded${100 + pick(897)}`),
      expect: (n) => n >= 1,
    },
    {
      name: 'Users: search matching all, random page',
      path: () => users(`search=bench.example&offset=${randomOffset()}`),
      expect: (n) => n >= total - 3000,
    },
    {
      name: 'Users: search matching none',
      path: () => users(`search=no-such-person-${pick(1000)}`),
      expect: (n) => n === 0,
    },
    {
      name: 'Users: search matching all, by displayName',
      path: () => users(`search=bench.example&sort=displayName&offset=${randomOffset()}`),
    },
    {
      name: 'Users: search, by displayName',
      path: () => users(`search=seeded${100 + pick(897)}&sort=displayName`),
    },
    {
      name: 'Users: filter origin and status, random page',
      path: () => users(`origin=IDP&status=active&offset=${randomOffset()}`),
    },
  ];
  const { groupId, groupMembers } = options;
  if (groupId !== undefined && groupMembers !== undefined) {
    const members = (query: string) => `/api/v1/groups/${groupId}/members?limit=${page}&${query}`;
    kinds.push(
      {
        name: `Members of ${groupMembers}: first page`,
        path: () => members('offset=0'),
        expect: (n) => n === groupMembers,
      },
      {
        name: `Members of ${groupMembers}: random page`,
        path: () => members(`offset=${pick(groupMembers - page)}`),
      },
      {
        name: `Members of ${groupMembers}: search`,
        // A userName's first ten characters: one hundred members (seed-0012300 to seed-0012399).
        path: () => members(`search=${userNameOf('seed', pick(groupMembers)).slice(0, 10)}`),
      },
    );
  }

  const run = async (kind: (typeof kinds)[number]) => {
    const begin = performance.now();
    const { text, headers } = await client.expect(200, 'GET', kind.path());
    const clientMs = performance.now() - begin;
    const timing = String(headers['server-timing'] ?? '');
    const serverMs = Number(/dur=([\d.]+)/.exec(timing)?.[1] ?? NaN);
    const answer = JSON.parse(text) as { total: number; items: unknown[] };
    if (kind.expect && !kind.expect(answer.total)) {
      throw new Error(`${kind.name}: unexpected total ${answer.total} for ${kind.path()}`);
    }
    return { clientMs, serverMs, total: answer.total };
  };

  // Warm-up: every kind a few times (JIT, page cache), not counted.
  for (let r = 0; r < 3; r++) for (const kind of kinds) await run(kind);

  const before = await probe.sample();
  const requestsBefore = client.requests;
  const samples = kinds.map(() => ({ client: [] as number[], server: [] as number[], total: 0 }));
  // Interleaved, so that no kind runs only while the machine is busy elsewhere.
  for (let r = 0; r < options.repeats; r++) {
    for (const [i, kind] of kinds.entries()) {
      const result = await run(kind);
      samples[i]!.client.push(result.clientMs);
      samples[i]!.server.push(result.serverMs);
      samples[i]!.total = result.total;
    }
  }
  const after = await probe.sample();
  const requests = client.requests - requestsBefore;
  const dbMs = probe.dbDelta(before, after);
  return {
    users: total,
    queries: kinds.map((kind, i) => {
      const server = Float64Array.from(samples[i]!.server).sort();
      const clientTimes = Float64Array.from(samples[i]!.client).sort();
      return {
        name: kind.name,
        requests: server.length,
        serverP50Ms: percentile(server, 0.5),
        serverP99Ms: percentile(server, 0.99),
        serverMaxMs: server[server.length - 1] ?? NaN,
        clientP50Ms: percentile(clientTimes, 0.5),
        clientP99Ms: percentile(clientTimes, 0.99),
        total: samples[i]!.total,
      };
    }),
    serverCpuMsPerReq: probe.serverDelta(before, after) / requests,
    ...(dbMs !== undefined ? { dbCpuMsPerReq: dbMs / requests } : {}),
  };
}

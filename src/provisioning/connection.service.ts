/**
 * SCIM connections: one per identity provider, each with its own bearer tokens. A token is 256
 * random bits, shown once, and stored only as its SHA-256 hash (a fast hash is right here: the
 * token is random, not a password, so there is nothing to brute-force).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { sha256Hex } from '../lib/digest.ts';
import { appendEvents } from '../changes/events.ts';
import type { Db } from '../db/database.ts';
import type { ConnectionRow, DeprovisionPolicy } from '../db/tables.ts';
import { uuidv7 } from '../lib/ids.ts';
import { DIALECT_CHOICES } from '../scim/dialects.ts';

export const TOKEN_PREFIX = 'gh_scim_';
/** How long a rotated-out token keeps working, unless the rotation says otherwise: 24 hours. */
export const DEFAULT_ROTATION_GRACE_SECONDS = 24 * 60 * 60;
/** The longest grace a rotation may give: long enough to switch any identity provider over. */
export const MAX_ROTATION_GRACE_SECONDS = 30 * 24 * 60 * 60;

/** Per-connection provisioning settings (README, "Provisioning rules"). */
export interface ConnectionSettings {
  /** `auto` (detect the client per request) or a client profile (src/scim/dialects.ts). */
  readonly dialect: string;
  /** `delete`: `active=false` removes the user from the platform; `suspend`: lists it inactive. */
  readonly deprovisionPolicy: DeprovisionPolicy;
  /** Days a deprovisioned user stays restorable before it is purged. */
  readonly retentionDays: number;
  /** A create or write for the userName of a LOCAL user links that user to this connection. */
  readonly linkLocalUsers: boolean;
  /** Requests per second; null: the server's default (GATEHOUSE_SCIM_RATE_LIMIT). */
  readonly rateLimit: number | null;
}

export const DEFAULT_SETTINGS: ConnectionSettings = {
  dialect: 'auto',
  deprovisionPolicy: 'delete',
  retentionDays: 30,
  linkLocalUsers: true,
  rateLimit: null,
};

export interface Connection {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly settings: ConnectionSettings;
}

export interface ConnectionSummary extends Connection {
  readonly tokens: readonly {
    readonly id: string;
    readonly prefix: string;
    readonly createdAt: string;
    readonly expiresAt: string | null;
    readonly lastUsedAt: string | null;
    readonly status: 'active' | 'expiring' | 'expired';
  }[];
}

export class ConnectionError extends Error {
  override name = 'ConnectionError';
  constructor(
    readonly code: 'not_found' | 'name_taken' | 'invalid_name' | 'invalid_setting',
    message: string,
  ) {
    super(message);
  }
}

function newToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

function toConnection(row: ConnectionRow): Connection {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    settings: settingsOf(row),
  };
}

function settingsOf(
  row: Pick<
    ConnectionRow,
    'dialect' | 'deprovision_policy' | 'retention_days' | 'link_local_users' | 'rate_limit'
  >,
): ConnectionSettings {
  return {
    dialect: row.dialect,
    deprovisionPolicy: row.deprovision_policy,
    retentionDays: Number(row.retention_days),
    linkLocalUsers: Number(row.link_local_users) === 1,
    rateLimit: row.rate_limit === null ? null : Number(row.rate_limit),
  };
}

/** The limits a setting must keep: checked here, so the CLI and the admin API say the same. */
export const SETTING_LIMITS = {
  retentionDays: { min: 0, max: 3650 },
  rateLimit: { min: 25, max: 100_000 },
} as const;

function checkSettings(settings: Partial<ConnectionSettings>, dialects: readonly string[]): void {
  const fail = (message: string) => {
    throw new ConnectionError('invalid_setting', message);
  };
  if (settings.dialect !== undefined && !dialects.includes(settings.dialect)) {
    fail(`Unknown dialect "${settings.dialect}". Choose one of: ${dialects.join(', ')}.`);
  }
  if (
    settings.deprovisionPolicy !== undefined &&
    settings.deprovisionPolicy !== 'delete' &&
    settings.deprovisionPolicy !== 'suspend'
  ) {
    fail('The deprovision policy is "delete" or "suspend".');
  }
  const { retentionDays, rateLimit } = SETTING_LIMITS;
  if (
    settings.retentionDays !== undefined &&
    !(
      Number.isInteger(settings.retentionDays) &&
      settings.retentionDays >= retentionDays.min &&
      settings.retentionDays <= retentionDays.max
    )
  ) {
    fail(
      `The retention is a whole number of days from ${retentionDays.min} to ${retentionDays.max}.`,
    );
  }
  if (
    settings.rateLimit !== undefined &&
    settings.rateLimit !== null &&
    !(
      Number.isInteger(settings.rateLimit) &&
      settings.rateLimit >= rateLimit.min &&
      settings.rateLimit <= rateLimit.max
    )
  ) {
    // Entra ID's gallery requirement is 25 requests per second: never limit below it.
    fail(
      `The rate limit is a whole number of requests per second from ${rateLimit.min} to ${rateLimit.max}.`,
    );
  }
}

/** Changes a connection's settings; the others stay. */
export async function updateConnectionSettings(
  db: Db,
  key: string,
  changes: Partial<ConnectionSettings>,
  actor: string,
): Promise<Connection> {
  checkSettings(changes, DIALECT_CHOICES);
  const connection = await getConnection(db, key);
  const now = new Date().toISOString();
  const set: Partial<ConnectionRow> = {};
  if (changes.dialect !== undefined) set.dialect = changes.dialect;
  if (changes.deprovisionPolicy !== undefined) set.deprovision_policy = changes.deprovisionPolicy;
  if (changes.retentionDays !== undefined) set.retention_days = changes.retentionDays;
  if (changes.linkLocalUsers !== undefined) set.link_local_users = changes.linkLocalUsers ? 1 : 0;
  if (changes.rateLimit !== undefined) set.rate_limit = changes.rateLimit;
  if (Object.keys(set).length === 0) return connection;
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('connections').set(set).where('id', '=', connection.id).execute();
    await appendEvents(
      trx,
      [
        {
          type: 'connection.updated',
          resourceType: 'Connection',
          resourceId: connection.id,
          actor,
          summary: { changed: Object.keys(changes).sort() },
        },
      ],
      now,
    );
  });
  forgetTokens(db);
  return getConnection(db, connection.id);
}

async function insertToken(db: Db, connectionId: string, now: string): Promise<string> {
  const token = newToken();
  await db
    .insertInto('connection_tokens')
    .values({
      id: uuidv7(),
      connection_id: connectionId,
      token_hash: sha256Hex(token),
      prefix: token.slice(0, TOKEN_PREFIX.length + 4),
      created_at: now,
      expires_at: null,
      last_used_at: null,
    })
    .execute();
  return token;
}

export async function createConnection(
  db: Db,
  name: string,
  actor: string,
): Promise<{ connection: Connection; token: string }> {
  const trimmed = name.trim();
  if (!/^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,63}$/u.test(trimmed)) {
    throw new ConnectionError(
      'invalid_name',
      'A connection name is 1 to 64 letters, digits, spaces, dots, dashes or underscores, starting with a letter or digit.',
    );
  }
  const now = new Date().toISOString();
  return db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom('connections')
      .select('id')
      .where('name_lc', '=', trimmed.toLowerCase())
      .executeTakeFirst();
    if (existing)
      throw new ConnectionError(
        'name_taken',
        `A connection named "${trimmed}" already exists (${existing.id}).`,
      );
    const row = {
      id: uuidv7(),
      name: trimmed,
      name_lc: trimmed.toLowerCase(),
      created_at: now,
      last_used_at: null,
      dialect: DEFAULT_SETTINGS.dialect,
      deprovision_policy: DEFAULT_SETTINGS.deprovisionPolicy,
      retention_days: DEFAULT_SETTINGS.retentionDays,
      link_local_users: 1,
      rate_limit: null,
    };
    await trx.insertInto('connections').values(row).execute();
    const token = await insertToken(trx, row.id, now);
    await appendEvents(
      trx,
      [
        {
          type: 'connection.created',
          resourceType: 'Connection',
          resourceId: row.id,
          actor,
          summary: { name: trimmed },
        },
      ],
      now,
    );
    return { connection: toConnection(row), token };
  });
}

export async function findConnection(db: Db, key: string): Promise<Connection | undefined> {
  const row =
    (await db.selectFrom('connections').selectAll().where('id', '=', key).executeTakeFirst()) ??
    (await db
      .selectFrom('connections')
      .selectAll()
      .where('name_lc', '=', key.toLowerCase())
      .executeTakeFirst());
  return row ? toConnection(row) : undefined;
}

export async function getConnection(db: Db, key: string): Promise<Connection> {
  const connection = await findConnection(db, key);
  if (!connection)
    throw new ConnectionError('not_found', `No connection has the id or name "${key}".`);
  return connection;
}

export async function listConnections(
  db: Db,
  now = new Date().toISOString(),
): Promise<ConnectionSummary[]> {
  const rows = await db.selectFrom('connections').selectAll().orderBy('created_at').execute();
  const tokens = await db
    .selectFrom('connection_tokens')
    .selectAll()
    .orderBy('created_at')
    .execute();
  return rows.map((row) => {
    const own: ConnectionSummary['tokens'] = tokens
      .filter((t) => t.connection_id === row.id)
      .map((t) => ({
        id: t.id,
        prefix: t.prefix,
        createdAt: t.created_at,
        expiresAt: t.expires_at,
        lastUsedAt: t.last_used_at,
        status: t.expires_at === null ? 'active' : t.expires_at > now ? 'expiring' : 'expired',
      }));
    return Object.assign(toConnection(row), { tokens: own });
  });
}

/**
 * Issues a new token. Tokens issued before keep working for `graceSeconds` (default 24 hours),
 * so the identity provider can be given the new one without a gap; 0 ends them at once.
 */
export async function rotateToken(
  db: Db,
  key: string,
  actor: string,
  graceSeconds = DEFAULT_ROTATION_GRACE_SECONDS,
): Promise<{ connection: Connection; token: string; previousTokensExpireAt: string }> {
  // Bounded: a grace of centuries made an ISO date of six digits ("+013434-...") that compared
  // below the expiry of tokens already ended, which the update below then brought back.
  if (
    !Number.isInteger(graceSeconds) ||
    graceSeconds < 0 ||
    graceSeconds > MAX_ROTATION_GRACE_SECONDS
  ) {
    throw new ConnectionError(
      'invalid_setting',
      `The grace period must be between 0 and ${MAX_ROTATION_GRACE_SECONDS / 86_400} days; got ${graceSeconds} seconds.`,
    );
  }
  const connection = await getConnection(db, key);
  const now = new Date();
  const expiresAt = new Date(now.getTime() + graceSeconds * 1000).toISOString();
  const result = await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('connection_tokens')
      .set({ expires_at: expiresAt })
      .where('connection_id', '=', connection.id)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', expiresAt)]))
      .execute();
    const token = await insertToken(trx, connection.id, now.toISOString());
    await appendEvents(
      trx,
      [
        {
          type: 'connection.token_rotated',
          resourceType: 'Connection',
          resourceId: connection.id,
          actor,
          summary: { graceSeconds },
        },
      ],
      now.toISOString(),
    );
    return { connection, token, previousTokensExpireAt: expiresAt };
  });
  forgetTokens(db);
  return result;
}

/** Ends every token of the connection at once. The connection stays; rotate to get a new one. */
export async function revokeTokens(
  db: Db,
  key: string,
  actor: string,
): Promise<{ connection: Connection; revoked: number }> {
  const connection = await getConnection(db, key);
  const now = new Date().toISOString();
  const outcome = await db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('connection_tokens')
      .set({ expires_at: now })
      .where('connection_id', '=', connection.id)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .executeTakeFirst();
    await appendEvents(
      trx,
      [
        {
          type: 'connection.token_revoked',
          resourceType: 'Connection',
          resourceId: connection.id,
          actor,
          summary: {},
        },
      ],
      now,
    );
    return { connection, revoked: Number(result.numUpdatedRows) };
  });
  forgetTokens(db);
  return outcome;
}

/**
 * Deletes the connection and its tokens. What it provisioned stays, with no owning connection
 * (the foreign keys of users and groups set it null); so do its membership mappings, which the
 * connection that links the group next manages, and which the console may remove meanwhile.
 */
export async function deleteConnection(db: Db, key: string, actor: string): Promise<Connection> {
  const connection = await getConnection(db, key);
  const now = new Date().toISOString();
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('connection_tokens').where('connection_id', '=', connection.id).execute();
    await trx.deleteFrom('connections').where('id', '=', connection.id).execute();
    await trx
      .updateTable('memberships')
      .set({ connection_id: null })
      .where('connection_id', '=', connection.id)
      .execute();
    await appendEvents(
      trx,
      [
        {
          type: 'connection.deleted',
          resourceType: 'Connection',
          resourceId: connection.id,
          actor,
          summary: { name: connection.name },
        },
      ],
      now,
    );
  });
  forgetTokens(db);
  return connection;
}

export interface AuthenticatedConnection {
  readonly connectionId: string;
  readonly name: string;
  readonly tokenId: string;
  readonly settings: ConnectionSettings;
}

/** How often, at most, one process records a token's last use: not a write per request. */
const LAST_USED_INTERVAL_MS = 60_000;
const lastRecorded = new Map<string, number>();

/**
 * Tokens recently seen by this process, by hash: authenticating every SCIM request against the
 * database would cost more than the request. A revocation, rotation or deletion made through
 * this process forgets them at once; one made elsewhere (the CLI, another instance) takes
 * effect within AUTH_CACHE_MS.
 */
const AUTH_CACHE_MS = 1000;

/** What the cache holds of a token: its connection, or nothing for a token that is unknown. */
interface CachedToken {
  readonly connection: AuthenticatedConnection | undefined;
  /** When the token expires (ms since the epoch), or Infinity. */
  readonly expiresAt: number;
  /** When the entry was read from the database. */
  readonly at: number;
}

const authCaches = new WeakMap<object, Map<string, CachedToken>>();

function authCacheOf(db: Db) {
  let cache = authCaches.get(db);
  if (!cache) {
    cache = new Map();
    authCaches.set(db, cache);
  }
  return cache;
}

/** Forgets cached tokens after a change to connections or tokens. */
function forgetTokens(db: Db): void {
  authCacheOf(db).clear();
}

/**
 * Whether a bearer token can be one of ours at all, and the key to look it up by (its SHA-256),
 * or undefined.
 */
function tokenHashOf(token: string): string | undefined {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
  return sha256Hex(token);
}

/**
 * The connection a bearer token belongs to, if the token is known and not expired; `null` when
 * this process has not seen the token recently and only the database can tell (authenticate).
 * Most requests are answered here, with no promise and no query: an identity provider sends the
 * same token on every request.
 */
export function authenticateCached(
  db: Db,
  token: string,
): AuthenticatedConnection | undefined | null {
  const hash = tokenHashOf(token);
  if (hash === undefined) return undefined;
  const now = Date.now();
  const entry = authCacheOf(db).get(hash);
  if (!entry || now - entry.at > AUTH_CACHE_MS) return null;
  return accepted(db, entry, now);
}

/** The connection a bearer token belongs to, if the token is known and not expired. */
export async function authenticate(
  db: Db,
  token: string,
): Promise<AuthenticatedConnection | undefined> {
  const hash = tokenHashOf(token);
  if (hash === undefined) return undefined;
  const now = Date.now();
  const cache = authCacheOf(db);
  let entry = cache.get(hash);
  if (!entry || now - entry.at > AUTH_CACHE_MS) {
    const row = await db
      .selectFrom('connection_tokens as t')
      .innerJoin('connections as c', 'c.id', 't.connection_id')
      .select(['t.id', 't.token_hash', 't.expires_at', 'c.id as connection_id', 'c.name'])
      .select([
        'c.dialect',
        'c.deprovision_policy',
        'c.retention_days',
        'c.link_local_users',
        'c.rate_limit',
      ])
      .where('t.token_hash', '=', hash)
      .executeTakeFirst();
    // The index found the row by hash; compare again in constant time all the same.
    const found =
      row !== undefined && timingSafeEqual(Buffer.from(row.token_hash), Buffer.from(hash))
        ? row
        : undefined;
    entry = {
      connection: found && {
        connectionId: found.connection_id,
        name: found.name,
        tokenId: found.id,
        settings: settingsOf(found),
      },
      expiresAt: found?.expires_at != null ? Date.parse(found.expires_at) : Infinity,
      at: now,
    };
    // Bounded: unknown tokens are cached too (a client retrying a bad token costs no query).
    if (cache.size >= 10_000) cache.clear();
    cache.set(hash, entry);
  }
  return accepted(db, entry, now);
}

/** The connection of a cached token that has not expired; notes the token's use. */
function accepted(db: Db, entry: CachedToken, now: number): AuthenticatedConnection | undefined {
  const { connection } = entry;
  if (!connection || entry.expiresAt <= now) return undefined;
  if ((lastRecorded.get(connection.tokenId) ?? 0) + LAST_USED_INTERVAL_MS <= now) {
    lastRecorded.set(connection.tokenId, now);
    const at = new Date(now).toISOString();
    // Best effort and off the request's path: a failure here must not fail the request.
    void Promise.all([
      db
        .updateTable('connection_tokens')
        .set({ last_used_at: at })
        .where('id', '=', connection.tokenId)
        .execute(),
      db
        .updateTable('connections')
        .set({ last_used_at: at })
        .where('id', '=', connection.connectionId)
        .execute(),
    ]).catch(() => lastRecorded.delete(connection.tokenId));
  }
  return connection;
}

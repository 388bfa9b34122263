/**
 * API keys for scripts calling the admin API: `gh_api_` and 256 random bits (base64url), shown
 * once, stored as their SHA-256 (a fast hash is right for a random key, as for SCIM tokens),
 * revocable, with their last use. The prefix tells them apart from SCIM tokens (`gh_scim_`),
 * which never open the admin API, as keys never open /scim.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import { sha256Hex } from '../lib/digest.ts';
import { appendEvents } from '../changes/events.ts';
import { dialectOf } from '../db/database.ts';
import type { Db } from '../db/database.ts';
import type { ApiKeyRow, Role } from '../db/tables.ts';
import { inTransaction } from '../directory/context.ts';
import { uuidv7 } from '../lib/ids.ts';
import { AdminError, invalidField } from './errors.ts';
import type { Principal } from './principal.ts';

export const API_KEY_PREFIX = 'gh_api_';
/** How often, at most, a key's last use is written: not a write per request. */
const LAST_USED_INTERVAL_MS = 60_000;

export interface ApiKey {
  readonly id: string;
  readonly name: string;
  /** The key's first characters, to recognise it. */
  readonly prefix: string;
  readonly role: Role;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    role: row.role,
    createdAt: row.created_at,
    createdBy: row.created_by,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

export function parseApiKeyRole(value: string): Role {
  if (value !== 'admin' && value !== 'viewer') {
    throw invalidField('role', 'A role is admin or viewer.');
  }
  return value;
}

/**
 * The advisory lock that serializes, on PostgreSQL, the creation of keys ("keys" in ASCII), so
 * that two creates of one name cannot both find it free. SQLite's writer runs one write at a
 * time, after `begin immediate` (src/db/sqlite-writer.ts).
 */
const API_KEY_NAMES_LOCK = 0x6b657973;

/**
 * Throws `conflict` when an active key has the name, compared case-insensitively: the change
 * feed names a key's actions by its name (`local:api-key:<name>`), which must tell the keys in
 * use apart. A revoked key's name may be given again. Call it in the create's transaction.
 */
async function refuseTakenName(trx: Db, name: string): Promise<void> {
  if (dialectOf(trx) === 'postgres') {
    await sql`select pg_advisory_xact_lock(${sql.lit(API_KEY_NAMES_LOCK)})`.execute(trx);
  }
  const taken = await trx
    .selectFrom('api_keys')
    .select(['id', 'name'])
    .where(sql<string>`lower(name)`, '=', sql<string>`lower(${name})`)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (taken) {
    throw new AdminError(
      'conflict',
      `An active API key is already named ${JSON.stringify(taken.name)} (${taken.id}): choose another name, or revoke that key first.`,
    );
  }
}

/** Makes a key; `actor` is who made it, as in the change feed. The key is returned this once. */
export async function createApiKey(
  db: Db,
  input: { readonly name: string; readonly role: Role },
  actor: string,
): Promise<{ apiKey: ApiKey; key: string }> {
  const name = input.name.trim();
  if (!/^[\p{L}\p{N}][\p{L}\p{N} ._@:-]{0,63}$/u.test(name)) {
    throw invalidField(
      'name',
      'A key name is 1 to 64 letters, digits, spaces or . _ @ : -, starting with a letter or digit.',
    );
  }
  const role = parseApiKeyRole(input.role);
  const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
  const now = new Date().toISOString();
  const row: ApiKeyRow = {
    id: uuidv7(),
    name,
    prefix: key.slice(0, API_KEY_PREFIX.length + 4),
    key_hash: sha256Hex(key),
    role,
    created_at: now,
    created_by: actor,
    last_used_at: null,
    revoked_at: null,
  };
  await inTransaction({ db, dialect: dialectOf(db) }, async (trx) => {
    await refuseTakenName(trx, name);
    await trx.insertInto('api_keys').values(row).execute();
    await appendEvents(
      trx,
      [
        {
          type: 'api_key.created',
          resourceType: 'ApiKey',
          resourceId: row.id,
          actor,
          summary: { name, role },
        },
      ],
      now,
    );
  });
  return { apiKey: toApiKey(row), key };
}

/** Every key, revoked ones included (their revocation time says so), newest first. */
export async function listApiKeys(db: Db): Promise<ApiKey[]> {
  const rows = await db.selectFrom('api_keys').selectAll().orderBy('id', 'desc').execute();
  return rows.map(toApiKey);
}

/** Revokes a key by id (or by name, for the CLI); revoking a revoked key changes nothing. */
export async function revokeApiKey(db: Db, key: string, actor: string): Promise<ApiKey> {
  let row = await db.selectFrom('api_keys').selectAll().where('id', '=', key).executeTakeFirst();
  if (!row) {
    // By name, in any case as names are unique, if one active key alone bears it: a database
    // from before names of active keys were unique may hold several.
    const named = await db
      .selectFrom('api_keys')
      .selectAll()
      .where(sql<string>`lower(name)`, '=', key.toLowerCase())
      .where('revoked_at', 'is', null)
      .orderBy('created_at')
      .execute();
    if (named.length > 1) {
      throw new AdminError(
        'conflict',
        `${named.length} active API keys are named ${JSON.stringify(key)}: revoke one by its id (${named.map((k) => k.id).join(', ')}).`,
      );
    }
    row = named[0];
  }
  if (!row) {
    throw new AdminError(
      'not_found',
      `No active API key has the id or name ${JSON.stringify(key)}.`,
    );
  }
  if (row.revoked_at !== null) return toApiKey(row);
  const now = new Date().toISOString();
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('api_keys')
      .set({ revoked_at: now })
      .where('id', '=', row.id)
      .where('revoked_at', 'is', null)
      .execute();
    await appendEvents(
      trx,
      [
        {
          type: 'api_key.revoked',
          resourceType: 'ApiKey',
          resourceId: row.id,
          actor,
          summary: { name: row.name },
        },
      ],
      now,
    );
  });
  return toApiKey(Object.assign({}, row, { revoked_at: now }));
}

const lastRecorded = new Map<string, number>();

/**
 * The principal an API key opens, if it is known and not revoked. No cache: a revocation takes
 * effect on the next request, on every instance (the lookup is one probe of a unique index).
 */
export async function authenticateApiKey(
  db: Db,
  key: string,
): Promise<Extract<Principal, { kind: 'api_key' }> | undefined> {
  if (!key.startsWith(API_KEY_PREFIX) || key.length > 200) return undefined;
  const hash = sha256Hex(key);
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'name', 'role', 'key_hash', 'revoked_at'])
    .where('key_hash', '=', hash)
    .executeTakeFirst();
  if (!row || row.revoked_at !== null) return undefined;
  // The index found the row by hash; compare again in constant time all the same.
  if (!timingSafeEqual(Buffer.from(row.key_hash), Buffer.from(hash))) return undefined;
  const now = Date.now();
  if ((lastRecorded.get(row.id) ?? 0) + LAST_USED_INTERVAL_MS <= now) {
    lastRecorded.set(row.id, now);
    if (lastRecorded.size > 10_000) lastRecorded.clear();
    // Best effort and off the request's path.
    void db
      .updateTable('api_keys')
      .set({ last_used_at: new Date(now).toISOString() })
      .where('id', '=', row.id)
      .execute()
      .catch(() => lastRecorded.delete(row.id));
  }
  return { kind: 'api_key', role: row.role, apiKeyId: row.id, name: row.name };
}

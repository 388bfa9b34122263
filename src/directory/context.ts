import type { Kysely } from 'kysely';
import type { Db, Dialect } from '../db/database.ts';
import { sqliteWriterOf } from '../db/sqlite-writer.ts';
import type { Actor } from './actor.ts';
import { DirectoryError } from './errors.ts';
import { listCachesOf } from './listing.ts';

/** What a directory operation runs with: the database, its dialect and who is acting. */
export interface DirectoryContext {
  readonly db: Db;
  readonly dialect: Dialect;
  readonly actor: Actor;
  /** The clock, injectable for tests. Returns an ISO 8601 UTC timestamp. */
  readonly now?: () => string;
}

export function nowOf(context: Pick<DirectoryContext, 'now'>): string {
  return context.now ? context.now() : new Date().toISOString();
}

/**
 * Runs `work` in one transaction. PostgreSQL rows read with `lock` are locked until commit.
 * SQLite writes go through the database's group-commit writer (src/db/sqlite-writer.ts): each
 * in a savepoint of a transaction shared with the writes queued beside it.
 */
export async function inTransaction<T>(
  context: Pick<DirectoryContext, 'db' | 'dialect'>,
  work: (trx: Db) => Promise<T>,
): Promise<T> {
  const result =
    context.dialect === 'postgres'
      ? await context.db.transaction().execute(work)
      : await sqliteWriterOf(context.db as unknown as Kysely<never>).run(work);
  // Totals of lists may have changed.
  listCachesOf(context.db).totals.invalidate();
  return result;
}

/** True for a unique-constraint violation on either database. */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return (
    code === '23505' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}

/** ETag check for If-Match (RFC 7232 §3.1, RFC 7644 §3.14): `*` or one of the listed tags. */
export function etagOf(version: number): string {
  return `W/"${version}"`;
}

/** Throws `precondition_failed` when an If-Match header does not match the current version. */
export function checkIfMatch(
  resource: 'User' | 'Group',
  id: string,
  version: number,
  ifMatch: string | undefined,
): void {
  if (ifMatch !== undefined && !matchesEtag(ifMatch, version)) {
    throw new DirectoryError(
      'precondition_failed',
      `${resource} ${id} has changed: its version is ${etagOf(version)}.`,
    );
  }
}

export function matchesEtag(header: string, version: number): boolean {
  const tags = header.split(',').map((t) => t.trim());
  if (tags.includes('*')) return true;
  const ours = String(version);
  return tags.some((tag) => tag.replace(/^W\//, '').replace(/^"|"$/g, '') === ours);
}

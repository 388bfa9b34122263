/**
 * Console sessions. The cookie carries 256 random bits; the database keeps only their SHA-256
 * (a stolen database yields no live session), with the session's CSRF token and its end.
 *
 * Every request checks the session in one indexed query that joins the user and their role, so
 * a session ends at once, on every instance, when its user is deleted (the rows cascade),
 * deprovisioned or deactivated, or loses their role; those writes also delete the user's
 * sessions (user.service.ts, roles.service.ts), so that giving the access back opens none of
 * them again. A password change deletes the user's sessions too (credentials.ts).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { sha256Hex } from '../lib/digest.ts';
import type { Db } from '../db/database.ts';
import type { Role } from '../db/tables.ts';
import { verifyNothing, verifyPassword } from './credentials.ts';
import type { Principal } from './principal.ts';

export const SESSION_COOKIE = 'gatehouse_session';
/** Sessions last this long from sign-in, whatever the activity. */
export const SESSION_SECONDS = 12 * 60 * 60;
/** How often, at most, a session's last-seen time is written: not a write per request. */
const LAST_SEEN_INTERVAL_MS = 60_000;

export interface NewSession {
  /** The cookie's value: shown to the browser only. */
  readonly cookie: string;
  readonly csrfToken: string;
  readonly expiresAt: string;
}

export interface SessionMeta {
  readonly userAgent: string | null;
  readonly address: string | null;
}

export async function createSession(
  db: Db,
  userId: string,
  meta: SessionMeta,
  now = new Date(),
): Promise<NewSession> {
  const cookie = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + SESSION_SECONDS * 1000).toISOString();
  await db
    .insertInto('sessions')
    .values({
      id: sha256Hex(cookie),
      user_id: userId,
      csrf_token: csrfToken,
      created_at: now.toISOString(),
      expires_at: expiresAt,
      last_seen_at: now.toISOString(),
      user_agent: meta.userAgent?.slice(0, 512) ?? null,
      address: meta.address?.slice(0, 64) ?? null,
    })
    .execute();
  return { cookie, csrfToken, expiresAt };
}

/** The session a cookie opens, if it is live: not expired, its user listed, active and holding a role. */
export async function findSession(
  db: Db,
  cookie: string,
  now = new Date(),
): Promise<Extract<Principal, { kind: 'session' }> | undefined> {
  if (cookie.length === 0 || cookie.length > 100) return undefined;
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .innerJoin('user_roles as r', 'r.user_id', 's.user_id')
    .select(['s.id', 's.user_id', 's.csrf_token', 's.last_seen_at', 'u.user_name', 'r.role'])
    .where('s.id', '=', sha256Hex(cookie))
    .where('s.expires_at', '>', now.toISOString())
    .where('u.deprovisioned_at', 'is', null)
    .where('u.active', '=', 1)
    .executeTakeFirst();
  if (!row) return undefined;
  if (Date.parse(row.last_seen_at) + LAST_SEEN_INTERVAL_MS <= now.getTime()) {
    // Best effort and off the request's path.
    void db
      .updateTable('sessions')
      .set({ last_seen_at: now.toISOString() })
      .where('id', '=', row.id)
      .execute()
      .catch(() => undefined);
  }
  return {
    kind: 'session',
    role: row.role,
    userId: row.user_id,
    userName: row.user_name,
    sessionId: row.id,
    csrfToken: row.csrf_token,
  };
}

/** Whether the header carries the session's CSRF token (compared in constant time). */
export function csrfMatches(expected: string, header: string | undefined): boolean {
  if (header === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(header);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function endSession(db: Db, sessionId: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', sessionId).execute();
}

/** Deletes expired sessions (background upkeep); returns how many. */
export async function pruneSessions(db: Db, now = new Date()): Promise<number> {
  const result = await db
    .deleteFrom('sessions')
    .where('expires_at', '<=', now.toISOString())
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export type SignInResult =
  | { readonly ok: true; readonly userId: string; readonly role: Role }
  | {
      readonly ok: false;
      /** For the log only: the client hears one message for the first three. */
      readonly reason: 'unknown_user' | 'no_password' | 'wrong_password' | 'inactive' | 'no_role';
      readonly userId?: string;
    };

/**
 * Checks a userName and password. Any directory user may sign in, LOCAL or IDP, who has a
 * password, is listed and active, and holds a console role. The password is verified first,
 * so only someone who knows it learns that the user lacks a role or is inactive.
 */
export async function checkSignIn(
  db: Db,
  userName: string,
  password: string,
): Promise<SignInResult> {
  const row = await db
    .selectFrom('users as u')
    .leftJoin('user_credentials as c', 'c.user_id', 'u.id')
    .leftJoin('user_roles as r', 'r.user_id', 'u.id')
    .select(['u.id', 'u.active', 'u.deprovisioned_at', 'c.password_hash', 'r.role'])
    .where('u.user_name_lc', '=', userName.toLowerCase())
    .executeTakeFirst();
  if (!row) {
    await verifyNothing(password);
    return { ok: false, reason: 'unknown_user' };
  }
  if (row.password_hash === null) {
    await verifyNothing(password);
    return { ok: false, reason: 'no_password', userId: row.id };
  }
  if (!(await verifyPassword(row.password_hash, password))) {
    return { ok: false, reason: 'wrong_password', userId: row.id };
  }
  if (row.deprovisioned_at !== null || Number(row.active) !== 1) {
    return { ok: false, reason: 'inactive', userId: row.id };
  }
  if (row.role === null) return { ok: false, reason: 'no_role', userId: row.id };
  return { ok: true, userId: row.id, role: row.role };
}

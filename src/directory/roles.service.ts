/**
 * Console roles: held by directory users, `admin` (everything) or `viewer` (read only). An IDP
 * user may hold one and will sign in through the identity provider; a role holder of origin
 * LOCAL with the role `admin` is never linked by an identity provider (ownership.ts).
 */
import { sql } from 'kysely';
import { appendEvents } from '../changes/events.ts';
import type { Db, Dialect } from '../db/database.ts';
import type { Role } from '../db/tables.ts';
import { describeActor } from './actor.ts';
import type { DirectoryContext } from './context.ts';
import { inTransaction, nowOf } from './context.ts';
import { DirectoryError, notFound } from './errors.ts';
import { endSessionsOf } from './user.repository.ts';

export const ROLES: readonly Role[] = ['admin', 'viewer'];

export interface RoleGrant {
  readonly userId: string;
  readonly userName: string;
  readonly origin: string;
  readonly role: Role;
  readonly grantedAt: string;
  readonly grantedBy: string;
}

export function parseRole(value: string): Role {
  const role = value.trim().toLowerCase();
  if (!ROLES.includes(role as Role)) {
    throw new DirectoryError('invalid_role', `A role is one of: ${ROLES.join(', ')}.`);
  }
  return role as Role;
}

export interface RoleChangeOptions {
  /**
   * Refuse a change that would leave no administrator who can sign in (the admin API). The CLI
   * may: an operator with the database can always make one again (`admins create`, or the setup
   * link at start).
   */
  readonly keepAnAdministrator?: boolean;
  /**
   * Grant only while no administrator can sign in (first-run setup): of two setups at once, with
   * two links, one makes the administrator and the other is refused (`administrator_exists`).
   */
  readonly firstAdministrator?: boolean;
}

/**
 * The administrators who can sign in: holding the role, active, not deprovisioned (at most
 * `limit` of them). One who cannot sign in keeps no one's way into the console.
 */
export async function administratorsWhoCanSignIn(db: Db, limit?: number): Promise<string[]> {
  let query = db
    .selectFrom('user_roles as r')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .select('r.user_id')
    .where('r.role', '=', 'admin')
    .where('u.active', '=', 1)
    .where('u.deprovisioned_at', 'is', null);
  if (limit !== undefined) query = query.limit(limit);
  return (await query.execute()).map((r) => r.user_id);
}

/**
 * The advisory lock that serializes, on PostgreSQL, the writes that could leave no administrator
 * ("admn" in ASCII). Each such write checks that another administrator who can sign in remains;
 * two of them at once (A deactivates B while B deactivates A) would each see the other still
 * there, and both pass. Under the lock the second checks after the first has committed.
 */
const ADMINISTRATORS_LOCK = 0x61646d6e;

/**
 * Takes ADMINISTRATORS_LOCK until the transaction ends: the first statement of a write that
 * calls refuseLastAdministrator, before it locks any row, so that every such write takes its
 * locks in one order. SQLite needs none: its writer runs one write after the other, each seeing
 * the ones before it (src/db/sqlite-writer.ts), and `begin immediate` keeps another process out.
 */
export async function lockAdministrators(trx: Db, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') {
    await sql`select pg_advisory_xact_lock(${sql.lit(ADMINISTRATORS_LOCK)})`.execute(trx);
  }
}

/**
 * Throws `last_administrator` when the user is the last administrator who can sign in, so that
 * the write about to take that away (deactivation, deletion, a role change) cannot. Call it in
 * that write's transaction, after lockAdministrators.
 */
export async function refuseLastAdministrator(trx: Db, userId: string): Promise<void> {
  const admins = await administratorsWhoCanSignIn(trx, 2);
  if (admins.length !== 1 || admins[0] !== userId) return;
  const user = await trx
    .selectFrom('users')
    .select('user_name')
    .where('id', '=', userId)
    .executeTakeFirst();
  throw new DirectoryError(
    'last_administrator',
    `User ${JSON.stringify(user?.user_name ?? userId)} is the last administrator who can sign in: make another user an administrator first.`,
  );
}

/** Gives the user the role (replacing the one they held). */
export async function grantRole(
  context: DirectoryContext,
  userId: string,
  role: Role,
  options: RoleChangeOptions = {},
): Promise<RoleGrant> {
  const now = nowOf(context);
  const grantedBy = describeActor(context.actor);
  return inTransaction(context, async (trx) => {
    if (options.keepAnAdministrator || options.firstAdministrator) {
      await lockAdministrators(trx, context.dialect);
    }
    const user = await trx
      .selectFrom('users')
      .select(['id', 'user_name', 'origin', 'deprovisioned_at'])
      .where('id', '=', userId)
      .executeTakeFirst();
    if (!user || user.deprovisioned_at !== null) throw notFound('User', userId);
    if (options.firstAdministrator && (await administratorsWhoCanSignIn(trx, 1)).length > 0) {
      throw new DirectoryError(
        'administrator_exists',
        'Setup is done: an administrator exists. Sign in, or ask an administrator for access.',
      );
    }
    if (options.keepAnAdministrator && role !== 'admin') {
      await refuseLastAdministrator(trx, userId);
    }
    await trx
      .insertInto('user_roles')
      .values({ user_id: userId, role, granted_at: now, granted_by: grantedBy })
      .onConflict((oc) =>
        oc.column('user_id').doUpdateSet({ role, granted_at: now, granted_by: grantedBy }),
      )
      .execute();
    await appendEvents(
      trx,
      [
        {
          type: 'user.role_granted',
          resourceType: 'User',
          resourceId: userId,
          actor: grantedBy,
          summary: { userName: user.user_name, role },
        },
      ],
      now,
    );
    return {
      userId,
      userName: user.user_name,
      origin: user.origin,
      role,
      grantedAt: now,
      grantedBy,
    };
  });
}

/** Takes the user's role away; false if they held none. */
export async function revokeRole(
  context: DirectoryContext,
  userId: string,
  options: RoleChangeOptions = {},
): Promise<boolean> {
  const now = nowOf(context);
  return inTransaction(context, async (trx) => {
    if (options.keepAnAdministrator) {
      await lockAdministrators(trx, context.dialect);
      await refuseLastAdministrator(trx, userId);
    }
    const result = await trx
      .deleteFrom('user_roles')
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) return false;
    await endSessionsOf(trx, userId);
    await appendEvents(
      trx,
      [
        {
          type: 'user.role_revoked',
          resourceType: 'User',
          resourceId: userId,
          actor: describeActor(context.actor),
          summary: {},
        },
      ],
      now,
    );
    return true;
  });
}

export async function listRoles(context: Pick<DirectoryContext, 'db'>): Promise<RoleGrant[]> {
  const rows = await context.db
    .selectFrom('user_roles as r')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .select(['r.user_id', 'u.user_name', 'u.origin', 'r.role', 'r.granted_at', 'r.granted_by'])
    .orderBy('u.user_name_lc')
    .execute();
  return rows.map((r) => ({
    userId: r.user_id,
    userName: r.user_name,
    origin: r.origin,
    role: r.role,
    grantedAt: r.granted_at,
    grantedBy: r.granted_by,
  }));
}

export async function roleOf(
  context: Pick<DirectoryContext, 'db'>,
  userId: string,
): Promise<Role | null> {
  const row = await context.db
    .selectFrom('user_roles')
    .select('role')
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row?.role ?? null;
}

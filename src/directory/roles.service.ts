/**
 * Console roles: held by directory users, `admin` (everything) or `viewer` (read only). An IDP
 * user may hold one and will sign in through the identity provider; a role holder of origin
 * LOCAL with the role `admin` is never linked by an identity provider (ownership.ts).
 */
import { appendEvents } from '../changes/events.ts';
import type { Db } from '../db/database.ts';
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
   * Refuse a change that would leave no administrator (the admin API). The CLI may: an operator
   * with the database can always make one again (`admins create`, or the setup link at start).
   */
  readonly keepAnAdministrator?: boolean;
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
 * Under `keepAnAdministrator`, throws when the user is the last administrator. Locks the
 * administrators' rows on PostgreSQL so that two concurrent demotions cannot both pass.
 */
async function checkNotLastAdministrator(
  trx: Db,
  context: DirectoryContext,
  userId: string,
): Promise<void> {
  let query = trx.selectFrom('user_roles').select(['user_id']).where('role', '=', 'admin');
  if (context.dialect === 'postgres') query = query.forUpdate();
  const admins = (await query.execute()).map((r) => r.user_id);
  if (admins.includes(userId) && admins.length === 1) {
    throw new DirectoryError(
      'last_administrator',
      'This is the last administrator: make another user an administrator first.',
    );
  }
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
    const user = await trx
      .selectFrom('users')
      .select(['id', 'user_name', 'origin', 'deprovisioned_at'])
      .where('id', '=', userId)
      .executeTakeFirst();
    if (!user || user.deprovisioned_at !== null) throw notFound('User', userId);
    if (options.keepAnAdministrator && role !== 'admin') {
      await checkNotLastAdministrator(trx, context, userId);
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
    if (options.keepAnAdministrator) await checkNotLastAdministrator(trx, context, userId);
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

/**
 * The console's rules for users. What an identity provider owns is read-only here (409
 * `idp_owned`, naming the connection): an IDP user's attributes, deletion and password belong to
 * the IdP. Roles are the platform's own and may be given to any user. The directory services
 * keep their own rules (unique userName, one transaction per change with its change-feed rows).
 */
import { listEvents } from '../changes/events.ts';
import type { Event } from '../changes/events.ts';
import type { Role } from '../db/tables.ts';
import type { DirectoryContext } from '../directory/context.ts';
import { grantRole, revokeRole } from '../directory/roles.service.ts';
import {
  createUser,
  deleteUser,
  findUser,
  groupsOf,
  updateUser,
} from '../directory/user.service.ts';
import type { User } from '../directory/user.service.ts';
import { scimUsers } from '../provisioning/scim-resources.ts';
import { normalizeResource } from '../scim/resource.ts';
import { userResourceType } from '../scim/schema.ts';
import { checkPassword, hashPassword, setPassword, storePasswordHash } from './credentials.ts';
import { AdminError, idpOwned, refuseIdpOwned } from './errors.ts';
import { idpOwner } from '../directory/ownership.ts';
import { pageOfUsers, usersWithExtras } from './user-list.repository.ts';
import type { UserListQuery } from './user-list.repository.ts';
import { mappingsOf, userResponse } from './views.ts';
import type { UserDetailResponse, UserResponse } from './views.ts';

/** What the console edits of a user; `null` clears an optional field. */
export interface UserInput {
  readonly userName?: string;
  readonly displayName?: string | null;
  readonly givenName?: string | null;
  readonly familyName?: string | null;
  readonly email?: string | null;
  readonly active?: boolean;
}

export async function listUserPage(
  context: Pick<DirectoryContext, 'db' | 'dialect'>,
  query: UserListQuery,
): Promise<{ total: number; items: UserResponse[] }> {
  const { total, rows } = await pageOfUsers(context.db, context.dialect, query);
  return { total, items: rows.map(userResponse) };
}

/** A user the platform lists (deprovisioned users have left it: not found). */
async function listedUser(context: Pick<DirectoryContext, 'db' | 'dialect'>, id: string) {
  const user = await findUser(context, id);
  if (!user || user.deprovisionedAt !== null) {
    throw new AdminError('not_found', `No user has the id ${JSON.stringify(id)}.`);
  }
  return user;
}

export async function getUserResponse(
  context: Pick<DirectoryContext, 'db' | 'dialect'>,
  id: string,
): Promise<UserResponse> {
  const [row] = await usersWithExtras(context.db, [id]);
  if (!row || row.deprovisioned_at !== null) {
    throw new AdminError('not_found', `No user has the id ${JSON.stringify(id)}.`);
  }
  return userResponse(row);
}

export async function getUserDetail(
  context: Pick<DirectoryContext, 'db' | 'dialect'>,
  id: string,
  scimBaseUrl: string,
): Promise<UserDetailResponse> {
  const summary = await getUserResponse(context, id);
  const user = await listedUser(context, id);
  const memberships = (await groupsOf(context, [id])).get(id) ?? [];
  const connectionIds = [
    ...new Set(memberships.flatMap((g) => (g.connectionId === null ? [] : [g.connectionId]))),
  ];
  const names = new Map(
    connectionIds.length === 0
      ? []
      : (
          await context.db
            .selectFrom('connections')
            .select(['id', 'name'])
            .where('id', 'in', connectionIds)
            .execute()
        ).map((c) => [c.id, c.name] as const),
  );
  const groups = memberships.map((g) => ({
    id: g.id,
    displayName: g.displayName,
    type: g.type,
    origin: g.origin,
    mappings: g.origin === null ? [] : mappingsOf(g.origin, g.localMapping),
    // A membership whose connection was deleted keeps its origin and loses the name.
    connection:
      g.connectionId !== null && names.has(g.connectionId)
        ? { id: g.connectionId, name: names.get(g.connectionId)! }
        : null,
  }));
  const [rendered] = await scimUsers.render(
    Object.assign({}, context, {
      actor: { kind: 'local', name: 'console' } as const,
      baseUrl: scimBaseUrl,
    }),
    [user],
    {},
  );
  return Object.assign({}, summary, {
    externalId: user.externalId,
    groups,
    scim: rendered!.body,
  });
}

/** Throws `idp_owned` when an identity provider owns the user (errors.ts). */
function refuseIdpOwnedUser(
  context: Pick<DirectoryContext, 'db'>,
  user: Pick<User, 'origin' | 'connectionId' | 'userName'>,
): Promise<void> {
  return refuseIdpOwned(context.db, {
    kind: 'User',
    name: user.userName,
    origin: user.origin,
    connectionId: user.connectionId,
  });
}

/** The user's SCIM data with the console's edits applied, validated as a SCIM PUT would be. */
function applyInput(current: Record<string, unknown>, input: UserInput): Record<string, unknown> {
  const next: Record<string, unknown> = structuredClone(current);
  const set = (key: string, value: string | null | undefined, into = next) => {
    if (value === undefined) return;
    if (value === null || value.trim() === '') delete into[key];
    else into[key] = value.trim();
  };
  if (input.userName !== undefined) next.userName = input.userName.trim();
  set('displayName', input.displayName);
  if (input.givenName !== undefined || input.familyName !== undefined) {
    const name = { ...((next.name ?? {}) as Record<string, unknown>) };
    set('givenName', input.givenName, name);
    set('familyName', input.familyName, name);
    if (Object.keys(name).length > 0) next.name = name;
    else delete next.name;
  }
  if (input.email !== undefined) {
    const emails = ((next.emails ?? []) as Record<string, unknown>[]).map((e) => ({ ...e }));
    const index = Math.max(
      0,
      emails.findIndex((e) => e.primary === true),
    );
    const value = input.email?.trim() ?? '';
    if (value === '') emails.splice(index, 1);
    else if (emails[index]) emails[index]!.value = value;
    else emails.push({ value, type: 'work', primary: true });
    if (emails.length > 0) next.emails = emails;
    else delete next.emails;
  }
  if (input.active !== undefined) next.active = input.active;
  return normalizeResource(userResourceType, next).data;
}

/** A LOCAL user, with a password if one is given (then they may sign in once given a role). */
export async function createLocalUser(
  context: DirectoryContext,
  input: UserInput & { readonly userName: string; readonly password?: string },
): Promise<UserResponse> {
  if (input.password !== undefined) checkPassword(input.password);
  const data = applyInput({ userName: input.userName, active: true }, input);
  // Hashed before anything is written: the slow part cannot fail half-way through.
  const passwordHash =
    input.password !== undefined ? await hashPassword(input.password) : undefined;
  const user = await createUser(context, data);
  if (passwordHash !== undefined) await storePasswordHash(context, user.id, passwordHash);
  return getUserResponse(context, user.id);
}

export async function updateLocalUser(
  context: DirectoryContext,
  id: string,
  input: UserInput,
): Promise<UserResponse> {
  const user = await listedUser(context, id);
  await refuseIdpOwnedUser(context, user);
  // Deactivated, the last administrator could no longer sign in, nor anyone else as one.
  await updateUser(
    context,
    id,
    (current) => {
      // Linked by an identity provider since the check above: refuse all the same.
      const owner = idpOwner(current.origin, current.connectionId);
      if (owner !== null) throw idpOwned('User', current.userName, { id: owner, name: owner });
      return applyInput(current.data, input);
    },
    { keepAnAdministrator: true },
  );
  return getUserResponse(context, id);
}

export async function deleteLocalUser(context: DirectoryContext, id: string): Promise<void> {
  const user = await listedUser(context, id);
  await refuseIdpOwnedUser(context, user);
  // Their sessions and password go with the row (ON DELETE CASCADE).
  await deleteUser(context, id, { keepAnAdministrator: true });
}

/** Sets a LOCAL user's password; every session of theirs ends, the caller's own included. */
export async function setLocalPassword(
  context: DirectoryContext,
  id: string,
  password: string,
): Promise<void> {
  checkPassword(password);
  const user = await listedUser(context, id);
  await refuseIdpOwnedUser(context, user);
  await setPassword(context, id, password);
}

/** Gives or takes away the console role; the last administrator keeps theirs (409). */
export async function setUserRole(
  context: DirectoryContext,
  id: string,
  role: Role | null,
): Promise<UserResponse> {
  await listedUser(context, id);
  if (role === null) await revokeRole(context, id, { keepAnAdministrator: true });
  else await grantRole(context, id, role, { keepAnAdministrator: true });
  return getUserResponse(context, id);
}

/** The change feed about the user, newest first. */
export async function eventsOfUser(
  context: Pick<DirectoryContext, 'db' | 'dialect'>,
  id: string,
  limit: number,
): Promise<Event[]> {
  await listedUser(context, id);
  // The user's own events and the membership changes that involve them.
  return listEvents(context.db, { involving: id, order: 'desc', limit });
}

/**
 * The console's rules for groups and memberships. An IDP group's name and existence belong to
 * its identity provider (409 `idp_owned`); its members are shared: the console adds `LOCAL`
 * memberships to any group and removes only those, while the IdP's mappings (`IDP`
 * memberships) are changed in the IdP. The IdP's own writes leave `LOCAL` memberships alone
 * (group.service.ts, scopeOf).
 */
import type { DirectoryContext } from '../directory/context.ts';
import { createGroup, deleteGroup, findGroup, updateGroup } from '../directory/group.service.ts';
import type { Group } from '../directory/group.service.ts';
import { normalizeResource } from '../scim/resource.ts';
import { groupResourceType } from '../scim/schema.ts';
import { AdminError, idpOwned, refuseIdpOwned } from './errors.ts';
import { idpOwner } from '../directory/ownership.ts';
import {
  findMembership,
  groupWithExtras,
  pageOfGroups,
  pageOfMembers,
} from './group-list.repository.ts';
import type { GroupListQuery, MemberListQuery } from './group-list.repository.ts';
import { groupResponse, memberResponse } from './views.ts';
import type { GroupResponse, MemberResponse } from './views.ts';

type ReadContext = Pick<DirectoryContext, 'db' | 'dialect'>;

export async function listGroupPage(
  context: ReadContext,
  query: GroupListQuery,
): Promise<{ total: number; items: GroupResponse[] }> {
  const { total, rows } = await pageOfGroups(context.db, context.dialect, query);
  return { total, items: rows.map(groupResponse) };
}

export async function getGroupResponse(context: ReadContext, id: string): Promise<GroupResponse> {
  const row = await groupWithExtras(context.db, id);
  if (!row) throw groupNotFound(id);
  return groupResponse(row);
}

function groupNotFound(id: string) {
  return new AdminError('not_found', `No group has the id ${JSON.stringify(id)}.`);
}

async function existingGroup(context: ReadContext, id: string): Promise<Group> {
  const group = await findGroup(context, id);
  if (!group) throw groupNotFound(id);
  return group;
}

/** Throws `idp_owned` when an identity provider owns the group (errors.ts). */
function refuseIdpOwnedGroup(context: ReadContext, group: Group): Promise<void> {
  return refuseIdpOwned(context.db, {
    kind: 'Group',
    name: group.displayName,
    origin: group.origin,
    connectionId: group.connectionId,
  });
}

export async function createLocalGroup(
  context: DirectoryContext,
  displayName: string,
): Promise<GroupResponse> {
  const { data } = normalizeResource(groupResourceType, { displayName: displayName.trim() });
  const group = await createGroup(context, data);
  return getGroupResponse(context, group.id);
}

export async function renameLocalGroup(
  context: DirectoryContext,
  id: string,
  displayName: string,
): Promise<GroupResponse> {
  await refuseIdpOwnedGroup(context, await existingGroup(context, id));
  await updateGroup(context, id, (current) => {
    // Linked by an identity provider since the check above: refuse all the same.
    const owner = idpOwner(current.origin, current.connectionId);
    if (owner !== null) throw idpOwned('Group', current.displayName, { id: owner, name: owner });
    const { data } = normalizeResource(
      groupResourceType,
      Object.assign({}, current.data, { displayName: displayName.trim() }),
    );
    return { data };
  });
  return getGroupResponse(context, id);
}

export async function deleteLocalGroup(context: DirectoryContext, id: string): Promise<void> {
  await refuseIdpOwnedGroup(context, await existingGroup(context, id));
  await deleteGroup(context, id);
}

export async function listMemberPage(
  context: ReadContext,
  groupId: string,
  query: MemberListQuery,
): Promise<{ total: number; items: MemberResponse[] }> {
  await existingGroup(context, groupId);
  const { total, rows } = await pageOfMembers(context.db, context.dialect, groupId, query);
  return { total, items: rows.map(memberResponse) };
}

/** Adds a LOCAL membership to any group, IDP groups included. */
export async function addLocalMember(
  context: DirectoryContext,
  groupId: string,
  memberId: string,
): Promise<{ memberId: string; membershipOrigin: 'LOCAL' }> {
  const group = await existingGroup(context, groupId);
  const user = await context.db
    .selectFrom('users')
    .select(['id', 'deprovisioned_at'])
    .where('id', '=', memberId)
    .executeTakeFirst();
  const isGroup = !user && (await findGroup(context, memberId)) !== undefined;
  if ((!user || user.deprovisioned_at !== null) && !isGroup) {
    throw new AdminError('not_found', `No user or group has the id ${JSON.stringify(memberId)}.`);
  }
  const existing = await findMembership(context.db, groupId, memberId);
  if (existing) {
    throw new AdminError(
      'conflict',
      `${JSON.stringify(memberId)} is already a member of ${JSON.stringify(group.displayName)} (membership origin ${existing.origin}).`,
    );
  }
  await updateGroup(context, groupId, (current) => ({
    data: current.data,
    members: [{ kind: 'add', members: [{ value: memberId }] }],
  }));
  return { memberId, membershipOrigin: 'LOCAL' };
}

/** Removes a LOCAL membership; an identity provider's mapping stays (409 `idp_owned`). */
export async function removeLocalMember(
  context: DirectoryContext,
  groupId: string,
  memberId: string,
): Promise<void> {
  const group = await existingGroup(context, groupId);
  // A user the identity provider deprovisioned is gone from the platform, memberships included,
  // until restored with them: as for an add, there is no such member to remove.
  const user = await context.db
    .selectFrom('users')
    .select('deprovisioned_at')
    .where('id', '=', memberId)
    .executeTakeFirst();
  if (user && user.deprovisioned_at !== null) {
    throw new AdminError('not_found', `No user or group has the id ${JSON.stringify(memberId)}.`);
  }
  const membership = await findMembership(context.db, groupId, memberId);
  if (!membership) {
    throw new AdminError(
      'not_found',
      `${JSON.stringify(memberId)} is not a member of ${JSON.stringify(group.displayName)}.`,
    );
  }
  const owner = idpOwner(membership.origin, membership.connection_id);
  if (owner !== null) {
    const connection = { id: owner, name: membership.connection_name ?? owner };
    throw new AdminError(
      'idp_owned',
      `This membership of ${JSON.stringify(group.displayName)} is mapped by the connection ${JSON.stringify(connection.name)}: remove it in the identity provider.`,
      { connection },
    );
  }
  await updateGroup(context, groupId, (current) => ({
    data: current.data,
    // Only a membership of the origin checked above: an IdP's mapping made meanwhile stays.
    members: [
      {
        kind: 'remove',
        ids: [memberId],
        scope: { origin: membership.origin, connectionId: null },
      },
    ],
  }));
}

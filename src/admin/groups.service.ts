/**
 * The console's rules for groups and memberships. An IDP group's name and existence belong to
 * its identity provider (409 `idp_owned`); its members are shared: a membership is held by the
 * IdP's mapping, a LOCAL one (the console's or the CLI's), or both. The console adds and removes
 * LOCAL mappings on any group, while the IdP's mappings are changed in the IdP; the IdP's own
 * writes leave LOCAL mappings alone (group.service.ts, scopeOf).
 */
import type { Origin } from '../db/tables.ts';
import type { DirectoryContext } from '../directory/context.ts';
import { DirectoryError } from '../directory/errors.ts';
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
import { groupResponse, mappingsOf, memberResponse } from './views.ts';
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

/**
 * Adds a LOCAL mapping to any group's member, IDP groups included: a membership where there was
 * none, or a second mapping beside the identity provider's, which keeps the member in the group
 * when the IdP removes them. One the member holds already is a conflict, decided in the write's
 * transaction.
 */
export async function addLocalMember(
  context: DirectoryContext,
  groupId: string,
  memberId: string,
): Promise<{ memberId: string; membershipOrigin: Origin; mappings: Origin[] }> {
  const group = await existingGroup(context, groupId);
  const user = await context.db
    .selectFrom('users')
    .select(['id', 'user_name', 'deprovisioned_at'])
    .where('id', '=', memberId)
    .executeTakeFirst();
  const memberGroup = user ? undefined : await findGroup(context, memberId);
  if ((!user || user.deprovisioned_at !== null) && !memberGroup) {
    throw new AdminError('not_found', `No user or group has the id ${JSON.stringify(memberId)}.`);
  }
  try {
    await updateGroup(context, groupId, (current) => ({
      data: current.data,
      members: [{ kind: 'add', members: [{ value: memberId }], strict: true }],
    }));
  } catch (error) {
    if (!(error instanceof DirectoryError) || error.code !== 'mapping_exists') throw error;
    throw new AdminError(
      'conflict',
      `${JSON.stringify(user?.user_name ?? memberGroup?.displayName ?? memberId)} is already a member of ${JSON.stringify(group.displayName)} with a LOCAL mapping.`,
    );
  }
  const after = await findMembership(context.db, groupId, memberId);
  const origin = after?.origin ?? 'LOCAL';
  return {
    memberId,
    membershipOrigin: origin,
    mappings: mappingsOf(origin, Number(after?.local_mapping ?? 1) === 1),
  };
}

/**
 * Removes a member's LOCAL mapping: the membership ends, unless the identity provider maps it
 * too (then it stays, the IdP's). An orphaned IDP mapping (its connection deleted: no identity
 * provider stands behind it) goes too. A membership a connection maps alone is that identity
 * provider's to remove (409 `idp_owned`). Decided in the write's transaction.
 */
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
  try {
    await updateGroup(context, groupId, (current) => ({
      data: current.data,
      members: [
        {
          kind: 'remove',
          ids: [memberId],
          scope: { origin: 'LOCAL', connectionId: null, orphans: true },
          strict: true,
        },
      ],
    }));
  } catch (error) {
    if (!(error instanceof DirectoryError) || error.code !== 'mapping_not_held') throw error;
    // Why nothing was removed: the identity provider maps the membership alone, or there is none.
    const membership = await findMembership(context.db, groupId, memberId);
    const owner = membership ? idpOwner(membership.origin, membership.connection_id) : null;
    if (owner === null) {
      throw new AdminError(
        'not_found',
        `${JSON.stringify(memberId)} is not a member of ${JSON.stringify(group.displayName)}.`,
      );
    }
    const connection = { id: owner, name: membership?.connection_name ?? owner };
    throw new AdminError(
      'idp_owned',
      `This membership of ${JSON.stringify(group.displayName)} is mapped by the connection ${JSON.stringify(connection.name)}: remove it in the identity provider.`,
      { connection },
    );
  }
}

/**
 * The rules for groups and their memberships: unique displayName (case-insensitively), members
 * that exist, no cycles of nested groups, the mappings that hold a membership (the IdP's, a
 * LOCAL one or both), and membership changes that cost O(members changed) whatever the group's
 * size.
 */
import { appendEvents } from '../changes/events.ts';
import type { ChangeEvent } from '../changes/events.ts';
import type { Db } from '../db/database.ts';
import type { MemberType } from '../db/tables.ts';
import { uuidv7 } from '../lib/ids.ts';
import type { Filter } from '../scim/filter-ast.ts';
import { connectionIdOf, describeActor, originOf, policyOf } from './actor.ts';
import type { DirectoryContext } from './context.ts';
import { checkIfMatch, inTransaction, isUniqueViolation, nowOf } from './context.ts';
import { DirectoryError, notFound } from './errors.ts';
import { compileMemberCondition } from './filter-sql.ts';
import { claimFor, idpOwner } from './ownership.ts';
import {
  deleteMemberships,
  deleteMembershipsOf,
  existingGroups,
  lockGroupNesting,
  findGroupIdByDisplayName,
  findGroupRow,
  readGroupRow,
  groupColumns,
  groupsContaining,
  insertMemberships,
  listGroupRows,
  membersOfGroups,
  memberTypesOf,
  renameMember,
  scopedMembers,
  toGroup,
} from './group.repository.ts';
import type {
  Group,
  Member,
  MembershipOutcome,
  MembershipScope,
  NewMembership,
} from './group.repository.ts';
import type { ListQuery, Page } from './listing.ts';
import { listWithCaches } from './listing.ts';
import { changedKeys } from './user.service.ts';
import type { WriteOptions } from './user.service.ts';

export type { Group, Member };

export interface MemberInput {
  readonly value: string;
  readonly type?: MemberType;
}

/** A change to a group's members, applied in order (what a PATCH or a PUT asks for). */
export type MembershipChange =
  | {
      readonly kind: 'add';
      readonly members: readonly MemberInput[];
      /** Each member must gain the mapping: one it holds already is `mapping_exists`. */
      readonly strict?: boolean;
    }
  | {
      readonly kind: 'remove';
      readonly ids: readonly string[];
      /** A local operator's removal of this mapping only (the admin API's: the LOCAL one). */
      readonly scope?: MembershipScope;
      /** Each member must lose a mapping: one the removal does not touch is `mapping_not_held`. */
      readonly strict?: boolean;
    }
  | { readonly kind: 'removeWhere'; readonly filter: Filter }
  | { readonly kind: 'removeAll' }
  /** Make the members (of the actor's scope) exactly these: a PUT with `members`. */
  | { readonly kind: 'set'; readonly members: readonly MemberInput[] };

export interface GroupChange {
  readonly data: Record<string, unknown>;
  readonly members?: readonly MembershipChange[];
}

function displayNameTaken(displayName: string, existingId: string | undefined) {
  return new DirectoryError(
    'display_name_taken',
    `A group named ${JSON.stringify(displayName)} already exists${existingId ? ` (${existingId})` : ''}.`,
  );
}

export async function createGroup(
  context: DirectoryContext,
  data: Record<string, unknown>,
  members: readonly MemberInput[] = [],
): Promise<Group> {
  const now = nowOf(context);
  const id = uuidv7();
  const displayName = String(data.displayName);
  try {
    return await inTransaction(context, async (trx) => {
      // No look-up first: the unique index on display_name_lc decides (see the catch below).
      const row = {
        id,
        ...groupColumns(data),
        origin: originOf(context.actor),
        connection_id: connectionIdOf(context.actor),
        created_at: now,
        updated_at: now,
        version: 1,
      };
      await trx.insertInto('groups').values(row).execute();
      const events: ChangeEvent[] = [
        groupEvent('group.created', id, context, { displayName, origin: row.origin }),
      ];
      if (members.length > 0) {
        events.push(...(await addMembers(trx, context, id, members, now)));
      }
      await appendEvents(trx, events, now);
      return toGroup(row);
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const existing = await findGroupIdByDisplayName(context.db, displayName);
    const linked = existing ? await linkOnCreate(context, existing, data, members) : undefined;
    if (linked) return linked;
    throw displayNameTaken(displayName, existing);
  }
}

/**
 * A connection's create for the displayName of a LOCAL group links that group when its policy
 * says so (Okta's "link pushed group" to an existing group does the same through a write).
 * Its LOCAL mappings stay; the create's members get this connection's mapping too.
 */
async function linkOnCreate(
  context: DirectoryContext,
  id: string,
  data: Record<string, unknown>,
  members: readonly MemberInput[],
): Promise<Group | undefined> {
  const { actor } = context;
  if (actor.kind !== 'connection' || !policyOf(actor).linkLocal) return undefined;
  const row = await findGroupRow(context.db, context.dialect, id);
  if (!row || idpOwner(row.origin, row.connection_id) !== null) return undefined;
  // Checked again on the row as the write reads it, locked: of creates at once, one links.
  return updateGroup(context, id, (current) => {
    if (idpOwner(current.origin, current.connectionId) !== null) {
      throw displayNameTaken(row.display_name, id);
    }
    return {
      data: Object.assign({}, current.data, data),
      members: members.length > 0 ? [{ kind: 'set', members }] : [],
    };
  });
}

export async function findGroup(context: Pick<DirectoryContext, 'db' | 'dialect'>, id: string) {
  const row = await readGroupRow(context.db, context.dialect, id);
  return row ? toGroup(row) : undefined;
}

export async function getGroup(
  context: Pick<DirectoryContext, 'db' | 'dialect'>,
  id: string,
): Promise<Group> {
  const group = await findGroup(context, id);
  if (!group) throw notFound('Group', id);
  return group;
}

export async function findGroupByIdOrName(
  context: Pick<DirectoryContext, 'db' | 'dialect'>,
  key: string,
) {
  const byId = await findGroup(context, key);
  if (byId) return byId;
  const id = await findGroupIdByDisplayName(context.db, key);
  return id ? findGroup(context, id) : undefined;
}

/**
 * Changes a group: `change` receives the current group (locked on PostgreSQL) and returns its
 * new data and the membership changes. The version moves only when something changed.
 */
export async function updateGroup(
  context: DirectoryContext,
  id: string,
  change: (current: Group) => GroupChange,
  options: WriteOptions = {},
): Promise<Group> {
  const now = nowOf(context);
  let wantedName = '';
  try {
    return await inTransaction(context, async (trx) => {
      const row = await findGroupRow(trx, context.dialect, id, true);
      if (!row) throw notFound('Group', id);
      const claim = await claimFor(trx, context.actor, 'Group', row);
      const current = toGroup(row);
      checkIfMatch('Group', id, current.version, options.ifMatch);
      const { data, members = [] } = change(current);
      const events: ChangeEvent[] = [];
      if (claim === 'link') {
        events.push(
          groupEvent('group.linked', id, context, {
            displayName: current.displayName,
            previousOrigin: row.origin,
          }),
        );
      }
      const changed = changedKeys(current.data, data);
      const columns = groupColumns(data);
      wantedName = columns.display_name;
      if (changed.length > 0) {
        if (columns.display_name_lc !== row.display_name_lc) {
          const other = await findGroupIdByDisplayName(trx, columns.display_name);
          if (other && other !== id) throw displayNameTaken(columns.display_name, other);
          await renameMember(trx, id, columns.display_name_lc);
        }
        events.push(
          groupEvent('group.updated', id, context, { displayName: columns.display_name, changed }),
        );
      }
      for (const membershipChange of members) {
        events.push(...(await applyMembershipChange(trx, context, id, membershipChange, now)));
      }
      if (events.length === 0) return current;
      const version = current.version + 1;
      const values = Object.assign(
        {},
        changed.length > 0 ? columns : {},
        claim === 'link'
          ? { origin: originOf(context.actor), connection_id: connectionIdOf(context.actor) }
          : {},
        { updated_at: now, version },
      );
      await trx.updateTable('groups').set(values).where('id', '=', id).execute();
      await appendEvents(trx, events, now);
      return toGroup(Object.assign({}, row, values));
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw displayNameTaken(wantedName, undefined);
    throw error;
  }
}

export async function deleteGroup(
  context: DirectoryContext,
  id: string,
  options: WriteOptions = {},
): Promise<void> {
  const now = nowOf(context);
  await inTransaction(context, async (trx) => {
    const row = await findGroupRow(trx, context.dialect, id, true);
    if (!row) throw notFound('Group', id);
    // A connection deletes only its own groups: a delete never links.
    if ((await claimFor(trx, context.actor, 'Group', row)) !== 'own') throw notFound('Group', id);
    checkIfMatch('Group', id, Number(row.version), options.ifMatch);
    // Its own memberships go with it (ON DELETE CASCADE); its place in other groups goes here,
    // with the change-feed rows that a consumer mirroring memberships needs.
    await lockGroupNesting(trx, context.dialect);
    const left = await deleteMembershipsOf(trx, id);
    await trx.deleteFrom('groups').where('id', '=', id).execute();
    await appendEvents(
      trx,
      [
        ...left.map((m) =>
          groupEvent('group.member_removed', m.groupId, context, {
            memberId: id,
            memberType: m.memberType,
          }),
        ),
        groupEvent('group.deleted', id, context, { displayName: row.display_name }),
      ],
      now,
    );
  });
}

export async function listGroups(
  context: Pick<DirectoryContext, 'db' | 'dialect'>,
  query: ListQuery,
): Promise<Page<Group>> {
  const page = await listWithCaches(context.db, 'Group', query, (shortcuts) =>
    listGroupRows(context.db, context.dialect, query, shortcuts),
  );
  return { total: page.total, items: page.items.map(toGroup) };
}

/**
 * The members of groups; more than `limit` in all is a `too_many` error. The platform's views
 * hide deprovisioned users (their memberships are withdrawn until a restore).
 */
export async function membersOf(
  context: Pick<DirectoryContext, 'db'>,
  groupIds: readonly string[],
  limit?: number,
  options: { readonly hideDeprovisioned?: boolean } = {},
) {
  return membersOfGroups(context.db, groupIds, limit, options.hideDeprovisioned);
}

/**
 * The mapping a connection's writes add and remove: its own IDP mapping. A LOCAL mapping (made
 * in the console or the CLI) stays whatever the identity provider sends; a local operator's
 * removal touches all mappings unless it names one (the admin API's: the LOCAL one).
 */
function scopeOf(context: DirectoryContext): MembershipScope | undefined {
  return context.actor.kind === 'connection'
    ? { origin: 'IDP', connectionId: context.actor.connectionId }
    : undefined;
}

/** The mapping an add by this actor gives: its connection's, or the LOCAL one. */
function mappingOf(context: DirectoryContext): MembershipScope {
  return scopeOf(context) ?? { origin: 'LOCAL', connectionId: null };
}

async function applyMembershipChange(
  trx: Db,
  context: DirectoryContext,
  groupId: string,
  change: MembershipChange,
  now: string,
): Promise<ChangeEvent[]> {
  switch (change.kind) {
    case 'add': {
      const events = await addMembers(trx, context, groupId, change.members, now);
      if (change.strict) {
        refuseUntouched(
          events,
          change.members.map((m) => m.value),
          'mapping_exists',
        );
      }
      return events;
    }
    case 'remove': {
      const scope = scopeOf(context) ?? change.scope;
      const events = removedEvents(
        context,
        groupId,
        scope,
        await deleteMemberships(trx, groupId, {
          ids: unique(change.ids),
          ...(scope ? { scope } : {}),
        }),
      );
      if (change.strict) refuseUntouched(events, change.ids, 'mapping_not_held');
      return events;
    }
    case 'removeWhere': {
      const scope = scopeOf(context);
      return removedEvents(
        context,
        groupId,
        scope,
        await deleteMemberships(trx, groupId, {
          condition: compileMemberCondition(change.filter, context.dialect),
          ...(scope ? { scope } : {}),
        }),
      );
    }
    case 'removeAll': {
      const scope = scopeOf(context);
      return removedEvents(
        context,
        groupId,
        scope,
        await deleteMemberships(trx, groupId, scope ? { scope } : {}),
      );
    }
    case 'set': {
      const scope = scopeOf(context);
      const held = await scopedMembers(trx, groupId, scope);
      const wanted = new Map(change.members.map((m) => [m.value, m]));
      const gone = held.filter((m) => !wanted.has(m.id)).map((m) => m.id);
      // Orphaned mappings the list names are added, so the connection takes them over.
      const current = new Set(held.filter((m) => m.own).map((m) => m.id));
      const events = removedEvents(
        context,
        groupId,
        scope,
        await deleteMemberships(trx, groupId, { ids: gone, ...(scope ? { scope } : {}) }),
      );
      const fresh = [...wanted.values()].filter((m) => !current.has(m.value));
      events.push(...(await addMembers(trx, context, groupId, fresh, now)));
      return events;
    }
  }
}

async function addMembers(
  trx: Db,
  context: DirectoryContext,
  groupId: string,
  members: readonly MemberInput[],
  now: string,
): Promise<ChangeEvent[]> {
  if (members.length === 0) return [];
  const wanted = new Map<string, MemberInput>();
  for (const member of members) wanted.set(member.value, member);
  const types = await memberTypesOf(trx, context.dialect, [...wanted.keys()]);
  const unknown = [...wanted.keys()].filter((id) => !types.has(id));
  if (unknown.length > 0) {
    const shown = unknown
      .slice(0, 20)
      .map((id) => JSON.stringify(id))
      .join(', ');
    throw new DirectoryError(
      'unknown_members',
      `No user or group has the id ${shown}${unknown.length > 20 ? ` (and ${unknown.length - 20} more)` : ''}; nothing was changed.`,
    );
  }
  const resolved: NewMembership[] = [];
  for (const [id, member] of wanted) {
    const { type: actual, nameLc } = types.get(id)!;
    if (member.type !== undefined && member.type !== actual) {
      throw new DirectoryError(
        'invalid_member',
        `Member ${JSON.stringify(id)} is a ${actual}, not a ${member.type}.`,
      );
    }
    resolved.push({ memberId: id, memberType: actual, nameLc });
  }
  const nested = resolved.filter((m) => m.memberType === 'Group').map((m) => m.memberId);
  if (nested.length > 0) {
    await lockGroupNesting(trx, context.dialect);
    // Under the lock: a group deleted meanwhile is gone now.
    const still = new Set(await existingGroups(trx, nested));
    const vanished = nested.filter((id) => !still.has(id));
    if (vanished.length > 0) {
      throw new DirectoryError(
        'unknown_members',
        `No user or group has the id ${vanished.map((id) => JSON.stringify(id)).join(', ')}; nothing was changed.`,
      );
    }
  }
  const cyclic = await groupsContaining(trx, groupId, nested);
  if (cyclic.length > 0) {
    throw new DirectoryError(
      'membership_cycle',
      `Adding group ${cyclic.map((id) => JSON.stringify(id)).join(', ')} to group ${JSON.stringify(groupId)} would make a cycle of nested groups.`,
    );
  }
  const mapping = mappingOf(context);
  const { changed, remapped } = await insertMemberships(trx, groupId, resolved, mapping, now);
  return [
    ...changed.map((m) =>
      groupEvent('group.member_added', groupId, context, {
        memberId: m.memberId,
        memberType: m.memberType,
        origin: mapping.origin,
      }),
    ),
    ...remapped.map((m) => mappingEvent(context, groupId, m, mapping, 'added')),
  ];
}

/**
 * The events of a removal: `group.member_removed` for the memberships that end,
 * `group.membership_updated` for those the other mapping keeps.
 */
function removedEvents(
  context: DirectoryContext,
  groupId: string,
  scope: MembershipScope | undefined,
  { changed, remapped }: MembershipOutcome,
): ChangeEvent[] {
  return [
    ...changed.map((m) =>
      groupEvent('group.member_removed', groupId, context, {
        memberId: m.memberId,
        memberType: m.memberType,
      }),
    ),
    ...(scope ? remapped.map((m) => mappingEvent(context, groupId, m, scope, 'removed')) : []),
  ];
}

/** A membership that stays, held now by one more or one fewer mapping. */
function mappingEvent(
  context: DirectoryContext,
  groupId: string,
  member: NewMembership,
  mapping: MembershipScope,
  change: 'added' | 'removed',
): ChangeEvent {
  return groupEvent('group.membership_updated', groupId, context, {
    memberId: member.memberId,
    memberType: member.memberType,
    mapping: mapping.origin,
    change,
  });
}

/**
 * For a strict change (the console's, one member at a time): throws when a member's mapping did
 * not come or go, decided in the write's transaction (a check before it would let two requests
 * at once both pass).
 */
function refuseUntouched(
  events: readonly ChangeEvent[],
  ids: readonly string[],
  code: 'mapping_exists' | 'mapping_not_held',
): void {
  const touched = new Set(events.map((e) => (e.summary as { memberId?: unknown }).memberId));
  const untouched = ids.filter((id) => !touched.has(id));
  if (untouched.length === 0) return;
  throw new DirectoryError(
    code,
    code === 'mapping_exists'
      ? `Member ${untouched.map((id) => JSON.stringify(id)).join(', ')} has this mapping already.`
      : `Member ${untouched.map((id) => JSON.stringify(id)).join(', ')} holds no mapping that this removal takes away.`,
  );
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

function groupEvent(
  type: ChangeEvent['type'],
  id: string,
  context: DirectoryContext,
  summary: Record<string, unknown>,
): ChangeEvent {
  return {
    type,
    resourceType: 'Group',
    resourceId: id,
    actor: describeActor(context.actor),
    summary,
    // A membership change involves its member too: the member's history lists it.
    ...(typeof summary.memberId === 'string' ? { relatedId: summary.memberId } : {}),
  };
}

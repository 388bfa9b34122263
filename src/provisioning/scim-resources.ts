/**
 * SCIM Users and Groups over the directory: wire bodies in, wire representations out. The HTTP
 * routes stay one line each; the directory services keep the rules; the pure SCIM library
 * validates bodies and interprets PATCH.
 */
import type { DirectoryContext } from '../directory/context.ts';
import { etagOf } from '../directory/context.ts';
import {
  createGroup,
  deleteGroup,
  getGroup,
  listGroups,
  membersOf,
  updateGroup,
} from '../directory/group.service.ts';
import type { Group, MembershipChange } from '../directory/group.service.ts';
import type { ListQuery, Page } from '../directory/listing.ts';
import {
  createUser,
  deleteUser,
  getUser,
  groupsOf,
  listUsers,
  updateUser,
} from '../directory/user.service.ts';
import type { User, UserGroup } from '../directory/user.service.ts';
import { normalizeRequest } from '../scim/dialects.ts';
import type { DialectName, RequestToNormalize } from '../scim/dialects.ts';
import { applyPatch, parsePatchRequest } from '../scim/patch.ts';
import { normalizeResource, projectResource } from '../scim/resource.ts';
import { groupResourceType, SCHEMA, userResourceType } from '../scim/schema.ts';
import type { ResourceTypeDefinition } from '../scim/schema.ts';

export type ScimResource = Record<string, unknown>;

export interface Projection {
  readonly attributes?: string[];
  readonly excludedAttributes?: string[];
}

export interface ScimContext extends DirectoryContext {
  /** `https://host/scim/v2`: for `meta.location` and `$ref`. */
  readonly baseUrl: string;
  /** Most group members one response lists; beyond it the request is 400 tooMany. */
  readonly maxMembersPerResponse?: number;
  /**
   * The SCIM client's dialect: how its bodies are put in RFC 7644 form (default `generic`).
   * Not `dialect`, which DirectoryContext uses for the database's.
   */
  readonly clientDialect?: DialectName;
  /** Receives the names of the normalisations a request needed, for the provisioning log. */
  readonly normalizations?: string[];
}

/** The request body in RFC 7644 form, as the context's dialect rewrites it. */
function rfcBody(
  context: ScimContext,
  resourceType: RequestToNormalize['resourceType'],
  operation: RequestToNormalize['operation'],
  body: unknown,
  id?: string,
): unknown {
  const normalized = normalizeRequest(context.clientDialect ?? 'generic', {
    resourceType,
    operation,
    ...(id !== undefined ? { id } : {}),
    body,
  });
  context.normalizations?.push(...normalized.applied);
  return normalized.body;
}

/** A resource as the HTTP layer needs it: its representation and its ETag. */
export interface Rendered {
  readonly id: string;
  readonly etag: string;
  readonly body: ScimResource;
}

/**
 * Whether a projection returns an attribute with `returned: default`: the test that lets a
 * request with `excludedAttributes=members` skip the membership table altogether.
 */
export function returns(projection: Projection, name: string): boolean {
  const lower = name.toLowerCase();
  const mentions = (list: readonly string[]) =>
    list.some((item) => {
      const i = item.toLowerCase();
      const bare = i.slice(i.lastIndexOf(':') + 1);
      return bare === lower || bare.startsWith(lower + '.');
    });
  if (projection.attributes) return mentions(projection.attributes);
  return !(projection.excludedAttributes && mentions(projection.excludedAttributes));
}

function meta(
  resourceType: string,
  location: string,
  item: { createdAt: string; updatedAt: string; version: number },
) {
  return {
    resourceType,
    created: item.createdAt,
    lastModified: item.updatedAt,
    location,
    version: etagOf(item.version),
  };
}

/** The operations Users and Groups share, so the routes are written once. */
export interface ScimResourceKind<T extends { id: string; version: number }> {
  readonly resourceType: ResourceTypeDefinition;
  get(context: ScimContext, id: string): Promise<T>;
  list(context: ScimContext, query: ListQuery): Promise<Page<T>>;
  create(context: ScimContext, body: unknown): Promise<T>;
  replace(context: ScimContext, id: string, body: unknown, ifMatch?: string): Promise<T>;
  patch(
    context: ScimContext,
    id: string,
    body: unknown,
    ifMatch?: string,
  ): Promise<{ item: T; membersChanged: boolean }>;
  remove(context: ScimContext, id: string, ifMatch?: string): Promise<void>;
  /** Renders several at once: their groups or members are read in one query, and only if wanted. */
  render(
    context: ScimContext,
    items: readonly T[],
    projection: Projection,
    /** `created`: the items were made by this request, so nothing refers to them yet. */
    options?: { readonly created?: boolean },
  ): Promise<Rendered[]>;
}

/**
 * Applies `attributes`/`excludedAttributes`. Without them, a representation built here is
 * returned as it is: it holds no `returned: never` attribute (the password is never stored),
 * no `returned: request` one (the schemas have none) and no empty value.
 */
function project(
  resourceType: ResourceTypeDefinition,
  body: ScimResource,
  projection: Projection,
): ScimResource {
  if (!projection.attributes && !projection.excludedAttributes) return body;
  return projectResource(resourceType, body, projection);
}

const opts = (ifMatch: string | undefined) => (ifMatch === undefined ? {} : { ifMatch });

export const scimUsers: ScimResourceKind<User> = {
  resourceType: userResourceType,
  get: (context, id) => getUser(context, id),
  list: (context, query) => listUsers(context, query),
  // `password` is accepted and dropped: Gatehouse users sign in through the identity provider.
  create: (context, body) =>
    createUser(
      context,
      normalizeResource(userResourceType, rfcBody(context, 'User', 'create', body)).data,
    ),
  replace: (context, id, body, ifMatch) => {
    const { data } = normalizeResource(
      userResourceType,
      rfcBody(context, 'User', 'replace', body, id),
    );
    return updateUser(context, id, () => data, opts(ifMatch));
  },
  patch: async (context, id, body, ifMatch) => {
    const operations = parsePatchRequest(rfcBody(context, 'User', 'patch', body, id));
    const item = await updateUser(
      context,
      id,
      (current) => applyPatch(userResourceType, { id, data: current.data }, operations).data,
      opts(ifMatch),
    );
    return { item, membersChanged: false };
  },
  remove: (context, id, ifMatch) => deleteUser(context, id, opts(ifMatch)),
  render: async (context, users, projection, options = {}) => {
    // A user made by this very request, or read by a list that saw no membership, is in no
    // group: no need to ask.
    const inSome = options.created ? [] : users.filter((u) => u.inGroups !== false);
    const groups = returns(projection, 'groups')
      ? inSome.length > 0
        ? await groupsOf(
            context,
            inSome.map((u) => u.id),
          )
        : new Map<string, UserGroup[]>()
      : undefined;
    return users.map((user) => {
      const location = `${context.baseUrl}/Users/${user.id}`;
      const { userName, externalId, ...rest } = user.data;
      const body: ScimResource = {
        schemas: [
          SCHEMA.user,
          ...(SCHEMA.enterpriseUser in user.data ? [SCHEMA.enterpriseUser] : []),
        ],
        id: user.id,
        ...(externalId !== undefined ? { externalId } : {}),
        userName,
        ...rest,
      };
      const userGroups = groups?.get(user.id);
      // An empty list is no value (RFC 7643 §2.5): a user in no group has no `groups`.
      if (userGroups && userGroups.length > 0) {
        body.groups = userGroups.map((g) => ({
          value: g.id,
          $ref: `${context.baseUrl}/Groups/${g.id}`,
          display: g.displayName,
          type: g.type,
        }));
      }
      body.meta = meta('User', location, user);
      return {
        id: user.id,
        etag: etagOf(user.version),
        body: project(userResourceType, body, projection),
      };
    });
  },
};

/**
 * A `replace` of `members` arrives as "remove all, then add these": fold it into one `set`, so
 * that members who stay are not removed and added again (and a replace with the current list
 * changes nothing, version and change feed included).
 */
function membershipChanges(
  changes: ReturnType<typeof applyPatch>['memberChanges'],
): MembershipChange[] {
  const out: MembershipChange[] = [];
  for (let i = 0; i < changes.length; i++) {
    const change = changes[i]!;
    const next = changes[i + 1];
    if (change.kind === 'removeAll' && next?.kind === 'add') {
      out.push({ kind: 'set', members: next.members });
      i++;
    } else {
      out.push(change);
    }
  }
  return out;
}

export const scimGroups: ScimResourceKind<Group> = {
  resourceType: groupResourceType,
  get: (context, id) => getGroup(context, id),
  list: (context, query) => listGroups(context, query),
  create: (context, body) => {
    const { data, members = [] } = normalizeResource(
      groupResourceType,
      rfcBody(context, 'Group', 'create', body),
    );
    return createGroup(context, data, members);
  },
  replace: (context, id, body, ifMatch) => {
    const { data, members } = normalizeResource(
      groupResourceType,
      rfcBody(context, 'Group', 'replace', body, id),
    );
    // RFC 7644 §3.5.1 lets a PUT that omits `members` leave them as they are ("not asserted");
    // `"members": []` empties the group (of this connection's memberships).
    const changes: MembershipChange[] = members === undefined ? [] : [{ kind: 'set', members }];
    return updateGroup(context, id, () => ({ data, members: changes }), opts(ifMatch));
  },
  patch: async (context, id, body, ifMatch) => {
    const operations = parsePatchRequest(rfcBody(context, 'Group', 'patch', body, id));
    let membersChanged = false;
    const item = await updateGroup(
      context,
      id,
      (current) => {
        const result = applyPatch(groupResourceType, { id, data: current.data }, operations);
        membersChanged = result.memberChanges.length > 0;
        return { data: result.data, members: membershipChanges(result.memberChanges) };
      },
      opts(ifMatch),
    );
    return { item, membersChanged };
  },
  remove: (context, id, ifMatch) => deleteGroup(context, id, opts(ifMatch)),
  render: async (context, groups, projection) => {
    const members = returns(projection, 'members')
      ? await membersOf(
          context,
          groups.map((g) => g.id),
          context.maxMembersPerResponse,
        )
      : undefined;
    return groups.map((group) => {
      const location = `${context.baseUrl}/Groups/${group.id}`;
      const { displayName, externalId, ...rest } = group.data;
      const body: ScimResource = {
        schemas: [SCHEMA.group],
        id: group.id,
        ...(externalId !== undefined ? { externalId } : {}),
        displayName,
        ...rest,
      };
      const groupMembers = members?.get(group.id);
      if (groupMembers && groupMembers.length > 0) {
        body.members = groupMembers.map((m) => ({
          value: m.id,
          $ref: `${context.baseUrl}/${m.type === 'User' ? 'Users' : 'Groups'}/${m.id}`,
          ...(m.display !== null ? { display: m.display } : {}),
          type: m.type,
        }));
      }
      body.meta = meta('Group', location, group);
      return {
        id: group.id,
        etag: etagOf(group.version),
        body: project(groupResourceType, body, projection),
      };
    });
  },
};

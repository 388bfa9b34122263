/**
 * What list queries share: the filter, the order and the page (RFC 7644 §3.4.2).
 */
import { sql } from 'kysely';
import type { RawBuilder } from 'kysely';
import type { Dialect } from '../db/database.ts';
import { invalidValue } from '../scim/errors.ts';
import type { Filter } from '../scim/filter-ast.ts';
import { leafOf, resolveAttribute } from '../scim/schema.ts';
import type { ResourceTypeDefinition } from '../scim/schema.ts';

export interface ListQuery {
  readonly filter?: Filter;
  /** An attribute path, as in `sortBy`. */
  readonly sortBy?: string;
  readonly sortOrder?: 'ascending' | 'descending';
  /** 0-based offset (SCIM's startIndex - 1). */
  readonly offset: number;
  /** Page size; 0 asks only for the total. */
  readonly limit: number;
  /** Leave out the total count (when the caller does not need it). */
  readonly skipTotal?: boolean;
}

export interface Page<T> {
  readonly total: number;
  readonly items: T[];
}

/**
 * The SQL expression a `sortBy` attribute orders by (RFC 7644 §3.4.2.3): its column where it
 * has one, its JSON value otherwise; strings that are not caseExact order without case.
 */
export function sortExpression(
  resourceType: ResourceTypeDefinition,
  dialect: Dialect,
  sortBy: string,
): RawBuilder<unknown> {
  const table = resourceType.id === 'User' ? 'users' : 'groups';
  const resolved = resolveAttribute(resourceType, sortBy);
  if (!resolved)
    throw invalidValue(`Cannot sort by "${sortBy}": no such attribute of ${resourceType.name}.`);
  const { attribute, subAttribute } = resolved;
  const leaf = leafOf(resolved);
  if (!resolved.extension) {
    const name = attribute.name;
    if (name === 'id') return sql.ref(`${table}.id`);
    if (name === 'externalId') return sql.ref(`${table}.external_id`);
    if (name === 'userName' && table === 'users') return sql.ref('users.user_name_lc');
    if (name === 'displayName') return sql.ref(`${table}.display_name_lc`);
    if (name === 'active' && table === 'users') return sql.ref('users.active');
    if (name === 'meta' && subAttribute?.name === 'created') return sql.ref(`${table}.created_at`);
    if (name === 'meta' && subAttribute?.name === 'lastModified')
      return sql.ref(`${table}.updated_at`);
  }
  if (
    attribute.multiValued ||
    leaf.type === 'complex' ||
    leaf.returned === 'never' ||
    attribute.name === 'meta'
  ) {
    throw invalidValue(`Cannot sort by "${sortBy}": sorting needs a single-valued attribute.`);
  }
  const path = [
    ...(resolved.extension ? [resolved.schema] : []),
    attribute.name,
    ...(subAttribute ? [subAttribute.name] : []),
  ];
  const expr =
    dialect === 'postgres'
      ? sql`(${sql.ref(`${table}.data`)} #>> ${sql.lit(`{${path.map((p) => `"${p}"`).join(',')}}`)})`
      : sql`json_extract(${sql.ref(`${table}.data`)}, ${sql.lit('$' + path.map((p) => `."${p}"`).join(''))})`;
  return leaf.caseExact || leaf.type !== 'string' ? expr : sql`lower(${expr})`;
}

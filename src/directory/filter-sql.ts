/**
 * Compiles a SCIM filter (RFC 7644 §3.4.2.2) to a SQL condition over the users or groups table.
 * Attributes with a column of their own (userName, externalId, displayName, active, id, the meta
 * dates) use it and its index; emails, group members and a user's groups become `EXISTS` over
 * their side tables; every other attribute is read from the stored JSON with the database's JSON
 * functions. Nothing is filtered in memory. An attribute or comparison that cannot be evaluated
 * is a 400 `invalidFilter`, never a silent empty list.
 */
import { sql } from 'kysely';
import type { RawBuilder, SqlBool } from 'kysely';
import type { Dialect } from '../db/database.ts';
import { NUL_DETAIL } from '../lib/nul.ts';
import { invalidFilter } from '../scim/errors.ts';
import { formatAttrPath } from '../scim/filter-ast.ts';
import type { AttrPath, CompareOperator, Filter, FilterValue } from '../scim/filter-ast.ts';
import { findSubAttribute, groupResourceType, leafOf, resolveAttribute } from '../scim/schema.ts';
import type {
  AttributeDefinition,
  ResolvedAttribute,
  ResourceTypeDefinition,
} from '../scim/schema.ts';

type Sql = RawBuilder<unknown>;
/** `complex`: a single-valued complex attribute without `value` (`name`): only pr and null. */
type ValueType = 'string' | 'boolean' | 'number' | 'dateTime' | 'complex';

/** Something a comparison can read: a column or a JSON value, with how to compare it. */
interface Operand {
  readonly expr: Sql;
  readonly type: ValueType;
  readonly caseExact: boolean;
  /** The column holds the value lower-cased already (`user_name_lc`), so it is compared as is. */
  readonly lowered?: boolean;
  /** Where `expr` is JSON: how to read it as a boolean or a number. */
  readonly json?: { readonly base: Sql; readonly path: readonly string[] };
}

/** A multi-valued attribute: each element is a row of a side table or of a JSON array. */
interface Collection {
  /** True when some element meets `condition` (`EXISTS (...)`, or `id IN (SELECT ...)`). */
  exists(condition: Sql | undefined): Sql;
  /** The element's sub-attribute, for comparisons inside the EXISTS. */
  operand(sub: string, path: AttrPath): Operand;
  /** The sub-attribute compared when the filter names only the attribute (`emails co "x"`). */
  readonly defaultSub: string;
}

type Target =
  | { kind: 'operand'; operand: Operand }
  | { kind: 'collection'; collection: Collection; sub: string | undefined }
  /** A value every resource of the type has (`meta.resourceType`). */
  | { kind: 'constant'; value: string; caseExact: boolean }
  /** `schemas`: the core schema, and each extension the resource has data for. */
  | { kind: 'schemas' };

export interface FilterContext {
  readonly resourceType: ResourceTypeDefinition;
  readonly dialect: Dialect;
}

const TABLE = { User: 'users', Group: 'groups' } as const;

export function compileFilter(filter: Filter, context: FilterContext): RawBuilder<SqlBool> {
  refuseNulValues(filter);
  return new Compiler(context).compile(filter) as RawBuilder<SqlBool>;
}

/**
 * Throws `invalidFilter` for a string value holding U+0000, which PostgreSQL cannot compare
 * (src/lib/nul.ts): on both databases alike; the direct lookup, which skips this compiler,
 * calls it too (src/directory/listing.ts).
 */
export function refuseNulValues(filter: Filter): void {
  switch (filter.kind) {
    case 'and':
    case 'or':
      refuseNulValues(filter.left);
      refuseNulValues(filter.right);
      return;
    case 'not':
    case 'valuePath':
      refuseNulValues(filter.filter);
      return;
    case 'compare':
      if (typeof filter.value === 'string' && filter.value.includes('\u0000')) {
        throw invalidFilter(
          `The value compared with "${formatAttrPath(filter.path)}": ${NUL_DETAIL}.`,
        );
      }
      return;
    case 'present':
      return;
  }
}

class Compiler {
  private readonly table: 'users' | 'groups';
  private readonly pg: boolean;

  constructor(private readonly context: FilterContext) {
    this.table = TABLE[context.resourceType.id];
    this.pg = context.dialect === 'postgres';
  }

  compile(filter: Filter): Sql {
    switch (filter.kind) {
      case 'and':
        return sql`(${this.compile(filter.left)} AND ${this.compile(filter.right)})`;
      case 'or':
        return sql`(${this.compile(filter.left)} OR ${this.compile(filter.right)})`;
      case 'not':
        // No leaf is ever NULL (absent attributes compare false), so NOT never meets a NULL.
        return sql`(NOT ${this.compile(filter.filter)})`;
      case 'present':
      case 'compare':
        return this.leaf(filter, this.resolve(filter.path));
      case 'valuePath': {
        const target = this.resolve(filter.path);
        if (target.kind !== 'collection' || target.sub !== undefined) {
          throw invalidFilter(
            `"${formatAttrPath(filter.path)}[...]" needs a multi-valued attribute before the brackets.`,
          );
        }
        const { collection } = target;
        return collection.exists(this.inElement(filter.filter, collection));
      }
    }
  }

  memberCondition(filter: Filter): Sql {
    return this.inElement(filter, this.members());
  }

  /** A filter inside `attr[...]`: its paths name sub-attributes of one element. */
  private inElement(filter: Filter, collection: Collection): Sql {
    switch (filter.kind) {
      case 'and':
        return sql`(${this.inElement(filter.left, collection)} AND ${this.inElement(filter.right, collection)})`;
      case 'or':
        return sql`(${this.inElement(filter.left, collection)} OR ${this.inElement(filter.right, collection)})`;
      case 'not':
        return sql`(NOT ${this.inElement(filter.filter, collection)})`;
      case 'valuePath':
        throw invalidFilter('A value filter cannot contain another value filter.');
      case 'present':
      case 'compare': {
        const { path } = filter;
        if (path.urn !== undefined || path.subAttribute !== undefined) {
          throw invalidFilter(
            `Inside brackets, name a sub-attribute of the element; got "${formatAttrPath(path)}".`,
          );
        }
        return this.leafOn(filter, collection.operand(path.attribute, path));
      }
    }
  }

  private leaf(filter: Filter & { kind: 'present' | 'compare' }, target: Target): Sql {
    if (target.kind === 'constant') {
      if (filter.kind === 'present') return this.bool(true);
      const wanted = this.constantValue(filter);
      if (wanted === null) return this.bool(filter.op === 'ne');
      const same = target.caseExact
        ? wanted === target.value
        : wanted.toLowerCase() === target.value.toLowerCase();
      return this.bool(filter.op === 'eq' ? same : !same);
    }
    if (target.kind === 'schemas') return this.schemas(filter);
    if (target.kind === 'operand') return this.leafOn(filter, target.operand);
    const { collection } = target;
    if (
      target.sub === undefined &&
      collection.defaultSub === '' &&
      filter.kind === 'compare' &&
      filter.value !== null
    ) {
      throw invalidFilter(
        `"${formatAttrPath(filter.path)}" has no "value" sub-attribute: name one of its sub-attributes, as in "${formatAttrPath(filter.path)}.type".`,
      );
    }
    // RFC 7644 §3.4.2.2: a comparison on a multi-valued attribute is true when any value matches;
    // `pr` is true when it has at least one value. `eq null` means it has none.
    if (filter.kind === 'present') {
      if (target.sub === undefined) return collection.exists(undefined);
      return collection.exists(this.leafOn(filter, this.subOperand(target, filter.path)));
    }
    if (filter.value === null) {
      const any = collection.exists(
        target.sub === undefined ? undefined : this.present(this.subOperand(target, filter.path)),
      );
      if (filter.op === 'eq') return sql`(NOT ${any})`;
      if (filter.op === 'ne') return any;
    }
    const operand = this.subOperand(target, filter.path);
    if (filter.op === 'ne') {
      // "Not equal" holds when some value differs, or when there is no value at all (as for a
      // single-valued attribute): elements without the sub-attribute are not values.
      const hasValue = sql`(${operand.expr} IS NOT NULL)`;
      const differs = this.leafOn(filter, operand);
      return sql`((NOT ${collection.exists(hasValue)}) OR ${collection.exists(sql`(${hasValue} AND ${differs})`)})`;
    }
    return collection.exists(this.leafOn(filter, operand));
  }

  private subOperand(target: Target & { kind: 'collection' }, path: AttrPath): Operand {
    return target.collection.operand(target.sub ?? target.collection.defaultSub, path);
  }

  /** The value a `meta.resourceType` or `schemas` comparison names: a string, or null. */
  private constantValue(filter: Filter & { kind: 'compare' }): string | null {
    const name = formatAttrPath(filter.path);
    if (filter.op !== 'eq' && filter.op !== 'ne') {
      throw invalidFilter(`"${name}" supports only eq, ne and pr; got "${filter.op}".`);
    }
    if (filter.value !== null && typeof filter.value !== 'string') {
      throw invalidFilter(`"${name}" is a string: compare it with a quoted string.`);
    }
    return filter.value;
  }

  /**
   * `schemas` holds the core schema's URN and the URN of each extension the resource has data
   * for (what responses list). URNs compare without case.
   */
  private schemas(filter: Filter & { kind: 'present' | 'compare' }): Sql {
    if (filter.kind === 'present') return this.bool(true);
    const wanted = this.constantValue(filter)?.toLowerCase();
    if (wanted === undefined) return this.bool(filter.op === 'ne');
    const { resourceType } = this.context;
    const core = resourceType.schema.id.toLowerCase() === wanted;
    const extension = resourceType.extensions.find((e) => e.schema.id.toLowerCase() === wanted);
    const hasExtensions = resourceType.extensions.map(({ schema }) => {
      const data = sql.ref(`${this.table}.data`);
      return this.pg
        ? sql`((${data} #> ${sql.lit(`{${pgPathKey(schema.id)}}`)}) IS NOT NULL)`
        : sql`(json_type(${data}, ${sql.lit(sqlitePath([schema.id]))}) IS NOT NULL)`;
    });
    if (filter.op === 'eq') {
      if (core) return this.bool(true);
      if (!extension) return this.bool(false);
      return hasExtensions[resourceType.extensions.indexOf(extension)]!;
    }
    // `ne`: some value differs. The core URN is always there, so only `schemas ne "<core>"` can
    // fail, and only for a resource without extension data.
    if (!core || hasExtensions.length === 0) return this.bool(!core);
    return sql`(${sql.join(hasExtensions, sql` OR `)})`;
  }

  private leafOn(filter: Filter & { kind: 'present' | 'compare' }, operand: Operand): Sql {
    if (filter.kind === 'present') return this.present(operand);
    return this.compare(operand, filter.op, filter.value, filter.path);
  }

  /** RFC 7644 §3.4.2.2 `pr`: a value that is not null (absent) nor the empty string. */
  private present(operand: Operand): Sql {
    if (operand.type === 'string' || operand.type === 'dateTime') {
      return sql`coalesce(${operand.expr} <> '', ${this.bool(false)})`;
    }
    return sql`(${operand.expr} IS NOT NULL)`;
  }

  private compare(operand: Operand, op: CompareOperator, raw: FilterValue, path: AttrPath): Sql {
    const name = formatAttrPath(path);
    if (raw === null) {
      // RFC 7643 §2.5: null and "no value" are the same, so `eq null` is "not pr".
      if (op === 'eq') return sql`(NOT ${this.present(operand)})`;
      if (op === 'ne') return this.present(operand);
      throw invalidFilter(`"${op}" cannot compare "${name}" with null.`);
    }
    switch (operand.type) {
      case 'complex':
        throw invalidFilter(
          `"${name}" is complex: name one of its sub-attributes (as in "${name}.${this.firstSub(path)}"), or test it with pr.`,
        );
      case 'boolean':
        return this.compareBoolean(operand, op, raw, name);
      case 'number':
        return this.compareNumber(operand, op, raw, name);
      case 'dateTime':
      case 'string':
        return this.compareString(operand, op, raw, name);
    }
  }

  private compareBoolean(
    operand: Operand,
    op: CompareOperator,
    raw: FilterValue,
    name: string,
  ): Sql {
    let value = raw;
    // Identity providers send booleans as strings ("True"); accept them where a boolean is due.
    if (typeof value === 'string' && /^(true|false)$/i.test(value))
      value = value.toLowerCase() === 'true';
    if (typeof value !== 'boolean') {
      throw invalidFilter(`"${name}" is a boolean: compare it with true or false.`);
    }
    if (op !== 'eq' && op !== 'ne') {
      throw invalidFilter(`"${name}" is a boolean: only eq, ne and pr apply to it.`);
    }
    const isTrue = operand.json
      ? this.jsonIsBoolean(operand.json, value)
      : sql`(${operand.expr} = ${value ? 1 : 0})`;
    const test = sql`coalesce(${isTrue}, ${this.bool(false)})`;
    return op === 'eq' ? test : sql`(NOT ${test})`;
  }

  private compareNumber(
    operand: Operand,
    op: CompareOperator,
    raw: FilterValue,
    name: string,
  ): Sql {
    const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw invalidFilter(`"${name}" is a number: compare it with a number.`);
    }
    if (op === 'co' || op === 'sw' || op === 'ew') {
      throw invalidFilter(`"${op}" applies to strings; "${name}" is a number.`);
    }
    const expr = operand.json ? this.jsonNumber(operand.json) : operand.expr;
    return this.ordered(expr, op, value);
  }

  private compareString(
    operand: Operand,
    op: CompareOperator,
    raw: FilterValue,
    name: string,
  ): Sql {
    if (typeof raw === 'boolean') {
      throw invalidFilter(`"${name}" is a string: compare it with a string, not ${raw}.`);
    }
    if (raw === null) throw invalidFilter(`"${op}" cannot compare "${name}" with null.`);
    if (operand.type === 'dateTime') return this.compareDateTime(operand, op, raw, name);
    if (typeof raw === 'number' && !['eq', 'ne', 'co', 'sw', 'ew'].includes(op)) {
      // An unquoted number reads as its text for eq and the like (`externalId eq 12345`), but
      // ordering strings by a number's text ("9" > "10") is never what was meant.
      throw invalidFilter(
        `"${name}" is a string: "${op}" orders it as text, so quote the value ("${raw}").`,
      );
    }
    const text = String(raw);
    let expr = operand.expr;
    let value: Sql;
    // RFC 7643 §2.2: caseExact false means comparisons ignore case.
    if (operand.caseExact) {
      value = this.text(text);
    } else if (operand.lowered) {
      // The column holds the value lower-cased by JavaScript: lower the filter value alike.
      value = this.text(text.toLowerCase());
    } else {
      // Both sides go through the database's lower(), so that a value always matches itself even
      // where lower() knows only ASCII (SQLite): JavaScript's lower-casing would not.
      expr = sql`lower(${expr})`;
      value = sql`lower(${this.text(text)})`;
    }
    const f = this.bool(false);
    switch (op) {
      case 'co':
      case 'sw':
      case 'ew':
        // Every string contains, starts and ends with "".
        if (text === '') return sql`(${operand.expr} IS NOT NULL)`;
        if (op === 'co') {
          return sql`coalesce(${this.pg ? sql`strpos(${expr}, ${value})` : sql`instr(${expr}, ${value})`} > 0, ${f})`;
        }
        if (op === 'sw')
          return sql`coalesce(substr(${expr}, 1, length(${value})) = ${value}, ${f})`;
        return this.pg
          ? sql`coalesce(right(${expr}, length(${value})) = ${value}, ${f})`
          : sql`coalesce(substr(${expr}, length(${expr}) - length(${value}) + 1) = ${value}, ${f})`;
      default:
        // PostgreSQL orders text by the database's collation, which may be linguistic
        // (en_US: "a" < "B"); filters order by code point, as SQLite and the RFC's examples do.
        return this.ordered(
          this.pg && op !== 'eq' && op !== 'ne' ? sql`${expr} COLLATE "C"` : expr,
          op,
          value,
        );
    }
  }

  /**
   * meta.created and meta.lastModified: ISO 8601 UTC strings with milliseconds, which order as
   * text. The filter value is read as an instant and written the same way.
   */
  private compareDateTime(
    operand: Operand,
    op: CompareOperator,
    raw: string | number,
    name: string,
  ): Sql {
    if (op === 'co' || op === 'sw' || op === 'ew') {
      throw invalidFilter(
        `"${op}" does not apply to the dateTime "${name}"; use eq, ne, gt, ge, lt or le.`,
      );
    }
    const instant = typeof raw === 'string' ? parseInstant(raw) : undefined;
    if (!instant) {
      throw invalidFilter(
        `"${name}" is a dateTime: ${JSON.stringify(raw)} is not a date-time such as "2011-05-13T04:42:34Z".`,
      );
    }
    const iso = new Date(instant.time).toISOString();
    if (instant.exact) return this.ordered(operand.expr, op, iso);
    // Finer than a millisecond, which stored values are not: it lies strictly between `iso` and
    // the next millisecond, so no stored value equals it, gt and ge mean "> iso", lt and le
    // mean "<= iso".
    switch (op) {
      case 'eq':
        return this.bool(false);
      case 'ne':
        return this.bool(true);
      case 'gt':
      case 'ge':
        return this.ordered(operand.expr, 'gt', iso);
      default:
        return this.ordered(operand.expr, 'le', iso);
    }
  }

  /** A string parameter; typed, so that PostgreSQL can pick among overloaded functions. */
  private text(value: string): Sql {
    return this.pg ? sql`cast(${value} as text)` : sql`${value}`;
  }

  private firstSub(path: AttrPath): string {
    const resolved = resolveAttribute(this.context.resourceType, formatAttrPath(path));
    return resolved?.attribute.subAttributes?.[0]?.name ?? 'value';
  }

  /**
   * `expr op value`, never NULL (`value` never is): `expr = value AND expr IS NOT NULL` rather
   * than coalesce(), which would hide `expr = value` from the planner and with it the column's
   * index (`userName eq`, `externalId eq`, `meta.lastModified gt` are the common filters).
   */
  private ordered(expr: Sql, op: CompareOperator, value: Sql | string | number): Sql {
    const symbol = { eq: '=', gt: '>', ge: '>=', lt: '<', le: '<=' }[op as string];
    // An absent attribute is "not equal" to any value.
    if (op === 'ne') return sql`(${expr} <> ${value} OR ${expr} IS NULL)`;
    if (!symbol) throw invalidFilter(`"${op}" applies to strings only.`);
    return sql`(${expr} ${sql.raw(symbol)} ${value} AND ${expr} IS NOT NULL)`;
  }

  private bool(value: boolean): Sql {
    if (this.pg) return value ? sql`true` : sql`false`;
    return value ? sql`1` : sql`0`;
  }

  // ---- JSON access -------------------------------------------------------------------------

  private jsonText(base: Sql, path: readonly string[]): Sql {
    if (this.pg) return sql`(${base} #>> ${sql.lit(`{${path.map(pgPathKey).join(',')}}`)})`;
    return sql`json_extract(${base}, ${sql.lit(sqlitePath(path))})`;
  }

  private jsonIsBoolean(json: { base: Sql; path: readonly string[] }, value: boolean): Sql {
    if (this.pg) {
      return sql`((${json.base} #> ${sql.lit(`{${json.path.map(pgPathKey).join(',')}}`)}) = ${sql.lit(String(value))}::jsonb)`;
    }
    return sql`(json_type(${json.base}, ${sql.lit(sqlitePath(json.path))}) = ${sql.lit(String(value))})`;
  }

  private jsonNumber(json: { base: Sql; path: readonly string[] }): Sql {
    if (this.pg) {
      const p = sql.lit(`{${json.path.map(pgPathKey).join(',')}}`);
      return sql`(CASE WHEN jsonb_typeof(${json.base} #> ${p}) = 'number' THEN (${json.base} #>> ${p})::numeric END)`;
    }
    const p = sql.lit(sqlitePath(json.path));
    return sql`(CASE WHEN json_type(${json.base}, ${p}) IN ('integer', 'real') THEN json_extract(${json.base}, ${p}) END)`;
  }

  private jsonOperand(
    base: Sql,
    path: readonly string[],
    definition: AttributeDefinition,
  ): Operand {
    const type = valueType(definition);
    return {
      expr: this.jsonText(base, path),
      type,
      caseExact: definition.caseExact,
      ...(type === 'boolean' || type === 'number' ? { json: { base, path } } : {}),
    };
  }

  private jsonArray(path: readonly string[], attribute: AttributeDefinition): Collection {
    const data = sql.ref(`${this.table}.data`);
    const subs = attribute.subAttributes ?? [];
    const defaultSub = subs.some((s) => s.name === 'value') ? 'value' : '';
    const element = this.pg ? sql.ref('el.v') : sql.ref('el.value');
    return {
      defaultSub,
      exists: (condition) => {
        const where = condition ? sql`WHERE ${condition}` : sql``;
        if (this.pg) {
          const p = sql.lit(`{${path.map(pgPathKey).join(',')}}`);
          return sql`EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(${data} #> ${p}) = 'array' THEN ${data} #> ${p} ELSE '[]'::jsonb END) AS el(v) ${where})`;
        }
        return sql`EXISTS (SELECT 1 FROM json_each(${data}, ${sql.lit(sqlitePath(path))}) AS el ${where})`;
      },
      operand: (sub, filterPath) => {
        const definition = findSubAttribute(attribute, sub);
        if (!definition) throw unknownSub(attribute, sub, filterPath);
        return this.jsonOperand(element, [definition.name], definition);
      },
    };
  }

  // ---- attribute resolution ----------------------------------------------------------------

  private resolve(path: AttrPath): Target {
    const { resourceType } = this.context;
    const text = formatAttrPath(path);
    let resolved: ResolvedAttribute | undefined = resolveAttribute(resourceType, text);
    // Entra ID filters on `manager` without its extension's URN: look the bare name up in the
    // extensions too (their attribute names do not collide with the core schema's).
    if (!resolved && path.urn === undefined) {
      for (const { schema } of resourceType.extensions) {
        resolved = resolveAttribute(resourceType, `${schema.id}:${text}`);
        if (resolved) break;
      }
    }
    if (!resolved && path.urn === undefined && path.attribute.toLowerCase() === 'schemas') {
      if (path.subAttribute !== undefined) {
        throw invalidFilter(`"schemas" has no sub-attributes; got "${text}".`);
      }
      return { kind: 'schemas' };
    }
    if (!resolved) {
      throw invalidFilter(`Unknown attribute "${text}" for resource type ${resourceType.name}.`);
    }
    const { attribute, subAttribute } = resolved;
    const leaf = leafOf(resolved);
    if (leaf.returned === 'never') {
      throw invalidFilter(`"${text}" is never returned, so it cannot be filtered on.`);
    }
    const special = this.column(resolved);
    if (special) return special;

    const base = resolved.extension ? [resolved.schema, attribute.name] : [attribute.name];
    if (attribute.multiValued) {
      return {
        kind: 'collection',
        collection: this.jsonArray(base, attribute),
        sub: subAttribute?.name,
      };
    }
    const data = sql.ref(`${this.table}.data`);
    if (attribute.type === 'complex' && subAttribute === undefined) {
      // A complex attribute named alone compares its `value` (`manager eq "id"`); one without a
      // `value` (`name`) can only be tested for presence. Stored data has no empty objects.
      const value = findSubAttribute(attribute, 'value');
      if (value) {
        return { kind: 'operand', operand: this.jsonOperand(data, [...base, value.name], value) };
      }
      return {
        kind: 'operand',
        operand: { expr: this.jsonText(data, base), type: 'complex', caseExact: true },
      };
    }
    const path2 = subAttribute ? [...base, subAttribute.name] : base;
    return { kind: 'operand', operand: this.jsonOperand(data, path2, leaf) };
  }

  /** Attributes with a column or a side table of their own. */
  private column(resolved: ResolvedAttribute): Target | undefined {
    if (resolved.extension) return undefined;
    const { attribute, subAttribute } = resolved;
    const t = this.table;
    const name = attribute.name;
    const col = (column: string, type: ValueType, caseExact: boolean, lowered = false): Target => ({
      kind: 'operand',
      operand: { expr: sql.ref(`${t}.${column}`), type, caseExact, lowered },
    });
    if (name === 'id') return col('id', 'string', true);
    if (name === 'externalId') return col('external_id', 'string', true);
    if (name === 'meta') {
      switch (subAttribute?.name) {
        case 'created':
          return col('created_at', 'dateTime', true);
        case 'lastModified':
          return col('updated_at', 'dateTime', true);
        case 'resourceType':
          return {
            kind: 'constant',
            value: this.context.resourceType.name,
            caseExact: subAttribute.caseExact,
          };
        default:
          throw invalidFilter(
            `Filtering on "meta${subAttribute ? `.${subAttribute.name}` : ''}" is not supported; use meta.created, meta.lastModified or meta.resourceType.`,
          );
      }
    }
    if (t === 'users') {
      if (name === 'userName') return col('user_name_lc', 'string', false, true);
      if (name === 'displayName') return col('display_name_lc', 'string', false, true);
      if (name === 'active') return col('active', 'boolean', true);
      if (name === 'emails')
        return { kind: 'collection', collection: this.emails(), sub: subAttribute?.name };
      if (name === 'groups')
        return { kind: 'collection', collection: this.userGroups(), sub: subAttribute?.name };
    } else {
      if (name === 'displayName') return col('display_name_lc', 'string', false, true);
      if (name === 'members')
        return { kind: 'collection', collection: this.members(), sub: subAttribute?.name };
    }
    return undefined;
  }

  private emails(): Collection {
    return {
      defaultSub: 'value',
      exists: (condition) =>
        // IN rather than a correlated EXISTS: SQLite then starts from the index on value_lc.
        sql`users.id IN (SELECT e.user_id FROM user_emails e${condition ? sql` WHERE ${condition}` : sql``})`,
      operand: (sub, path) => {
        switch (sub.toLowerCase()) {
          case 'value':
            return { expr: sql.ref('e.value_lc'), type: 'string', caseExact: false, lowered: true };
          case 'type':
            return { expr: sql.ref('e.type'), type: 'string', caseExact: false };
          case 'primary':
            return { expr: sql.ref('e.is_primary'), type: 'boolean', caseExact: true };
          default:
            throw invalidFilter(
              `Filtering on "emails.${sub}" is not supported (${formatAttrPath(path)}); use value, type or primary.`,
            );
        }
      },
    };
  }

  private members(): Collection {
    return {
      defaultSub: 'value',
      exists: (condition) =>
        sql`groups.id IN (SELECT m.group_id FROM memberships m${condition ? sql` WHERE ${condition}` : sql``})`,
      operand: (sub, path) => {
        switch (sub.toLowerCase()) {
          case 'value':
            return { expr: sql.ref('m.member_id'), type: 'string', caseExact: true };
          case 'type':
            return { expr: sql.ref('m.member_type'), type: 'string', caseExact: false };
          default:
            throw invalidFilter(
              `Filtering on "members.${sub}" is not supported (${formatAttrPath(path)}); use value or type.`,
            );
        }
      },
    };
  }

  /**
   * `groups` on a user (RFC 7643 §4.1.2): the groups it is in directly, and those it is in
   * through nested groups, as responses list them: `type` is "direct" when the membership is
   * direct and "indirect" otherwise, `display` is the group's displayName.
   */
  private userGroups(): Collection {
    return {
      defaultSub: 'value',
      exists: (condition) => {
        // Every group reached through nesting is reached from a direct membership.
        if (!condition)
          return sql`EXISTS (SELECT 1 FROM memberships g WHERE g.member_id = users.id)`;
        return sql`EXISTS (WITH RECURSIVE ancestry(group_id, depth) AS (
          SELECT m.group_id, 0 FROM memberships m WHERE m.member_id = users.id
          UNION
          SELECT m.group_id, a.depth + 1 FROM ancestry a
          JOIN memberships m ON m.member_id = a.group_id AND m.member_type = 'Group'
          WHERE a.depth < 32
        )
        SELECT 1 FROM (SELECT group_id, MIN(depth) AS depth FROM ancestry GROUP BY group_id) g
        JOIN groups gg ON gg.id = g.group_id
        WHERE ${condition})`;
      },
      operand: (sub, path) => {
        switch (sub.toLowerCase()) {
          case 'value':
            return { expr: sql.ref('g.group_id'), type: 'string', caseExact: true };
          case 'display':
            return {
              expr: sql.ref('gg.display_name_lc'),
              type: 'string',
              caseExact: false,
              lowered: true,
            };
          case 'type':
            return {
              expr: sql`(CASE WHEN g.depth = 0 THEN 'direct' ELSE 'indirect' END)`,
              type: 'string',
              caseExact: false,
            };
          default:
            throw invalidFilter(
              `Filtering on "groups.${sub}" is not supported (${formatAttrPath(path)}); use groups.value, groups.display or groups.type.`,
            );
        }
      },
    };
  }
}

function valueType(definition: AttributeDefinition): ValueType {
  switch (definition.type) {
    case 'boolean':
      return 'boolean';
    case 'integer':
    case 'decimal':
      return 'number';
    case 'dateTime':
      return 'dateTime';
    default:
      return 'string';
  }
}

function unknownSub(attribute: AttributeDefinition, sub: string, path: AttrPath) {
  return invalidFilter(
    `"${attribute.name}" has no sub-attribute "${sub}" (in "${formatAttrPath(path)}").`,
  );
}

/**
 * A filter's date-time (RFC 3339, or an xsd:dateTime as RFC 7643 §2.3.5 has it): the instant,
 * to the millisecond, and whether that is exact. A value without a time zone is UTC (never the
 * server's zone); a date alone is its midnight UTC. Impossible dates (February 30) are refused.
 */
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

const FIRST_INSTANT = Date.parse('0000-01-01T00:00:00.000Z');
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

function parseInstant(text: string): { time: number; exact: boolean } | undefined {
  const m = DATE_TIME.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0));
  const fraction = m[7] ?? '';
  const offset = m[9] ? (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11])) : 0;
  if (m[9] && (Number(m[10]) > 23 || Number(m[11]) > 59)) return undefined;
  if (hour! > 23 || minute! > 59 || second! > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year!, month! - 1, day!);
  if (
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month! - 1 ||
    date.getUTCDate() !== day
  ) {
    return undefined;
  }
  date.setUTCHours(hour!, minute!, second!, Number(fraction.slice(0, 3).padEnd(3, '0')));
  const time = date.getTime() - offset * 60_000;
  // Stored timestamps have four-digit years; so must the value, once in UTC, to compare as text.
  if (!(time >= FIRST_INSTANT && time <= LAST_INSTANT)) return undefined;
  return { time, exact: /^0*$/.test(fraction.slice(3)) };
}

/** `$."urn:...:User"."manager"`: keys are schema names (letters, digits, ':', '.', '$'). */
function sqlitePath(path: readonly string[]): string {
  return '$' + path.map((key) => `."${key}"`).join('');
}

function pgPathKey(key: string): string {
  return `"${key}"`;
}

/**
 * A filter on one group's members (`members[type eq "Group"]` in a PATCH remove), as a
 * condition on the `memberships` row aliased `m`.
 */
export function compileMemberCondition(filter: Filter, dialect: Dialect): RawBuilder<SqlBool> {
  refuseNulValues(filter);
  const compiler = new Compiler({ resourceType: groupResourceType, dialect });
  return compiler.memberCondition(filter) as RawBuilder<SqlBool>;
}

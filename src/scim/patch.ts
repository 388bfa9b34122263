/**
 * The PATCH interpreter (RFC 7644 §3.5.2): applies a list of operations to a resource's stored
 * form (see resource.ts) and turns operations on Group `members` into membership changes, which
 * the caller applies to the membership table.
 *
 * It speaks RFC 7644 only. What identity providers send besides (Entra ID's "Replace" and
 * "False", dotted keys in path-less values and `remove members` with a value list; Okta's group
 * rename that echoes `id`; Keycloak's path-less value as a JSON string) is rewritten into RFC form
 * before it gets here, by the client's dialect (dialects.ts). One leniency stays, because it
 * depends on the stored resource, which the dialects do not see: `add` or `replace` of a filtered
 * path that matches nothing creates the value the filter describes (see applyToMatches).
 */
import { invalidPath, invalidSyntax, invalidValue, mutability, noTarget } from './errors.ts';
import type { AttrPath, Filter, FilterValue } from './filter-ast.ts';
import { formatAttrPath } from './filter-ast.ts';
import { evaluateFilter } from './filter-eval.ts';
import { parsePatchPath } from './filter.ts';
import type { ComplexUpdate, JsonObject, MemberRef } from './resource.ts';
import {
  applyDefaults,
  checkRequired,
  checkSinglePrimary,
  containerFor,
  displayPath,
  isJsonObject,
  isMembersAttribute,
  isPathLike,
  normalizeAttributeValue,
  normalizeComplex,
  normalizeElement,
  normalizeMembers,
  notAnAttributeName,
  pruneExtension,
  schemaByUrn,
  unknownAttribute,
} from './resource.ts';
import type {
  AttributeDefinition,
  ResolvedAttribute,
  ResourceTypeDefinition,
  SchemaDefinition,
} from './schema.ts';
import { SCHEMA, findSubAttribute, resolveAttribute } from './schema.ts';

export interface PatchOperation {
  op: 'add' | 'replace' | 'remove';
  path?: string;
  value?: unknown;
}

/** A change to a Group's membership table, in the order the operations asked for it. */
export type MemberChange =
  | { kind: 'add'; members: MemberRef[] }
  | { kind: 'remove'; ids: string[] }
  | { kind: 'removeWhere'; filter: Filter }
  | { kind: 'removeAll' };

export interface PatchResult {
  data: JsonObject;
  memberChanges: MemberChange[];
  password?: string;
  changed: boolean;
}

/** A bound on the work one request can ask for. */
export const MAX_PATCH_OPERATIONS = 1000;

// ---------------------------------------------------------------------------------------------
// The request message
// ---------------------------------------------------------------------------------------------

/** Validates a PatchOp message (RFC 7644 §3.5.2) and returns its operations. */
export function parsePatchRequest(body: unknown): PatchOperation[] {
  if (!isJsonObject(body)) throw invalidSyntax('The PATCH request body must be a JSON object');
  checkPatchSchemas(member(body, 'schemas'));
  const operations = member(body, 'Operations');
  if (!Array.isArray(operations)) throw invalidSyntax('"Operations" must be an array');
  if (operations.length > MAX_PATCH_OPERATIONS) {
    throw invalidValue(`A PATCH request may have at most ${MAX_PATCH_OPERATIONS} operations`);
  }
  // An empty list is a no-op: the Microsoft SCIM validator sends one.
  return operations.map(parseOperation);
}

/** RFC 7643 §2.1: attribute names, message attributes included, are case-insensitive. */
function member(object: JsonObject, name: string): unknown {
  if (Object.hasOwn(object, name)) return object[name];
  const lower = name.toLowerCase();
  const key = Object.keys(object).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : object[key];
}

/** RFC 7644 §3.5.2: "The body of each request MUST contain the "schemas" attribute". */
function checkPatchSchemas(schemas: unknown): void {
  if (schemas == null)
    throw invalidSyntax(`A PATCH request needs "schemas": ["${SCHEMA.patchOp}"]`);
  const named =
    Array.isArray(schemas) &&
    schemas.some((s) => typeof s === 'string' && s.toLowerCase() === SCHEMA.patchOp.toLowerCase());
  if (!named) throw invalidValue(`"schemas" must contain "${SCHEMA.patchOp}"`);
}

function parseOperation(raw: unknown, index: number): PatchOperation {
  if (!isJsonObject(raw)) throw invalidSyntax(`Operation ${index} must be an object`);
  const op = member(raw, 'op');
  // RFC 7644 §3.5.2: "add", "remove" or "replace", as written (Entra ID's "Replace" is a dialect).
  if (op !== 'add' && op !== 'replace' && op !== 'remove') {
    throw invalidSyntax(`Operation ${index}: "op" must be "add", "replace" or "remove"`);
  }
  const path = member(raw, 'path');
  if (path != null && typeof path !== 'string') {
    throw invalidPath(`Operation ${index}: "path" must be a string`);
  }
  if (typeof path === 'string' && path.trim() === '') {
    throw invalidPath(`Operation ${index}: "path" is empty; leave it out to target the resource`);
  }
  const value = member(raw, 'value');
  // RFC 7644 §3.5.2.1 and §3.5.2.3: an add or a replace "MUST contain a "value" member". Without
  // one it would clear the target, which the client did not ask for. (An explicit null does
  // clear it: RFC 7643 §2.5 makes null the same as unassigned.)
  if (value === undefined && op !== 'remove') {
    throw invalidSyntax(`Operation ${index}: "${op}" needs a "value"`);
  }
  return {
    op,
    ...(typeof path === 'string' ? { path } : {}),
    ...(value !== undefined ? { value } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Applying operations
// ---------------------------------------------------------------------------------------------

interface Context {
  readonly resourceType: ResourceTypeDefinition;
  /** A clone of the caller's data: the caller's object is never touched (atomicity). */
  readonly data: JsonObject;
  readonly memberChanges: MemberChange[];
  password?: string;
}

/** What an operation's path (or a key of a path-less value) designates. */
type Target = SchemaTarget | AttributeTarget;

/** A whole schema's attributes: `urn:...:enterprise:2.0:User`. */
interface SchemaTarget {
  readonly kind: 'schema';
  readonly schema: SchemaDefinition;
  readonly extension: boolean;
}

/**
 * `attr`, `attr.sub`, `attr[filter]` or `attr[filter].sub`. `resolved` locates the attribute;
 * `sub` is the sub-attribute after the dot or after the filter.
 */
interface AttributeTarget {
  readonly kind: 'attribute';
  readonly resolved: ResolvedAttribute;
  readonly sub?: AttributeDefinition;
  readonly filter?: Filter;
  /** The canonical path, for messages. */
  readonly path: string;
}

/**
 * Applies `operations` in order to a copy of `current.data`. Throws a ScimError on the first
 * operation that fails, and then nothing has changed: the caller writes only what this returns.
 */
export function applyPatch(
  resourceType: ResourceTypeDefinition,
  current: { id: string; data: JsonObject },
  operations: readonly PatchOperation[],
): PatchResult {
  const ctx: Context = {
    resourceType,
    data: structuredClone(current.data),
    memberChanges: [],
  };
  for (const operation of operations) applyOperation(ctx, operation);
  applyDefaults(resourceType, ctx.data);
  checkRequired(resourceType, ctx.data);
  return {
    data: ctx.data,
    memberChanges: ctx.memberChanges,
    ...(ctx.password !== undefined ? { password: ctx.password } : {}),
    changed: ctx.memberChanges.length > 0 || !jsonEqual(ctx.data, current.data),
  };
}

function applyOperation(ctx: Context, { op, path, value }: PatchOperation): void {
  if (path !== undefined) {
    applyTo(ctx, op, resolveTarget(ctx, path, 'path'), value);
    return;
  }
  // RFC 7644 §3.5.2.2: "If 'path' is unspecified, the operation fails with ... 'noTarget'."
  if (op === 'remove') throw noTarget('A "remove" operation needs a "path"');
  applyObject(ctx, op, pathlessValue(op, value), undefined);
}

/** RFC 7644 §3.5.2.1/§3.5.2.3: without a path, the value holds the attributes to add or replace. */
function pathlessValue(op: PatchOperation['op'], value: unknown): JsonObject {
  if (!isJsonObject(value)) {
    throw invalidValue(`An operation "${op}" without a "path" needs an object "value"`);
  }
  return value;
}

/**
 * The keys of a path-less value (or of an extension's object in one) are attributes, as in a
 * resource: each is applied as if it were the path. A key that is itself a path
 * (`name.givenName`, `urn:...:User:employeeNumber`) is refused, not stored literally.
 */
function applyObject(
  ctx: Context,
  op: 'add' | 'replace',
  object: JsonObject,
  urn: string | undefined,
): void {
  for (const [key, value] of Object.entries(object)) {
    const qualified = urn === undefined ? key : `${urn}:${key}`;
    const urnKey = urn === undefined ? schemaByUrn(ctx.resourceType, key.trim()) : undefined;
    if (!urnKey && isPathLike(key)) throw notAnAttributeName(qualified);
    applyTo(ctx, op, resolveTarget(ctx, qualified, 'value'), value);
  }
}

function resolveTarget(ctx: Context, text: string, source: 'path' | 'value'): Target {
  const { resourceType } = ctx;
  const urnKey = schemaByUrn(resourceType, text.trim());
  if (urnKey) return { kind: 'schema', ...urnKey };
  const parsed = parsePatchPath(text);
  if (!parsed.path.urn && parsed.path.attribute.toLowerCase() === 'schemas') {
    throw mutability('Attribute "schemas" cannot be modified');
  }
  const resolved = resolveAttribute(resourceType, formatAttrPath(parsed.path));
  if (!resolved) {
    if (source === 'value') throw unknownAttribute(resourceType, text);
    throw invalidPath(`Unknown attribute "${text}" for resource type ${resourceType.name}`);
  }
  if (!parsed.valueFilter) {
    return { kind: 'attribute', resolved, sub: resolved.subAttribute, path: displayPath(resolved) };
  }
  const { attribute } = resolved;
  if (!attribute.multiValued || attribute.type !== 'complex' || resolved.subAttribute) {
    throw invalidPath(`A value filter needs a multi-valued complex attribute: "${text}"`);
  }
  const sub =
    parsed.subAttribute === undefined
      ? undefined
      : findSubAttribute(attribute, parsed.subAttribute);
  if (parsed.subAttribute !== undefined && !sub) {
    throw invalidPath(`Unknown sub-attribute "${parsed.subAttribute}" of "${attribute.name}"`);
  }
  checkFilterPaths(attribute, parsed.valueFilter, text);
  const path = displayPath(Object.assign({}, resolved, sub ? { subAttribute: sub } : {}));
  return { kind: 'attribute', resolved, sub, filter: parsed.valueFilter, path };
}

/**
 * The paths inside `attr[...]` name sub-attributes of `attr` (RFC 7644 §3.5.2, valuePath): a
 * filter on anything else could never match, and the caller compiles `removeWhere` filters.
 */
function checkFilterPaths(attribute: AttributeDefinition, filter: Filter, text: string): void {
  switch (filter.kind) {
    case 'and':
    case 'or':
      checkFilterPaths(attribute, filter.left, text);
      checkFilterPaths(attribute, filter.right, text);
      return;
    case 'not':
      checkFilterPaths(attribute, filter.filter, text);
      return;
    case 'valuePath':
      throw invalidPath(`A value filter cannot be nested: "${text}"`);
    case 'compare':
    case 'present': {
      const { path } = filter;
      if (path.urn || path.subAttribute || !findSubAttribute(attribute, path.attribute)) {
        throw invalidPath(
          `"${formatAttrPath(path)}" is not a sub-attribute of "${attribute.name}"`,
        );
      }
    }
  }
}

function applyTo(ctx: Context, op: PatchOperation['op'], target: Target, value: unknown): void {
  if (target.kind === 'schema') return applyToSchema(ctx, op, target, value);
  checkWritable(target);
  const { attribute } = target.resolved;
  if (attribute.mutability === 'writeOnly') return capturePassword(ctx, op, target, value);
  if (isMembersAttribute(ctx.resourceType, attribute)) {
    return applyToMembers(ctx, op, target, value);
  }
  if (target.sub && attribute.multiValued && !target.filter) {
    const hint = `${attribute.name}[...].${target.sub.name}`;
    throw invalidPath(`"${target.path}" needs a value filter: ${hint}`);
  }
  if (op === 'remove') return applyRemove(ctx, target, value);
  applySet(ctx, op, target, value);
}

/** add and replace, which differ only on multi-valued attributes without a filter. */
function applySet(
  ctx: Context,
  op: 'add' | 'replace',
  target: AttributeTarget,
  value: unknown,
): void {
  const { attribute } = target.resolved;
  if (target.filter) applyToMatches(ctx, op, target, value);
  else if (target.sub) setSubAttribute(ctx, target, value);
  else if (attribute.multiValued) setMultiValued(ctx, op, target, value);
  else if (attribute.type === 'complex') mergeComplex(ctx, target, value);
  else writeValue(ctx, target, normalizeAttributeValue(attribute, value, target.path));
}

/**
 * RFC 7643 §7 mutability: readOnly attributes (`id`, `meta`, `groups`, `manager.displayName`)
 * and immutable ones (a member's `value` and `type`) cannot be changed by PATCH.
 */
function checkWritable(target: AttributeTarget): void {
  const { attribute } = target.resolved;
  if (attribute.mutability === 'readOnly') {
    throw mutability(`Attribute "${attribute.name}" is readOnly`);
  }
  const sub = target.sub;
  if (sub && (sub.mutability === 'readOnly' || sub.mutability === 'immutable')) {
    throw mutability(`Attribute "${target.path}" is ${sub.mutability}`);
  }
}

/** `password` is writeOnly: it goes back to the caller apart and never into data. */
function capturePassword(
  ctx: Context,
  op: PatchOperation['op'],
  target: AttributeTarget,
  value: unknown,
): void {
  if (op === 'remove') return;
  const password = normalizeAttributeValue(target.resolved.attribute, value, target.path);
  if (typeof password === 'string') ctx.password = password;
}

/** `urn:...:enterprise:2.0:User` as a path, or as a key of a path-less value. */
function applyToSchema(
  ctx: Context,
  op: PatchOperation['op'],
  target: SchemaTarget,
  value: unknown,
): void {
  const { schema, extension } = target;
  if (op === 'remove' || (op === 'replace' && value === null)) {
    if (!extension) throw invalidPath(`The core schema "${schema.id}" cannot be removed`);
    delete ctx.data[schema.id];
    return;
  }
  if (value == null) return;
  if (!isJsonObject(value)) throw invalidValue(`Attribute "${schema.id}" must be a complex object`);
  applyObject(ctx, op, value, schema.id);
}

// ---------------------------------------------------------------------------------------------
// add and replace
// ---------------------------------------------------------------------------------------------

/**
 * RFC 7644 §3.5.2.1: add to a multi-valued attribute appends (values already there are not
 * added twice); §3.5.2.3: replace without a filter replaces all values.
 */
function setMultiValued(
  ctx: Context,
  op: 'add' | 'replace',
  target: AttributeTarget,
  value: unknown,
): void {
  const incoming = normalizeAttributeValue(target.resolved.attribute, value, target.path);
  if (op === 'replace') return writeValue(ctx, target, incoming);
  if (incoming === undefined) return;
  const current = asArray(readValue(ctx, target));
  const added = (incoming as unknown[]).filter((v) => !current.some((c) => jsonEqual(c, v)));
  const elements = [...current, ...added];
  preferPrimary(elements, added, target.path);
  writeValue(ctx, target, elements);
}

/**
 * RFC 7644 §3.5.2.1/§3.5.2.3: a complex value's sub-attributes replace those it names and leave
 * the others. When it names a new `value` (a different manager), the old sub-attributes
 * describe the old reference and go.
 */
function mergeComplex(ctx: Context, target: AttributeTarget, value: unknown): void {
  const { attribute } = target.resolved;
  const update = normalizeComplex(attribute, value, target.path);
  if (update === null) {
    writeValue(ctx, target, undefined);
    return;
  }
  const current = readValue(ctx, target);
  const base = isJsonObject(current) && !('value' in update.set) ? current : {};
  writeValue(ctx, target, withUpdate(attribute, base, update, target.path));
}

/** `name.givenName`, `urn:...:enterprise:2.0:User:manager.value`. */
function setSubAttribute(ctx: Context, target: AttributeTarget, value: unknown): void {
  const { attribute } = target.resolved;
  const current = readValue(ctx, target);
  const update = subAttributeUpdate(target, value);
  writeValue(
    ctx,
    target,
    withUpdate(attribute, isJsonObject(current) ? current : {}, update, target.path),
  );
}

function subAttributeUpdate(target: AttributeTarget, value: unknown): ComplexUpdate {
  const sub = target.sub as AttributeDefinition;
  const normalized = normalizeAttributeValue(sub, value, target.path);
  return normalized === undefined
    ? { set: {}, cleared: [sub.name] }
    : { set: { [sub.name]: normalized }, cleared: [] };
}

/**
 * A copy of `base` with the update applied, canonicalised again (an emptied complex value is
 * no value; a manager whose value became "" is cleared).
 */
function withUpdate(
  attribute: AttributeDefinition,
  base: JsonObject,
  update: ComplexUpdate,
  path: string,
): JsonObject | undefined {
  const merged: JsonObject = { ...base };
  for (const name of update.cleared) delete merged[name];
  for (const [name, v] of Object.entries(update.set)) merged[name] = v;
  return normalizeElement(attribute, merged, path) as JsonObject | undefined;
}

/**
 * `emails[type eq "work"]` and `emails[type eq "work"].value` with add or replace: every match
 * is updated (RFC 7644 §3.5.2.3). When nothing matches and the filter only says what the value
 * is (`type eq "work"`), the value is created: Okta and Entra ID rely on it, where the RFC would
 * answer noTarget.
 */
function applyToMatches(
  ctx: Context,
  op: 'add' | 'replace',
  target: AttributeTarget,
  value: unknown,
): void {
  const { attribute } = target.resolved;
  const filter = target.filter as Filter;
  const elements = asArray(readValue(ctx, target));
  const touched: unknown[] = [];
  const updateOne = (element: unknown): unknown => {
    const updated = updateElement(target, isJsonObject(element) ? element : {}, value);
    if (updated !== undefined) touched.push(updated);
    return updated;
  };
  const hits = elements.map((e) => matches(attribute, filter, e));
  let result: unknown[];
  if (hits.includes(true)) {
    result = elements.map((e, i) => (hits[i] ? updateOne(e) : e));
  } else {
    const created = elementFromFilter(attribute, filter);
    if (!created) throw noTarget(`No value of "${attribute.name}" matches the filter of "${op}"`);
    result = [...elements, updateOne(created)];
  }
  const remaining = result.filter((e) => e !== undefined);
  preferPrimary(remaining, touched, attribute.name);
  writeValue(ctx, target, remaining.length > 0 ? remaining : undefined);
}

/** Merges the operation's value into one matched element (or sets its sub-attribute). */
function updateElement(target: AttributeTarget, element: JsonObject, value: unknown): unknown {
  const { attribute } = target.resolved;
  if (target.sub)
    return withUpdate(attribute, element, subAttributeUpdate(target, value), target.path);
  // The value of a filtered path is one element (an array of one is a dialect: value-path-array).
  const update = normalizeComplex(attribute, value, target.path);
  return update === null ? undefined : withUpdate(attribute, element, update, target.path);
}

/**
 * The element a filter describes, when it is a conjunction of `eq` comparisons on
 * sub-attributes (`type eq "work"`, `type eq "work" and primary eq true`); else undefined.
 */
function elementFromFilter(attribute: AttributeDefinition, filter: Filter): JsonObject | undefined {
  const comparisons = eqConjunction(filter);
  if (!comparisons) return undefined;
  const element: JsonObject = {};
  for (const { path, value } of comparisons) {
    const sub =
      path.urn || path.subAttribute ? undefined : findSubAttribute(attribute, path.attribute);
    if (!sub || value === null || sub.mutability === 'readOnly') return undefined;
    const normalized = normalizeElement(sub, value, `${attribute.name}.${sub.name}`);
    if (sub.name in element && !jsonEqual(element[sub.name], normalized)) return undefined;
    element[sub.name] = normalized;
  }
  return element;
}

function eqConjunction(filter: Filter): { path: AttrPath; value: FilterValue }[] | undefined {
  if (filter.kind === 'compare') {
    return filter.op === 'eq' ? [{ path: filter.path, value: filter.value }] : undefined;
  }
  if (filter.kind !== 'and') return undefined;
  const left = eqConjunction(filter.left);
  const right = eqConjunction(filter.right);
  return left && right ? [...left, ...right] : undefined;
}

/**
 * RFC 7644 §3.5.2: "a value with 'primary' set to 'true' ... the server SHALL set any existing
 * 'primary' attribute to 'false'" for the other values.
 */
function preferPrimary(elements: unknown[], touched: readonly unknown[], path: string): void {
  const winners = touched.filter((e) => isJsonObject(e) && e['primary'] === true);
  checkSinglePrimary(winners, path);
  const winner = winners[0];
  if (winner !== undefined) {
    for (const element of elements) {
      if (element !== winner && isJsonObject(element) && element['primary'] === true) {
        element['primary'] = false;
      }
    }
  }
  checkSinglePrimary(elements, path);
}

// ---------------------------------------------------------------------------------------------
// remove
// ---------------------------------------------------------------------------------------------

/** RFC 7644 §3.5.2.2. */
function applyRemove(ctx: Context, target: AttributeTarget, value: unknown): void {
  const { attribute } = target.resolved;
  if (target.filter) {
    removeMatches(ctx, target);
    return;
  }
  if (target.sub) {
    setSubAttribute(ctx, target, null);
    return;
  }
  if (attribute.required) throw invalidValue(`Attribute "${target.path}" is required`);
  if (attribute.multiValued && value != null) throw removeWithValue(target);
  writeValue(ctx, target, undefined);
}

/**
 * RFC 7644 §3.5.2.2: a `remove` without a filter removes every value of a multi-valued
 * attribute; the RFC gives `value` no meaning there. Clients that send one (Entra ID's legacy
 * member removal) mean "only these", so obeying the RFC would empty the attribute: refused,
 * unless the client's dialect has turned the list into a filter (remove-*-by-value).
 */
function removeWithValue(target: AttributeTarget) {
  const name = target.resolved.attribute.name;
  return invalidValue(
    `A "remove" of "${target.path}" takes no "value" (RFC 7644 §3.5.2.2): name the values with a filter, such as ${name}[value eq "..."]`,
  );
}

/**
 * `emails[type eq "work"]` removes the matching values; `emails[type eq "work"].display` the
 * sub-attribute from them. No match is not an error: the state asked for already holds.
 */
function removeMatches(ctx: Context, target: AttributeTarget): void {
  const { attribute } = target.resolved;
  const filter = target.filter as Filter;
  const remaining = asArray(readValue(ctx, target))
    .map((element) => {
      if (!matches(attribute, filter, element)) return element;
      if (!target.sub || !isJsonObject(element)) return undefined;
      const update = { set: {}, cleared: [target.sub.name] };
      return withUpdate(attribute, element, update, target.path);
    })
    .filter((e) => e !== undefined);
  writeValue(ctx, target, remaining.length > 0 ? remaining : undefined);
}

// ---------------------------------------------------------------------------------------------
// Group members: changes for the membership table, never data
// ---------------------------------------------------------------------------------------------

/**
 * Every operation on `members` becomes membership changes, costing O(members named in the
 * operation) whatever the size of the group.
 */
function applyToMembers(
  ctx: Context,
  op: PatchOperation['op'],
  target: AttributeTarget,
  value: unknown,
): void {
  const { attribute } = target.resolved;
  const changes = ctx.memberChanges;
  // checkWritable already refused the sub-attributes the schema has (all immutable or
  // readOnly); members are only ever added and removed whole.
  if (target.sub) throw mutability(`Attribute "${target.path}" cannot be modified`);
  if (target.filter) {
    // A member's value and type are immutable: members are added and removed, not edited.
    if (op !== 'remove')
      throw mutability(`Members cannot be modified in place: "${op}" them instead`);
    const ids = valueEqualities(target.filter);
    changes.push(
      ids
        ? { kind: 'remove', ids: [...new Set(ids)] }
        : { kind: 'removeWhere', filter: target.filter },
    );
    return;
  }
  if (op === 'remove') {
    // RFC 7644 §3.5.2.2: a remove without a filter empties the group. With a value list the
    // client means "only these" (Entra ID, authentik, JumpCloud): never empty the group for it.
    if (value != null) throw removeWithValue(target);
    changes.push({ kind: 'removeAll' });
    return;
  }
  // RFC 7644 §3.5.2.3: replace without a filter replaces all the members.
  if (op === 'replace') changes.push({ kind: 'removeAll' });
  const members = normalizeMembers(attribute, value);
  if (members && members.length > 0) changes.push({ kind: 'add', members });
}

/** `value eq "a"` and `value eq "a" or value eq "b"`: the ids they name, else undefined. */
function valueEqualities(filter: Filter): string[] | undefined {
  if (filter.kind === 'or') {
    const left = valueEqualities(filter.left);
    const right = valueEqualities(filter.right);
    return left && right ? [...left, ...right] : undefined;
  }
  if (filter.kind !== 'compare' || filter.op !== 'eq' || typeof filter.value !== 'string') {
    return undefined;
  }
  const { path } = filter;
  const namesValue = !path.urn && !path.subAttribute && path.attribute.toLowerCase() === 'value';
  return namesValue ? [filter.value] : undefined;
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function matches(attribute: AttributeDefinition, filter: Filter, element: unknown): boolean {
  // The filter's paths name sub-attributes of the element (RFC 7644 §3.5.2, valuePath).
  const caseExactOf = (path: AttrPath) =>
    findSubAttribute(attribute, path.attribute)?.caseExact ?? false;
  return evaluateFilter(filter, element, caseExactOf);
}

function readValue(ctx: Context, target: AttributeTarget): unknown {
  const { resolved } = target;
  const container = resolved.extension ? ctx.data[resolved.schema] : ctx.data;
  return isJsonObject(container) ? container[resolved.attribute.name] : undefined;
}

/** Sets the attribute, or clears it when `value` is undefined. */
function writeValue(ctx: Context, target: AttributeTarget, value: unknown): void {
  const { resolved } = target;
  const container = containerFor(ctx.data, resolved);
  if (value === undefined) delete container[resolved.attribute.name];
  else container[resolved.attribute.name] = value;
  pruneExtension(ctx.data, resolved);
}

function asArray(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...value] : [value];
}

/** Deep equality of JSON values; object key order does not matter. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (!isJsonObject(a) || !isJsonObject(b)) return false;
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length &&
    keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]))
  );
}

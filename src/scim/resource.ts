/**
 * The stored form of a SCIM resource, and the projection of a full resource for responses.
 *
 * `normalizeResource` turns a POST or PUT body into the stored form ("data"): the SCIM
 * representation with canonical attribute names, extension attributes under their schema URN
 * key, and without `id`, `meta`, `schemas`, computed or write-only attributes, and Group
 * `members` (which live in a membership table). The value normalisation here is shared with the
 * PATCH interpreter (patch.ts), so both accept exactly the same values.
 *
 * It accepts RFC 7643 only (attribute names and schema URNs in any case, §2.1). What identity
 * providers send besides (booleans as strings, a bare-string manager, dotted keys) is rewritten
 * into that form before it gets here, by the client's dialect (dialects.ts).
 */
import { invalidSyntax, invalidValue } from './errors.ts';
import type {
  AttributeDefinition,
  ResolvedAttribute,
  ResourceTypeDefinition,
  SchemaDefinition,
} from './schema.ts';
import { commonAttributes, findSubAttribute, resolveAttribute } from './schema.ts';

export type JsonObject = Record<string, unknown>;

/** A Group member as the membership table keeps it. */
export interface MemberRef {
  value: string;
  type?: 'User' | 'Group';
  display?: string;
}

export interface NormalizedResource {
  data: JsonObject;
  members?: MemberRef[];
  password?: string;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEmptyObject(value: JsonObject): boolean {
  return Object.keys(value).length === 0;
}

// ---------------------------------------------------------------------------------------------
// Schema look-ups
// ---------------------------------------------------------------------------------------------

/** The schema (core or extension) whose URN is exactly `key`, case-insensitively. */
export function schemaByUrn(
  resourceType: ResourceTypeDefinition,
  key: string,
): { schema: SchemaDefinition; extension: boolean } | undefined {
  const lower = key.toLowerCase();
  if (resourceType.schema.id.toLowerCase() === lower) {
    return { schema: resourceType.schema, extension: false };
  }
  const found = resourceType.extensions.find((e) => e.schema.id.toLowerCase() === lower);
  return found ? { schema: found.schema, extension: true } : undefined;
}

/**
 * Group `members` is not stored in data: the membership table holds it. The schema has no flag
 * for "stored elsewhere", so this is the one place that knows it.
 */
export function isMembersAttribute(
  resourceType: ResourceTypeDefinition,
  attribute: AttributeDefinition,
): boolean {
  return attribute.name === 'members' && resourceType.schema.attributes.includes(attribute);
}

/** The attribute's path as messages show it: URN-qualified for extension attributes. */
export function displayPath(resolved: ResolvedAttribute): string {
  const base = resolved.subAttribute
    ? `${resolved.attribute.name}.${resolved.subAttribute.name}`
    : resolved.attribute.name;
  return resolved.extension ? `${resolved.schema}:${base}` : base;
}

export function unknownAttribute(resourceType: ResourceTypeDefinition, name: string) {
  return invalidValue(`Unknown attribute "${name}" for resource type ${resourceType.name}`);
}

/**
 * A resource (and a PATCH path-less value) holds attributes by name (RFC 7643 §2.1), and
 * extension attributes under their schema's URN key (§3.3). A dotted (`name.givenName`),
 * filtered or URN-qualified key is a path, which only a PATCH `path` may hold. (Check
 * `schemaByUrn` first: schema URNs have dots of their own.)
 */
export function isPathLike(key: string): boolean {
  return key.includes('.') || key.includes('[') || key.toLowerCase().startsWith('urn:');
}

export function notAnAttributeName(key: string) {
  return invalidValue(
    `"${key}" is a path, not an attribute name: nest sub-attributes in their attribute and ` +
      'extension attributes under their schema URN (RFC 7643 §3.3)',
  );
}

/**
 * A single-valued complex attribute with a `value` sub-attribute is a reference to another
 * resource (the enterprise `manager`).
 */
export function isReference(attribute: AttributeDefinition): boolean {
  return (
    attribute.type === 'complex' &&
    !attribute.multiValued &&
    findSubAttribute(attribute, 'value') !== undefined
  );
}

// ---------------------------------------------------------------------------------------------
// Value normalisation (shared with PATCH)
// ---------------------------------------------------------------------------------------------

/**
 * Validates and canonicalises the value of `attribute` (RFC 7643 §2.3 types, §2.4 multi-valued
 * attributes). Returns `undefined` when the value is unassigned: null, an empty array or an
 * empty complex value are all "no value" (RFC 7643 §2.5).
 */
export function normalizeAttributeValue(
  attribute: AttributeDefinition,
  value: unknown,
  path: string,
): unknown {
  if (value == null) return undefined;
  if (!attribute.multiValued) return normalizeElement(attribute, value, path);
  if (!Array.isArray(value)) throw invalidValue(`Attribute "${path}" must be an array`);
  const elements = value
    .map((element) => normalizeElement(attribute, element, path))
    .filter((element) => element !== undefined);
  checkSinglePrimary(elements, path);
  return elements.length > 0 ? elements : undefined;
}

/** One value of `attribute`: the attribute's value, or one element when it is multi-valued. */
export function normalizeElement(
  attribute: AttributeDefinition,
  value: unknown,
  path: string,
): unknown {
  if (value == null) return undefined;
  if (attribute.type !== 'complex') return normalizeScalar(attribute, value, path);
  const update = normalizeComplex(attribute, value, path);
  return update && !isEmptyObject(update.set) ? update.set : undefined;
}

/** RFC 7643 §2.4: "The primary attribute value 'true' MUST appear no more than once." */
export function checkSinglePrimary(elements: readonly unknown[], path: string): void {
  const primaries = elements.filter((e) => isJsonObject(e) && e['primary'] === true).length;
  if (primaries > 1) {
    throw invalidValue(`At most one value of "${path}" may have "primary": true`);
  }
}

/**
 * A complex value, split into the sub-attributes it sets and those it explicitly clears with
 * null (PATCH merges both into the current value). `null` means the whole value is cleared.
 * Read-only sub-attributes (`manager.displayName`, `members.display`) are dropped silently:
 * clients echo what they read.
 */
export interface ComplexUpdate {
  set: JsonObject;
  cleared: string[];
}

export function normalizeComplex(
  attribute: AttributeDefinition,
  value: unknown,
  path: string,
): ComplexUpdate | null {
  if (value == null || isEmptyReference(attribute, value)) return null;
  if (!isJsonObject(value)) throw invalidValue(`Attribute "${path}" must be a complex object`);
  const update: ComplexUpdate = { set: {}, cleared: [] };
  for (const [key, raw] of Object.entries(value)) {
    const sub = findSubAttribute(attribute, key);
    if (!sub) throw invalidValue(`Unknown sub-attribute "${key}" of "${path}"`);
    if (sub.mutability === 'readOnly') continue;
    const normalized = normalizeAttributeValue(sub, raw, `${path}.${sub.name}`);
    if (normalized === undefined) update.cleared.push(sub.name);
    else update.set[sub.name] = normalized;
  }
  return update;
}

/** A reference whose `value` is "" refers to nothing: it is no value, so it clears the attribute. */
function isEmptyReference(attribute: AttributeDefinition, value: unknown): boolean {
  return isReference(attribute) && isJsonObject(value) && value['value'] === '';
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function normalizeScalar(attribute: AttributeDefinition, value: unknown, path: string): unknown {
  switch (attribute.type) {
    case 'string':
    case 'reference':
    case 'binary':
      if (typeof value !== 'string') throw invalidValue(`Attribute "${path}" must be a string`);
      // JSON lets "\ud800" through; no database stores it as sent (PostgreSQL turns it into
      // U+FFFD), so the value read back would not be the value written.
      if (LONE_SURROGATE.test(value)) {
        throw invalidValue(`Attribute "${path}" is not valid Unicode (a lone surrogate)`);
      }
      if (attribute.uniqueness !== 'none') refuseControlCharacters(value, path);
      // PostgreSQL stores no U+0000 (src/lib/nul.ts): refused on both databases alike.
      if (value.includes('\u0000')) {
        throw invalidValue(`Attribute "${path}": U+0000 (NUL) is not allowed in any value`);
      }
      return value;
    case 'boolean':
      return normalizeBoolean(value, path);
    case 'integer':
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      throw invalidValue(`Attribute "${path}" must be an integer`);
    case 'decimal':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      throw invalidValue(`Attribute "${path}" must be a number`);
    case 'dateTime':
      if (typeof value === 'string' && isDateTime(value)) return value;
      throw invalidValue(`Attribute "${path}" must be an ISO 8601 date-time`);
    case 'complex':
      throw new Error('normalizeScalar: complex attributes are handled by normalizeComplex');
  }
}

/**
 * An attribute whose value is unique (`uniqueness` server or global: a User's userName, a
 * Group's displayName) is the resource's name: shown in lists and logs, typed in filters, looked
 * up by identity providers before a create. A control character in it (C0, DEL and C1: U+0000
 * to U+001F, U+007F to U+009F: NUL, a line break, a tab, NEL) or a line or paragraph separator
 * (U+2028, U+2029) makes a name nobody can read or type, which breaks the lines of the CLI's
 * tables and of logs. A name of white space only is refused as no name at all
 * (checkRequired). Spaces around a name are kept as sent: identity providers match on the value
 * they sent.
 */
function refuseControlCharacters(value: string, path: string): void {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029) {
      const codePoint = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
      throw invalidValue(
        `Attribute "${path}" must not contain a control character or a line separator (${codePoint})`,
      );
    }
  }
}

/** RFC 7643 §2.3.2: a JSON true or false (the dialects turn Entra ID's "False" into one). */
function normalizeBoolean(value: unknown, path: string): boolean {
  if (typeof value === 'boolean') return value;
  throw invalidValue(`Attribute "${path}" must be a boolean`);
}

/** RFC 7643 §2.3.5: an xsd:dateTime, such as 2008-01-23T04:56:22Z. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

function isDateTime(value: string): boolean {
  return DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
}

// ---------------------------------------------------------------------------------------------
// Group members
// ---------------------------------------------------------------------------------------------

/**
 * Validates a `members` value: an array of objects with a string `value`. `type` is
 * canonicalised to `User`/`Group`; `display` is kept for the caller, `$ref` is ignored (the
 * service computes it). Duplicates (by value) are dropped, the first one wins.
 */
export function normalizeMembers(
  attribute: AttributeDefinition,
  value: unknown,
): MemberRef[] | undefined {
  if (value == null) return undefined;
  if (!Array.isArray(value)) throw invalidValue(`Attribute "${attribute.name}" must be an array`);
  const byValue = new Map<string, MemberRef>();
  for (const element of value) {
    if (element == null) continue;
    const member = normalizeMember(attribute, element);
    if (!byValue.has(member.value)) byValue.set(member.value, member);
  }
  return [...byValue.values()];
}

function normalizeMember(attribute: AttributeDefinition, element: unknown): MemberRef {
  const path = attribute.name;
  if (!isJsonObject(element)) throw invalidValue(`Each value of "${path}" must be an object`);
  let value: string | undefined;
  let type: MemberRef['type'];
  let display: string | undefined;
  for (const [key, raw] of Object.entries(element)) {
    const sub = findSubAttribute(attribute, key);
    if (!sub) throw invalidValue(`Unknown sub-attribute "${key}" of "${path}"`);
    if (raw == null) continue;
    if (sub.name === 'value') value = memberValue(raw, path);
    else if (sub.name === 'type') type = memberType(raw, path);
    else if (sub.name === 'display' && typeof raw === 'string') display = raw;
  }
  if (value === undefined) throw invalidValue(`Each value of "${path}" needs a "value"`);
  return {
    value,
    ...(type !== undefined ? { type } : {}),
    ...(display !== undefined ? { display } : {}),
  };
}

function memberValue(raw: unknown, path: string): string {
  if (typeof raw !== 'string' || raw === '') {
    throw invalidValue(`Attribute "${path}.value" must be a non-empty string`);
  }
  return raw;
}

function memberType(raw: unknown, path: string): 'User' | 'Group' {
  const lower = typeof raw === 'string' ? raw.toLowerCase() : undefined;
  if (lower === 'user') return 'User';
  if (lower === 'group') return 'Group';
  throw invalidValue(`Attribute "${path}.type" must be "User" or "Group"`);
}

// ---------------------------------------------------------------------------------------------
// Stored-form invariants (shared with PATCH)
// ---------------------------------------------------------------------------------------------

/**
 * Values the service stores explicitly when a client leaves them out: a User is active unless
 * it says otherwise. (The schema has no notion of defaults.)
 */
const DEFAULTS: Readonly<Record<string, JsonObject>> = { User: { active: true } };

export function applyDefaults(resourceType: ResourceTypeDefinition, data: JsonObject): void {
  for (const [name, value] of Object.entries(DEFAULTS[resourceType.id] ?? {})) {
    if (data[name] === undefined) data[name] = value;
  }
}

function isBlank(value: unknown): boolean {
  if (value == null) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  return false;
}

/** RFC 7643 §7 `required`: checked on the stored form after every create, replace and patch. */
export function checkRequired(resourceType: ResourceTypeDefinition, data: JsonObject): void {
  checkRequiredIn(resourceType.schema, data, (name) => name);
  for (const { schema, required } of resourceType.extensions) {
    const container = data[schema.id];
    if (!isJsonObject(container)) {
      if (required) throw invalidValue(`Extension "${schema.id}" is required`);
      continue;
    }
    checkRequiredIn(schema, container, (name) => `${schema.id}:${name}`);
  }
}

function checkRequiredIn(
  schema: SchemaDefinition,
  container: JsonObject,
  pathOf: (name: string) => string,
): void {
  for (const attribute of schema.attributes) {
    if (attribute.required && isBlank(container[attribute.name])) {
      throw invalidValue(`Attribute "${pathOf(attribute.name)}" is required`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// POST / PUT bodies
// ---------------------------------------------------------------------------------------------

interface Accumulator {
  readonly resourceType: ResourceTypeDefinition;
  readonly data: JsonObject;
  members?: MemberRef[];
  password?: string;
}

/**
 * Validates a POST or PUT body and returns its stored form. Keys are attribute names, matched
 * case-insensitively (RFC 7643 §2.1), or schema URNs; read-only attributes are ignored (RFC 7644
 * §3.3 and §3.5.1: PUT bodies echo them back); `password` is returned apart and never stored.
 */
export function normalizeResource(
  resourceType: ResourceTypeDefinition,
  body: unknown,
): NormalizedResource {
  if (!isJsonObject(body)) throw invalidSyntax('The request body must be a JSON object');
  const acc: Accumulator = { resourceType, data: {} };
  for (const [key, value] of Object.entries(body)) {
    if (key.toLowerCase() === 'schemas') {
      checkSchemas(resourceType, value);
      continue;
    }
    const urnKey = schemaByUrn(resourceType, key);
    if (urnKey) {
      assignSchemaObject(acc, urnKey.schema, key, value);
      continue;
    }
    if (isPathLike(key)) throw notAnAttributeName(key);
    const resolved = resolveAttribute(resourceType, key);
    if (!resolved) throw unknownAttribute(resourceType, key);
    assign(acc, resolved, value);
  }
  applyDefaults(resourceType, acc.data);
  checkRequired(resourceType, acc.data);
  return {
    data: acc.data,
    ...(acc.members ? { members: acc.members } : {}),
    ...(acc.password !== undefined ? { password: acc.password } : {}),
  };
}

/**
 * `schemas` may be omitted (clients forget it), but what it lists must be this resource type's
 * core schema or one of its extensions (RFC 7643 §3).
 */
function checkSchemas(resourceType: ResourceTypeDefinition, value: unknown): void {
  if (value == null) return;
  if (!Array.isArray(value)) throw invalidValue('"schemas" must be an array of schema URNs');
  for (const urn of value) {
    if (typeof urn !== 'string') throw invalidValue('"schemas" must be an array of schema URNs');
    if (!schemaByUrn(resourceType, urn)) {
      throw invalidValue(`Unknown schema "${urn}" for resource type ${resourceType.name}`);
    }
  }
}

/** `"urn:...:enterprise:2.0:User": { ... }`: each key is an attribute of that schema. */
function assignSchemaObject(
  acc: Accumulator,
  schema: SchemaDefinition,
  key: string,
  value: unknown,
): void {
  if (value == null) return;
  if (!isJsonObject(value)) throw invalidValue(`Attribute "${key}" must be a complex object`);
  for (const [name, inner] of Object.entries(value)) {
    if (isPathLike(name)) throw notAnAttributeName(`${schema.id}:${name}`);
    const resolved = resolveAttribute(acc.resourceType, `${schema.id}:${name}`);
    if (!resolved) throw unknownAttribute(acc.resourceType, `${schema.id}:${name}`);
    assign(acc, resolved, inner);
  }
}

/** Assigns a whole attribute (keys are attribute names, so there is no sub-attribute here). */
function assign(acc: Accumulator, resolved: ResolvedAttribute, value: unknown): void {
  const { attribute } = resolved;
  const path = displayPath(resolved);
  if (attribute.mutability === 'readOnly') return;
  if (attribute.mutability === 'writeOnly') {
    const password = normalizeAttributeValue(attribute, value, path);
    if (typeof password === 'string') acc.password = password;
    return;
  }
  if (isMembersAttribute(acc.resourceType, attribute)) {
    acc.members = normalizeMembers(attribute, value);
    return;
  }
  const container = containerFor(acc.data, resolved);
  const normalized = normalizeAttributeValue(attribute, value, path);
  if (normalized === undefined) delete container[attribute.name];
  else container[attribute.name] = normalized;
  pruneExtension(acc.data, resolved);
}

/** The object holding the attribute: the resource, or its extension's object. */
export function containerFor(data: JsonObject, resolved: ResolvedAttribute): JsonObject {
  if (!resolved.extension) return data;
  const existing = data[resolved.schema];
  if (isJsonObject(existing)) return existing;
  const created: JsonObject = {};
  data[resolved.schema] = created;
  return created;
}

/** An extension object without attributes is no extension at all (RFC 7643 §2.5). */
export function pruneExtension(data: JsonObject, resolved: ResolvedAttribute): void {
  const container = data[resolved.schema];
  if (resolved.extension && isJsonObject(container) && isEmptyObject(container)) {
    delete data[resolved.schema];
  }
}

// ---------------------------------------------------------------------------------------------
// Projection: `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5), `returned` (§7)
// ---------------------------------------------------------------------------------------------

/** Attributes named in an `attributes` or `excludedAttributes` list, resolved to definitions. */
interface Selection {
  readonly whole: Set<AttributeDefinition>;
  readonly subs: Map<AttributeDefinition, Set<AttributeDefinition>>;
  /** Extension URNs named on their own: the whole extension object. */
  readonly extensions: Set<string>;
}

/** What of an attribute a selection asks for: nothing, all of it, or some sub-attributes. */
type Part = 'none' | 'whole' | Set<AttributeDefinition>;

/** Splits the `attributes`/`excludedAttributes` query parameter (RFC 7644 §3.4.2.5). */
export function parseAttributeList(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = (Array.isArray(value) ? value : [value])
    .flatMap((v) => v.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return items.length > 0 ? items : undefined;
}

/**
 * Applies `returned` and the `attributes`/`excludedAttributes` parameters to a full resource.
 * Unknown names are ignored: the RFC is silent, and clients expect leniency.
 */
export function projectResource(
  resourceType: ResourceTypeDefinition,
  resource: JsonObject,
  options: { attributes?: string[]; excludedAttributes?: string[] },
): JsonObject {
  const include = options.attributes ? select(resourceType, options.attributes) : undefined;
  const exclude = select(resourceType, options.excludedAttributes ?? []);
  const output: JsonObject = {};
  for (const [key, value] of Object.entries(resource)) {
    const projected = projectTopLevel(resourceType, key, value, include, exclude);
    if (projected !== undefined) output[key] = projected;
  }
  return output;
}

function select(resourceType: ResourceTypeDefinition, names: readonly string[]): Selection {
  const selection: Selection = { whole: new Set(), subs: new Map(), extensions: new Set() };
  for (const name of names) {
    const urnKey = schemaByUrn(resourceType, name);
    if (urnKey?.extension) selection.extensions.add(urnKey.schema.id);
    const resolved = urnKey ? undefined : resolveAttribute(resourceType, name);
    if (!resolved) continue;
    if (!resolved.subAttribute) {
      selection.whole.add(resolved.attribute);
      continue;
    }
    const subs = selection.subs.get(resolved.attribute) ?? new Set<AttributeDefinition>();
    subs.add(resolved.subAttribute);
    selection.subs.set(resolved.attribute, subs);
  }
  return selection;
}

function projectTopLevel(
  resourceType: ResourceTypeDefinition,
  key: string,
  value: unknown,
  include: Selection | undefined,
  exclude: Selection,
): unknown {
  // `schemas` is not in any schema, yet every response carries it (RFC 7643 §3).
  if (key.toLowerCase() === 'schemas') return value;
  const urnKey = schemaByUrn(resourceType, key);
  if (urnKey?.extension)
    return projectExtension(resourceType, urnKey.schema, value, include, exclude);
  const resolved = key.includes('.') ? undefined : resolveAttribute(resourceType, key);
  // Something the service put there that no schema describes: returned by default.
  if (!resolved || resolved.extension) return include ? undefined : value;
  return projectAttribute(resolved.attribute, value, include, exclude, false);
}

function projectExtension(
  resourceType: ResourceTypeDefinition,
  schema: SchemaDefinition,
  value: unknown,
  include: Selection | undefined,
  exclude: Selection,
): unknown {
  if (exclude.extensions.has(schema.id)) return undefined;
  if (!isJsonObject(value))
    return include && !include.extensions.has(schema.id) ? undefined : value;
  const whole = include === undefined || include.extensions.has(schema.id);
  const output: JsonObject = {};
  for (const [key, inner] of Object.entries(value)) {
    const resolved = key.includes('.')
      ? undefined
      : resolveAttribute(resourceType, `${schema.id}:${key}`);
    const projected = resolved
      ? projectAttribute(resolved.attribute, inner, include, exclude, whole)
      : whole
        ? inner
        : undefined;
    if (projected !== undefined) output[key] = projected;
  }
  return isEmptyObject(output) ? undefined : output;
}

function projectAttribute(
  attribute: AttributeDefinition,
  value: unknown,
  include: Selection | undefined,
  exclude: Selection,
  parentWhole: boolean,
): unknown {
  if (attribute.returned === 'never') return undefined;
  if (attribute.returned === 'always') return value;
  const included = includedPart(attribute, include, parentWhole);
  if (included === 'none' || exclude.whole.has(attribute)) return undefined;
  if (attribute.type !== 'complex') return value;
  const excludedSubs = exclude.subs.get(attribute);
  const keep = (sub: AttributeDefinition | undefined) =>
    keepSubAttribute(sub, included, excludedSubs);
  return projectComplexValue(attribute, value, keep);
}

/**
 * RFC 7643 §7: `request` attributes only when named; with `attributes`, only what it names (a
 * whole extension named by its URN counts as naming its attributes, except `request` ones).
 */
function includedPart(
  attribute: AttributeDefinition,
  include: Selection | undefined,
  parentWhole: boolean,
): Part {
  if (include?.whole.has(attribute)) return 'whole';
  const subs = include?.subs.get(attribute);
  if (subs) return subs;
  if (attribute.returned === 'request') return 'none';
  return include === undefined || parentWhole ? 'whole' : 'none';
}

function keepSubAttribute(
  sub: AttributeDefinition | undefined,
  included: Exclude<Part, 'none'>,
  excludedSubs: Set<AttributeDefinition> | undefined,
): boolean {
  // Sub-attributes no schema describes are kept with their parent.
  if (!sub) return included === 'whole';
  if (sub.returned === 'never') return false;
  if (sub.returned === 'always') return true;
  if (excludedSubs?.has(sub)) return false;
  if (included !== 'whole') return included.has(sub);
  return sub.returned !== 'request';
}

function projectComplexValue(
  attribute: AttributeDefinition,
  value: unknown,
  keep: (sub: AttributeDefinition | undefined) => boolean,
): unknown {
  const projectOne = (element: unknown): unknown => {
    if (!isJsonObject(element)) return element;
    const output: JsonObject = {};
    for (const [key, inner] of Object.entries(element)) {
      if (keep(findSubAttribute(attribute, key))) output[key] = inner;
    }
    return isEmptyObject(output) ? undefined : output;
  };
  if (!Array.isArray(value)) return projectOne(value);
  const elements = value.map(projectOne).filter((e) => e !== undefined);
  return elements.length > 0 ? elements : undefined;
}

/** The common attribute definitions, for callers that need `id` or `meta` by identity. */
export function commonAttribute(name: 'id' | 'externalId' | 'meta'): AttributeDefinition {
  const found = commonAttributes.find((a) => a.name === name);
  if (!found) throw new Error(`No common attribute ${name}`);
  return found;
}

/**
 * Evaluates a filter in memory against one JSON object: the PATCH interpreter uses it to pick
 * the elements of a multi-valued attribute (`emails[type eq "work"]`, `members[value eq "…"]`),
 * and tests use it as a reference for the SQL compiler.
 *
 * Semantics (RFC 7644 §3.4.2.2), and the choices the RFC leaves open:
 * - Attribute names match keys case-insensitively (RFC 7643 §2.1).
 * - A URN-qualified path reads from the object's extension member named by the URN when there is
 *   one (`{"urn:…:enterprise:2.0:User": {"employeeNumber": …}}`) and otherwise from the object
 *   itself, where core schema attributes live. A bare name that the object lacks is looked up
 *   in its extension members (Entra ID's `manager eq "42"`).
 * - On a multi-valued attribute a comparison matches when any value matches; complex values
 *   (objects) compare through their "value" sub-attribute, so `emails co "example.com"` and
 *   Entra ID's `manager eq "42"` work.
 * - `attr eq null` means "attr is not present" and `attr ne null` means "attr pr": JSON null and
 *   absence are the same thing in SCIM (RFC 7643 §2.5), so this is the only useful reading.
 * - `ne` is true when some value differs or when the attribute has no value at all: a user
 *   without a title matches `title ne "Boss"`.
 * - Strings compare case-insensitively unless `caseExactOf(path)` says otherwise; gt/ge/lt/le
 *   order strings by UTF-16 code units; two dateTimes with a time zone compare as instants (for
 *   eq and ne too). Numbers compare numerically. Booleans only support eq and ne. Operands of other
 *   type combinations do not match, except that a number (as unquoted values such as
 *   `externalId eq 12345` parse) compares as its text with a string for eq, ne, co, sw and ew.
 *
 * Never throws for a filter that parseFilter returned.
 */
import type { AttrPath, CompareOperator, Filter, FilterValue } from './filter-ast.ts';

export function evaluateFilter(
  filter: Filter,
  element: unknown,
  caseExactOf: (path: AttrPath) => boolean,
): boolean {
  switch (filter.kind) {
    case 'and':
      return (
        evaluateFilter(filter.left, element, caseExactOf) &&
        evaluateFilter(filter.right, element, caseExactOf)
      );
    case 'or':
      return (
        evaluateFilter(filter.left, element, caseExactOf) ||
        evaluateFilter(filter.right, element, caseExactOf)
      );
    case 'not':
      return !evaluateFilter(filter.filter, element, caseExactOf);
    case 'present':
      return valuesAt(element, filter.path).some(isPresent);
    case 'valuePath':
      // The inner filter's paths are relative to each element of the multi-valued attribute.
      return valuesAt(element, filter.path).some((item) =>
        evaluateFilter(filter.filter, item, caseExactOf),
      );
    case 'compare':
      return compare(filter.path, filter.op, filter.value, element, caseExactOf);
  }
}

function compare(
  path: AttrPath,
  op: CompareOperator,
  value: FilterValue,
  element: unknown,
  caseExactOf: (path: AttrPath) => boolean,
): boolean {
  const values = valuesAt(element, path);
  if (value === null) {
    if (op === 'eq') return !values.some(isPresent);
    if (op === 'ne') return values.some(isPresent);
    return false;
  }
  const operands = values
    .map((item) =>
      path.subAttribute === undefined && isObject(item) ? lookup(item, 'value') : item,
    )
    .filter((item) => item !== undefined && item !== null);
  const caseExact = operands.some((item) => typeof item === 'string') && caseExactOf(path);
  if (op === 'ne') {
    return operands.length === 0 || operands.some((item) => !matches('eq', item, value, caseExact));
  }
  return operands.some((item) => matches(op, item, value, caseExact));
}

function matches(
  op: CompareOperator,
  actual: unknown,
  expected: string | number | boolean,
  caseExact: boolean,
): boolean {
  if (typeof expected === 'boolean' || typeof actual === 'boolean') {
    return op === 'eq' && actual === expected;
  }
  if (typeof actual === 'number' && typeof expected === 'number') {
    return op === 'eq' ? actual === expected : isOrdered(op, Math.sign(actual - expected));
  }
  if (typeof actual !== 'string') return false;
  if (typeof expected === 'number') {
    return !isOrdering(op) && matchText(op, actual, String(expected), caseExact);
  }
  if (op !== 'co' && op !== 'sw' && op !== 'ew') {
    // Two dateTimes compare as instants: "…34Z" equals "…34.000Z" and "…36+02:00".
    const a = parseDateTime(actual);
    const b = parseDateTime(expected);
    if (a !== undefined && b !== undefined) {
      return op === 'eq' ? a === b : op === 'ne' ? a !== b : isOrdered(op, Math.sign(a - b));
    }
  }
  return matchText(op, actual, expected, caseExact);
}

function matchText(op: CompareOperator, actual: string, expected: string, caseExact: boolean) {
  const a = caseExact ? actual : actual.toLowerCase();
  const b = caseExact ? expected : expected.toLowerCase();
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'co':
      return a.includes(b);
    case 'sw':
      return a.startsWith(b);
    case 'ew':
      return a.endsWith(b);
    default:
      return isOrdered(op, a < b ? -1 : a > b ? 1 : 0);
  }
}

const isOrdering = (op: CompareOperator) =>
  op === 'gt' || op === 'ge' || op === 'lt' || op === 'le';

function isOrdered(op: CompareOperator, sign: number): boolean {
  switch (op) {
    case 'gt':
      return sign > 0;
    case 'ge':
      return sign >= 0;
    case 'lt':
      return sign < 0;
    case 'le':
      return sign <= 0;
    default:
      return false;
  }
}

/**
 * RFC 7643 §2.3.5: dateTime is an xsd:dateTime such as "2011-05-13T04:42:34Z". Only values with a
 * time zone count, so that the result never depends on the server's local zone.
 */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/i;

function parseDateTime(text: string): number | undefined {
  if (!DATE_TIME.test(text)) return undefined;
  const time = Date.parse(text);
  return Number.isNaN(time) ? undefined : time;
}

/** The values at `path`, with multi-valued attributes flattened into their elements. */
function valuesAt(element: unknown, path: AttrPath): unknown[] {
  let base = element;
  if (path.urn !== undefined) {
    const extension = lookup(element, path.urn);
    if (isObject(extension)) base = extension;
  }
  let found = lookup(base, path.attribute);
  // Entra ID names extension attributes without their URN (`manager eq "42"`): look in the
  // extension members when the core attributes have no such name.
  if (found === undefined && path.urn === undefined && isObject(element)) {
    for (const [key, extension] of Object.entries(element)) {
      if (!key.toLowerCase().startsWith('urn:') || !isObject(extension)) continue;
      found = lookup(extension, path.attribute);
      if (found !== undefined) break;
    }
  }
  const values = asList(found);
  const sub = path.subAttribute;
  return sub === undefined ? values : values.flatMap((item) => asList(lookup(item, sub)));
}

function asList(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** RFC 7643 §2.1: attribute names are case-insensitive; an exact key wins. */
function lookup(object: unknown, name: string): unknown {
  if (!isObject(object)) return undefined;
  if (Object.hasOwn(object, name)) return object[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(object)) {
    if (key.toLowerCase() === lower) return object[key];
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 7644 §3.4.2.2 "pr": a value that is not null, "", [] or {}. */
function isPresent(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isObject(value)) return Object.keys(value).length > 0;
  return true;
}

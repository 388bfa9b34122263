import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScimError } from './errors.ts';
import type { AttrPath, CompareOperator, Filter, FilterValue } from './filter-ast.ts';
import { FILTER_LIMITS, formatFilter, parseFilter, parsePatchPath } from './filter.ts';

// ---------------------------------------------------------------------------------------------
// Generators of filter ASTs that parseFilter can produce
// ---------------------------------------------------------------------------------------------

/** RFC 7644 §3.4.2.2 ATTRNAME, minus the logical words, which the grammar reads as keywords. */
const attrName = fc.oneof(
  fc.constantFrom('userName', 'emails', 'value', 'type', '$ref', 'true', 'pr', 'eq', 'x-y_1'),
  fc
    .stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,10}$/)
    .filter((name) => !['and', 'or', 'not'].includes(name.toLowerCase())),
);

const urn = fc.oneof(
  fc.constantFrom(
    'urn:ietf:params:scim:schemas:core:2.0:User',
    'urn:ietf:params:scim:schemas:core:2.0:Group',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  ),
  fc
    .tuple(
      fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,6}$/),
      fc.array(fc.stringMatching(/^[A-Za-z0-9.$_-]{1,6}$/), { minLength: 1, maxLength: 4 }),
    )
    .map(([nid, segments]) => `urn:${nid}:${segments.join(':')}`),
);

/** An attribute path at the top level of a filter. */
const attrPath: fc.Arbitrary<AttrPath> = fc.record(
  { urn, attribute: attrName, subAttribute: attrName },
  { requiredKeys: ['attribute'] },
);
/** What a value filter's paths may be: a bare sub-attribute name. */
const elementPath: fc.Arbitrary<AttrPath> = attrName.map((attribute) => ({ attribute }));

const stringValue = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', '"', '\\', '\\"', '/', '\u0000\b\f\n\r\t', '\ud800', 'and or not ( ) [ ]'),
);
const numberValue = fc.oneof(
  fc.integer(),
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map((n) => n / 100),
  fc.constantFrom(0, -0, 1e21, -1e-7, Number.MAX_SAFE_INTEGER, Number.MAX_VALUE),
);
const orderedValue: fc.Arbitrary<FilterValue> = fc.oneof(stringValue, numberValue);
const anyValue: fc.Arbitrary<FilterValue> = fc.oneof(
  stringValue,
  numberValue,
  fc.boolean(),
  fc.constant(null),
);

function comparison(path: fc.Arbitrary<AttrPath>): fc.Arbitrary<Filter> {
  const equality = fc.record({
    kind: fc.constant('compare' as const),
    path,
    op: fc.constantFrom<CompareOperator>('eq', 'ne', 'co', 'sw', 'ew'),
    value: anyValue,
  });
  // RFC 7644 §3.4.2.2: ordering a Boolean or null is an error, so the parser never returns it.
  const ordering = fc.record({
    kind: fc.constant('compare' as const),
    path,
    op: fc.constantFrom<CompareOperator>('gt', 'lt', 'ge', 'le'),
    value: orderedValue,
  });
  const present = fc.record({ kind: fc.constant('present' as const), path });
  return fc.oneof(equality, ordering, present);
}

/** and / or / not trees over `leaf`, kept well inside the parser's limits. */
function logic(leaf: fc.Arbitrary<Filter>, maxDepth: number): fc.Arbitrary<Filter> {
  return fc.letrec<{ filter: Filter }>((tie) => ({
    filter: fc.oneof(
      { maxDepth, depthIdentifier: `logic${maxDepth}` },
      leaf,
      fc.record({ kind: fc.constant('and' as const), left: tie('filter'), right: tie('filter') }),
      fc.record({ kind: fc.constant('or' as const), left: tie('filter'), right: tie('filter') }),
      fc.record({ kind: fc.constant('not' as const), filter: tie('filter') }),
    ),
  })).filter;
}

const valuePath: fc.Arbitrary<Filter> = fc.record({
  kind: fc.constant('valuePath' as const),
  path: attrPath.map(({ urn, attribute }) =>
    urn === undefined ? { attribute } : { urn, attribute },
  ),
  filter: logic(comparison(elementPath), 3),
});

const filterAst = logic(fc.oneof(comparison(attrPath), valuePath), 5);

function leaves(filter: Filter): number {
  switch (filter.kind) {
    case 'and':
    case 'or':
      return leaves(filter.left) + leaves(filter.right);
    case 'not':
    case 'valuePath':
      return leaves(filter.filter);
    default:
      return 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Generators of arbitrary, mostly filter-like, text
// ---------------------------------------------------------------------------------------------

const filterToken = fc.oneof(
  fc.constantFrom(
    'userName',
    'emails',
    'name.givenName',
    'urn:ietf:params:scim:schemas:core:2.0:User:userName',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value',
    '.value',
    '$ref',
    'eq',
    'NE',
    'co',
    'sw',
    'ew',
    'gt',
    'lt',
    'ge',
    'le',
    'pr',
    'and',
    'OR',
    'not',
    '(',
    ')',
    '[',
    ']',
    '"',
    '"john"',
    '"a\\"b"',
    '"\\u00e9"',
    '"\\x"',
    'true',
    'False',
    'null',
    '42',
    '-1.5e3',
    '1e999',
    '-',
    ':',
    '.',
    'alice@x.com',
    '\\',
  ),
  fc.string({ maxLength: 3 }),
);
const filterishText = fc
  .array(fc.tuple(filterToken, fc.constantFrom('', ' ', '  ', '\t')), { maxLength: 30 })
  .map((parts) => parts.map(([token, space]) => token + space).join(''));

const anyText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  filterishText,
);

/** Either a value, or a ScimError 400 with `scimType`; anything else fails the property. */
function returnsOrRejects(fn: () => unknown, scimType: string): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ScimError);
    expect((error as ScimError).status).toBe(400);
    expect((error as ScimError).scimType).toBe(scimType);
    expect((error as ScimError).message.length).toBeGreaterThan(0);
  }
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

describe('filter properties', () => {
  it('parseFilter(formatFilter(ast)) equals ast', () => {
    const withinLimits = filterAst.filter(
      (ast) =>
        leaves(ast) <= FILTER_LIMITS.maxComparisons &&
        formatFilter(ast).length <= FILTER_LIMITS.maxLength,
    );
    fc.assert(
      fc.property(withinLimits, (ast) => {
        // fast-check builds null-prototype objects; the parser builds plain ones.
        expect(parseFilter(formatFilter(ast))).toStrictEqual(structuredClone(ast));
      }),
      { numRuns: 1000 },
    );
  });

  it('formatFilter is canonical: printing a parsed filter again gives the same text', () => {
    fc.assert(
      fc.property(filterishText, (text) => {
        let parsed: Filter;
        try {
          parsed = parseFilter(text);
        } catch {
          return;
        }
        const canonical = formatFilter(parsed);
        expect(formatFilter(parseFilter(canonical))).toBe(canonical);
      }),
      { numRuns: 1000 },
    );
  });

  it('parseFilter returns a Filter or throws invalidFilter, for any text', () => {
    fc.assert(
      fc.property(anyText, (text) => returnsOrRejects(() => parseFilter(text), 'invalidFilter')),
      { numRuns: 2000 },
    );
  });

  it('parsePatchPath returns a path or throws invalidPath, for any text', () => {
    const pathish = fc.oneof(
      anyText,
      fc.tuple(filterToken, filterishText).map(([head, rest]) => `${head}[${rest}]`),
    );
    fc.assert(
      fc.property(pathish, (text) => returnsOrRejects(() => parsePatchPath(text), 'invalidPath')),
      { numRuns: 2000 },
    );
  });

  it('rejects hostile nesting quickly', () => {
    const hostile = [
      '('.repeat(100_000),
      '('.repeat(4000),
      'not ('.repeat(800),
      `${'a['.repeat(2000)}`,
      `${'('.repeat(2000)}a pr${')'.repeat(2000)}`,
      `emails[${'('.repeat(2000)}`,
      Array.from({ length: 600 }, () => 'a pr').join(' and '),
    ];
    const started = performance.now();
    for (const text of hostile) {
      expect(() => parseFilter(text)).toThrow(ScimError);
      expect(() => parsePatchPath(text)).toThrow(ScimError);
    }
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

/**
 * Property: for random filters over a seeded directory, the users the SQL compilation selects
 * (src/directory/filter-sql.ts, through listUsers) are exactly those the in-memory evaluator
 * (src/scim/filter-eval.ts) accepts on each user's SCIM representation. Both databases.
 *
 * The generators stay where the two agree by design. The exclusions, each also noted where
 * it is made:
 * - Case-insensitive attributes read from JSON or from a side table's raw text (title,
 *   name.familyName, department, emails.type, phoneNumbers.*) go through the database's
 *   lower(), which on SQLite folds ASCII only. Their data has no upper-case non-ASCII letter
 *   and their filter values only change the case of ASCII letters. userName, displayName and
 *   emails.value are lower-cased by JavaScript on both sides, so any case change is fine there.
 * - meta.created: both compare instants; eq and ne get the stored form (toISOString), gt/ge/lt/le
 *   any time zone. No value finer than a millisecond (the evaluator truncates it), and none
 *   without a time zone (SQL reads it as UTC, the evaluator as text).
 * - Extension attributes are URN-qualified here; bare names (Entra ID's `department`) are
 *   checked in the table of test/filter-sql.test.ts.
 * - A number compared with a string attribute only with eq, ne, co, sw and ew (SQL refuses to
 *   order text by a number, the evaluator says false). Booleans only with eq and ne.
 * - Only BMP characters: SQL orders by UTF-8 bytes, JavaScript by UTF-16 code units.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect } from '../src/db/database.ts';
import type { DirectoryContext } from '../src/directory/context.ts';
import { createUser, listUsers } from '../src/directory/user.service.ts';
import type { AttrPath, CompareOperator, Filter, FilterValue } from '../src/scim/filter-ast.ts';
import { formatAttrPath } from '../src/scim/filter-ast.ts';
import { evaluateFilter } from '../src/scim/filter-eval.ts';
import { formatFilter } from '../src/scim/filter.ts';
import { normalizeRequest } from '../src/scim/dialects.ts';
import { normalizeResource } from '../src/scim/resource.ts';
import { leafOf, resolveAttribute, SCHEMA, userResourceType } from '../src/scim/schema.ts';
import { DIALECTS, openTestDatabase } from './support/databases.ts';
import type { TestDatabase } from './support/databases.ts';

/** What `POST /Users` stores for `body`: Entra ID's shapes (a bare manager) go through its dialect. */
const storedUser = (body: unknown) =>
  normalizeResource(
    userResourceType,
    normalizeRequest('generic', { resourceType: 'User', operation: 'create', body }).body,
  );

const ENT = SCHEMA.enterpriseUser;
const NUM_RUNS = Number(process.env.FILTER_SQL_RUNS) || 150;

/** The directory: meta.created, and the POST body. */
const PEOPLE: [created: string, body: Record<string, unknown>][] = [
  [
    '2010-01-01T00:00:00.000Z',
    {
      userName: 'bjensen',
      displayName: 'Babs Jensen',
      title: 'Tour Guide',
      externalId: 'bjensen',
      name: { familyName: 'Jensen', givenName: 'Barbara' },
      emails: [
        { value: 'bjensen@example.com', type: 'work', primary: true },
        { value: 'babs@jensen.org', type: 'home' },
      ],
      phoneNumbers: [
        { value: '555-555-5555', type: 'work' },
        { value: '555-555-4444', type: 'mobile' },
      ],
      [ENT]: { department: 'Tour Operations', employeeNumber: '701984' },
    },
  ],
  [
    '2011-05-13T04:42:34.000Z',
    {
      userName: 'JSmith',
      displayName: 'John Smith',
      title: 'Manager',
      externalId: 'EXT-1',
      name: { familyName: 'Smith' },
      emails: [{ value: 'John.Smith@Example.com', type: 'work' }],
      phoneNumbers: [{ value: '+1 555 0100', type: 'mobile' }],
      [ENT]: { department: 'Sales' },
    },
  ],
  [
    '2011-05-13T04:42:34.001Z',
    {
      userName: "Sean.O'Malley@Example.com",
      displayName: "Seán O'Malley",
      title: 'engineer',
      externalId: 'ext-1',
      active: false,
      name: { familyName: "O'Malley" },
      emails: [{ value: "sean.o'malley@example.com", type: 'Work' }],
    },
  ],
  [
    '2011-05-13T04:42:35.000Z',
    {
      userName: 'Zoë.Ünal',
      displayName: 'ZOË ÜNAL',
      title: 'Ingenieur',
      emails: [{ value: 'ZOË@Example.ORG', type: 'other' }],
      [ENT]: { department: 'R&D' },
    },
  ],
  ['2012-02-29T12:00:00.000Z', { userName: 'minimal' }],
  [
    '2013-01-01T00:00:00.000Z',
    {
      userName: 'inactive.user',
      active: false,
      title: 'Tour Guide',
      emails: [{ value: 'inactive@example.com' }],
    },
  ],
  [
    '2014-07-04T09:15:00.250Z',
    {
      userName: 'wild%card_user\\one',
      displayName: 'under_score',
      title: '50% off_sale',
      externalId: '12345',
    },
  ],
  [
    '2014-07-04T09:15:00.251Z',
    {
      userName: 'wildxxcardyuser',
      displayName: 'underXscore',
      title: '50 percent off sale',
      externalId: '123456',
    },
  ],
  [
    '2015-03-01T00:00:00.000Z',
    { userName: 'empty.strings', displayName: '', title: '', externalId: '' },
  ],
  [
    '2016-01-01T00:00:00.000Z',
    {
      userName: 'groupie',
      name: { givenName: 'Gru' },
      emails: [
        { value: 'gru@villains.test', type: 'other' },
        { value: 'gru@work.test', type: 'work' },
      ],
      phoneNumbers: [{ value: '555-1234', type: 'work' }, { value: '555-9999' }],
    },
  ],
  [
    '2017-01-01T00:00:00.000Z',
    {
      userName: 'MiXeD.CaSe@Example.COM',
      displayName: 'MIXED case',
      title: 'tour guide',
      emails: [
        { value: 'MiXeD.CaSe@Example.COM', type: 'WORK' },
        { value: 'mixed@home.test', type: 'home' },
      ],
    },
  ],
  [
    '2018-01-01T00:00:00.000Z',
    {
      userName: 'entra.user',
      title: 'Sales Rep',
      [ENT]: { department: 'sales', manager: 'mgr-42' },
    },
  ],
  [
    '2018-06-15T08:30:00.000Z',
    { userName: 'phone.only', phoneNumbers: [{ value: '555-0000', type: 'Mobile' }] },
  ],
  [
    '2019-01-01T00:00:00.000Z',
    { userName: 'Ærøskøbing', displayName: 'Ærø İstanbul', externalId: 'ÆRØ' },
  ],
  [
    '2019-01-01T00:00:00.500Z',
    {
      userName: 'multi.mail',
      emails: [
        { value: 'a@multi.test', type: 'work' },
        { value: 'b@multi.test', type: 'work' },
        { value: 'c@multi.test' },
      ],
    },
  ],
  ['2020-01-01T00:00:00.000Z', { userName: 'dept.only', [ENT]: { department: 'Tour Operations' } }],
  [
    '2021-01-01T00:00:00.000Z',
    {
      userName: 'Boss',
      displayName: 'The Boss',
      title: 'CEO',
      externalId: 'BOSS',
      [ENT]: { employeeNumber: '1' },
    },
  ],
  [
    '2022-01-01T00:00:00.000Z',
    {
      userName: 'back\\slash',
      displayName: 'Back\\Slash',
      title: 'C:\\Temp',
      name: { familyName: 'back\\slash' },
    },
  ],
  [
    '2023-12-31T23:59:59.999Z',
    {
      userName: 'new.year',
      title: 'TOUR GUIDE (acting)',
      emails: [{ value: 'ny@Example.com', type: 'HOME' }],
      name: { familyName: 'de la Cruz' },
    },
  ],
  [
    '2024-02-29T00:00:00.000Z',
    {
      userName: 'greek',
      displayName: 'ΟΔΟΣ Σ',
      title: 'café crème',
      name: { familyName: 'müller' },
    },
  ],
];

// ---------------------------------------------------------------------------------------------
// Values: drawn from the data, then mutated
// ---------------------------------------------------------------------------------------------

/** The string values at `path` (a list of keys; arrays are flattened) in the stored data. */
function valuesAt(path: readonly string[]): string[] {
  const found = new Set<string>();
  const walk = (value: unknown, rest: readonly string[]): void => {
    if (Array.isArray(value)) return value.forEach((v) => walk(v, rest));
    if (rest.length === 0) {
      if (typeof value === 'string') found.add(value);
      return;
    }
    if (typeof value === 'object' && value !== null) {
      walk((value as Record<string, unknown>)[rest[0]!], rest.slice(1));
    }
  };
  for (const [, body] of PEOPLE) walk(storedUser(body).data, path);
  return [...found];
}

/**
 * Changes the case of some letters. `unicode` false: ASCII letters only (see the header:
 * SQLite's lower() does not fold the others).
 */
function recase(text: string, flips: readonly boolean[], unicode: boolean): string {
  return [...text]
    .map((ch, i) => {
      if (!flips[i % Math.max(flips.length, 1)]) return ch;
      if (!unicode && !/[A-Za-z]/.test(ch)) return ch;
      return ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase();
    })
    .join('');
}

/** Pieces of text that are not in the data, or are only in some of it. Lower-case non-ASCII. */
const odd = fc.string({
  unit: fc.constantFrom(..."aAeEsS.@-_%\\' 5é".split('')),
  minLength: 1,
  maxLength: 3,
});

function stringValues(values: readonly string[], unicode: boolean): fc.Arbitrary<string> {
  const base = fc.constantFrom(...values);
  const cut = fc.tuple(base, fc.nat(), fc.nat()).map(([v, a, b]) => {
    const chars = [...v];
    const start = a % (chars.length + 1);
    return chars.slice(start, start + (b % (chars.length - start + 1))).join('');
  });
  const prefix = fc
    .tuple(base, fc.nat())
    .map(([v, n]) => [...v].slice(0, n % ([...v].length + 1)).join(''));
  const suffix = fc
    .tuple(base, fc.nat())
    .map(([v, n]) => [...v].slice(n % ([...v].length + 1)).join(''));
  const piece = fc.oneof(base, cut, prefix, suffix);
  return fc.oneof(
    { arbitrary: base, weight: 3 },
    { arbitrary: piece, weight: 3 },
    {
      arbitrary: fc
        .tuple(piece, fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }))
        .map(([v, flips]) => recase(v, flips, unicode)),
      weight: 3,
    },
    { arbitrary: fc.constantFrom('', 'nobody', 'zzz'), weight: 1 },
    { arbitrary: odd, weight: 1 },
  );
}

const STRING_OPS: CompareOperator[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];

interface Attribute {
  readonly path: AttrPath;
  readonly leaf: fc.Arbitrary<Filter>;
}

function present(path: AttrPath): fc.Arbitrary<Filter> {
  return fc.constant({ kind: 'present', path });
}

function nullCompare(path: AttrPath): fc.Arbitrary<Filter> {
  return fc.constantFrom<CompareOperator>('eq', 'ne').map((op) => ({
    kind: 'compare',
    path,
    op,
    value: null,
  }));
}

function compare(
  path: AttrPath,
  ops: readonly CompareOperator[],
  value: fc.Arbitrary<FilterValue>,
): fc.Arbitrary<Filter> {
  return fc
    .tuple(fc.constantFrom(...ops), value)
    .map(([op, v]) => ({ kind: 'compare', path, op, value: v }));
}

function stringAttribute(
  path: AttrPath,
  dataPath: readonly string[],
  unicode: boolean,
  numbers: readonly number[] = [],
): Attribute {
  const leaves = [
    present(path),
    nullCompare(path),
    compare(path, STRING_OPS, stringValues(valuesAt(dataPath), unicode)),
  ];
  // An unquoted number compares as its text, for the operators that do not order.
  if (numbers.length > 0) {
    leaves.push(compare(path, ['eq', 'ne', 'co', 'sw', 'ew'], fc.constantFrom(...numbers)));
  }
  return { path, leaf: fc.oneof({ arbitrary: leaves[2]!, weight: 4 }, ...leaves) };
}

// ---------------------------------------------------------------------------------------------
// meta.created
// ---------------------------------------------------------------------------------------------

const CREATED = PEOPLE.map(([created]) => Date.parse(created));

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

/** `time` written in the time zone `offset` (minutes east of UTC), with or without millis. */
function inZone(time: number, offset: number, millis: boolean): string {
  const local = new Date(time + offset * 60_000).toISOString();
  const zone =
    offset === 0
      ? 'Z'
      : `${offset < 0 ? '-' : '+'}${pad(Math.trunc(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return (millis ? local.slice(0, 23) : local.slice(0, 19)) + zone;
}

/** An instant near the stored ones: one of them, or a millisecond, second or day either side. */
const nearInstant = fc
  .tuple(
    fc.constantFrom(...CREATED),
    fc.constantFrom(0, 0, 1, -1, 1000, -1000, 86_400_000, -86_400_000),
  )
  .map(([t, d]) => t + d);

const createdPath: AttrPath = { attribute: 'meta', subAttribute: 'created' };
const created: Attribute = {
  path: createdPath,
  leaf: fc.oneof(
    // eq and ne: the stored form.
    compare(
      createdPath,
      ['eq', 'ne'],
      nearInstant.map((t) => new Date(t).toISOString()),
    ),
    // Ordering: any time zone, with or without milliseconds (the evaluator compares instants).
    fc
      .tuple(
        fc.constantFrom<CompareOperator>('gt', 'ge', 'lt', 'le'),
        nearInstant,
        fc.constantFrom(0, 120, -240, 330, -570),
        fc.boolean(),
      )
      .map(([op, t, offset, millis]): Filter => ({
        kind: 'compare',
        path: createdPath,
        op,
        value: inZone(millis ? t : t - (t % 1000), offset, millis),
      })),
    present(createdPath),
  ),
};

// ---------------------------------------------------------------------------------------------
// Filters
// ---------------------------------------------------------------------------------------------

const attr = (attribute: string, subAttribute?: string, urn?: string): AttrPath => ({
  ...(urn ? { urn } : {}),
  attribute,
  ...(subAttribute ? { subAttribute } : {}),
});

const ATTRIBUTES: Attribute[] = [
  stringAttribute(attr('userName'), ['userName'], true),
  stringAttribute(attr('displayName'), ['displayName'], true),
  stringAttribute(attr('title'), ['title'], false),
  // externalId is case-exact: case changes must not match.
  stringAttribute(attr('externalId'), ['externalId'], true, [12345, 1, 123]),
  stringAttribute(attr('emails', 'value'), ['emails', 'value'], true),
  stringAttribute(attr('emails'), ['emails', 'value'], true),
  stringAttribute(attr('emails', 'type'), ['emails', 'type'], false),
  stringAttribute(attr('name', 'familyName'), ['name', 'familyName'], false),
  stringAttribute(attr('phoneNumbers', 'type'), ['phoneNumbers', 'type'], false),
  stringAttribute(attr('phoneNumbers', 'value'), ['phoneNumbers', 'value'], false),
  stringAttribute(attr('department', undefined, ENT), [ENT, 'department'], false),
  {
    path: attr('active'),
    leaf: fc.oneof(
      compare(attr('active'), ['eq', 'ne'], fc.boolean()),
      present(attr('active')),
      nullCompare(attr('active')),
    ),
  },
  created,
  { path: attr('name'), leaf: fc.oneof(present(attr('name')), nullCompare(attr('name'))) },
  {
    path: attr('schemas'),
    leaf: fc.oneof(
      compare(
        attr('schemas'),
        ['eq', 'ne'],
        fc.constantFrom(SCHEMA.user, ENT, ENT.toUpperCase(), 'urn:example:other'),
      ),
      present(attr('schemas')),
    ),
  },
];

/** `emails[...]` and `phoneNumbers[...]`: and/or/not over the element's type and value. */
function valueFilter(attribute: 'emails' | 'phoneNumbers'): fc.Arbitrary<Filter> {
  const type = stringAttribute(attr('type'), [attribute, 'type'], false).leaf;
  const value = stringAttribute(attr('value'), [attribute, 'value'], attribute === 'emails').leaf;
  const { inner } = fc.letrec<{ inner: Filter }>((tie) => ({
    inner: fc.oneof(
      { maxDepth: 2, depthIdentifier: `in-${attribute}` },
      type,
      value,
      fc.record({ kind: fc.constant('and' as const), left: tie('inner'), right: tie('inner') }),
      fc.record({ kind: fc.constant('or' as const), left: tie('inner'), right: tie('inner') }),
      fc.record({ kind: fc.constant('not' as const), filter: tie('inner') }),
    ),
  }));
  return inner.map((filter): Filter => ({ kind: 'valuePath', path: attr(attribute), filter }));
}

const leaf = fc.oneof(
  { arbitrary: fc.oneof(...ATTRIBUTES.map((a) => a.leaf)), weight: 6 },
  { arbitrary: valueFilter('emails'), weight: 1 },
  { arbitrary: valueFilter('phoneNumbers'), weight: 1 },
  // The RFC's example shape: emails[type eq "work" and value co "@example.com"].
  {
    arbitrary: fc
      .tuple(
        stringValues(valuesAt(['emails', 'type']), false),
        stringValues(valuesAt(['emails', 'value']), true),
      )
      .map(([type, value]): Filter => ({
        kind: 'valuePath',
        path: attr('emails'),
        filter: {
          kind: 'and',
          left: { kind: 'compare', path: attr('type'), op: 'eq', value: type },
          right: { kind: 'compare', path: attr('value'), op: 'co', value },
        },
      })),
    weight: 1,
  },
);

const { filter: filterArbitrary } = fc.letrec<{ filter: Filter }>((tie) => ({
  filter: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'filter' },
    leaf,
    fc.record({ kind: fc.constant('and' as const), left: tie('filter'), right: tie('filter') }),
    fc.record({ kind: fc.constant('or' as const), left: tie('filter'), right: tie('filter') }),
    fc.record({ kind: fc.constant('not' as const), filter: tie('filter') }),
  ),
}));

// ---------------------------------------------------------------------------------------------
// The property
// ---------------------------------------------------------------------------------------------

/** caseExact from the schema; paths inside brackets do not resolve, and are not case-exact. */
function caseExactOf(path: AttrPath): boolean {
  const resolved = resolveAttribute(userResourceType, formatAttrPath(path));
  return resolved ? leafOf(resolved).caseExact : false;
}

function contextOf(database: TestDatabase, dialect: Dialect, now?: string): DirectoryContext {
  return {
    db: database.db,
    dialect,
    actor: { kind: 'local', name: 'test' },
    ...(now ? { now: () => now } : {}),
  };
}

for (const dialect of DIALECTS) {
  describe(`filter-sql agrees with the evaluator (${dialect})`, () => {
    let database: TestDatabase;
    /** id → the user as responses show it (without groups, which no filter here reads). */
    const resources = new Map<string, Record<string, unknown>>();

    beforeAll(async () => {
      database = await openTestDatabase(dialect);
      for (const [createdAt, body] of PEOPLE) {
        const { data } = storedUser(body);
        const user = await createUser(contextOf(database, dialect, createdAt), data);
        resources.set(user.id, {
          schemas: [SCHEMA.user, ...(ENT in user.data ? [ENT] : [])],
          id: user.id,
          ...user.data,
          meta: { resourceType: 'User', created: user.createdAt, lastModified: user.updatedAt },
        });
      }
    });
    afterAll(() => database.drop());

    it('selects the users the evaluator accepts', async () => {
      const context = contextOf(database, dialect);
      let matchedSome = 0;
      await fc.assert(
        fc.asyncProperty(filterArbitrary, async (filter) => {
          const page = await listUsers(context, { filter, offset: 0, limit: 1000 });
          const selected = page.items.map((u) => u.id).sort();
          const expected = [...resources]
            .filter(([, resource]) => evaluateFilter(filter, resource, caseExactOf))
            .map(([id]) => id)
            .sort();
          if (expected.length > 0 && expected.length < resources.size) matchedSome++;
          expect(selected, formatFilter(filter)).toEqual(expected);
          expect(page.total).toBe(selected.length);
        }),
        { numRuns: NUM_RUNS },
      );
      // The generators draw values from the data: many filters select some users, not all.
      expect(matchedSome).toBeGreaterThan(NUM_RUNS / 5);
    });
  });
}

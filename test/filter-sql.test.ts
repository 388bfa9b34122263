/**
 * The SQL compilation of SCIM filters (src/directory/filter-sql.ts), on SQLite and PostgreSQL:
 * a directory of varied users and nested groups, and a table of filters with the exact users
 * (or groups) each must select. Every row is also checked against the in-memory evaluator
 * (src/scim/filter-eval.ts), which states the same semantics; the rows where the two differ on
 * purpose say so. Filters the directory cannot evaluate must be a 400 invalidFilter.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect } from '../src/db/database.ts';
import type { DirectoryContext } from '../src/directory/context.ts';
import { compileFilter } from '../src/directory/filter-sql.ts';
import { createGroup, listGroups } from '../src/directory/group.service.ts';
import type { Group } from '../src/directory/group.service.ts';
import { createUser, groupsOf, listUsers } from '../src/directory/user.service.ts';
import type { User } from '../src/directory/user.service.ts';
import { ScimError } from '../src/scim/errors.ts';
import type { AttrPath } from '../src/scim/filter-ast.ts';
import { formatAttrPath } from '../src/scim/filter-ast.ts';
import { evaluateFilter } from '../src/scim/filter-eval.ts';
import { parseFilter } from '../src/scim/filter.ts';
import { normalizeRequest } from '../src/scim/dialects.ts';
import { normalizeResource } from '../src/scim/resource.ts';
import {
  groupResourceType,
  leafOf,
  resolveAttribute,
  SCHEMA,
  userResourceType,
} from '../src/scim/schema.ts';
import type { ResourceTypeDefinition } from '../src/scim/schema.ts';
import { DIALECTS, openTestDatabase } from './support/databases.ts';
import type { TestDatabase } from './support/databases.ts';

/** What `POST /Users` stores for `body`: Entra ID's shapes (a bare manager) go through its dialect. */
const storedUser = (body: unknown) =>
  normalizeResource(
    userResourceType,
    normalizeRequest('generic', { resourceType: 'User', operation: 'create', body }).body,
  );

const ENT = SCHEMA.enterpriseUser;
const RFC_MANAGER = '26118915-6090-4610-87e4-49d8ca9f808d';

/** The users, by letter. `created` is their meta.created (and meta.lastModified). */
const USERS: Record<string, { created: string; body: Record<string, unknown> }> = {
  A: {
    created: '2010-01-01T00:00:00.000Z',
    body: {
      userName: 'bjensen',
      externalId: 'bjensen',
      name: { formatted: 'Ms. Barbara J Jensen III', familyName: 'Jensen', givenName: 'Barbara' },
      displayName: 'Babs Jensen',
      nickName: 'Babs',
      userType: 'Employee',
      title: 'Tour Guide',
      emails: [
        { value: 'bjensen@example.com', type: 'work', primary: true },
        { value: 'babs@jensen.org', type: 'home' },
      ],
      phoneNumbers: [
        { value: '555-555-5555', type: 'work' },
        { value: '555-555-4444', type: 'mobile' },
      ],
      [ENT]: {
        employeeNumber: '701984',
        department: 'Tour Operations',
        manager: { value: RFC_MANAGER },
      },
    },
  },
  B: {
    created: '2011-05-13T04:42:34.000Z',
    body: {
      userName: 'JSmith',
      externalId: 'EXT-100',
      name: { familyName: 'Smith', givenName: 'John' },
      displayName: 'John Smith',
      userType: 'Employee',
      title: 'Manager',
      emails: [{ value: 'John.Smith@Example.com', type: 'work', primary: true }],
      phoneNumbers: [{ value: '+1 555 0100', type: 'mobile', primary: true }],
      [ENT]: { employeeNumber: '100', department: 'Sales', manager: { value: RFC_MANAGER } },
    },
  },
  C: {
    created: '2011-05-13T04:42:34.500Z',
    body: {
      userName: "sean.o'malley@example.com",
      externalId: 'ext-100',
      name: { familyName: "O'Malley", givenName: 'Seán' },
      displayName: "Seán O'Malley",
      title: 'Engineer',
      active: false,
      emails: [{ value: "sean.o'malley@example.com", type: 'work' }],
    },
  },
  D: {
    created: '2012-06-01T12:00:00.000Z',
    body: {
      userName: 'Zoë.Ünal',
      name: { familyName: 'Ünal', givenName: 'Zoë' },
      displayName: 'Zoë Ünal',
      title: 'Ingénieure',
      emails: [{ value: 'ZOE@Example.ORG', type: 'Work' }],
      [ENT]: { department: 'R&D' },
    },
  },
  E: { created: '2015-01-01T00:00:00.000Z', body: { userName: 'minimal.user' } },
  F: {
    created: '2016-01-01T00:00:00.000Z',
    body: {
      userName: 'inactive.user',
      active: false,
      title: 'Tour Guide',
      emails: [{ value: 'inactive@example.com' }],
    },
  },
  G: {
    created: '2017-01-01T00:00:00.000Z',
    body: { userName: 'wild%card_user\\one', title: '50% off_sale', displayName: 'under_score' },
  },
  // What G's values would match if %, _ or \ were wildcards or escapes.
  H: {
    created: '2017-02-01T00:00:00.000Z',
    body: { userName: 'wildxxcardyuser', title: '50 percent off sale', displayName: 'underXscore' },
  },
  I: {
    created: '2018-01-01T00:00:00.000Z',
    body: { userName: 'empty.strings', title: '', displayName: '', externalId: '' },
  },
  J: {
    created: '2019-01-01T00:00:00.000Z',
    body: {
      userName: 'groupie',
      name: { givenName: 'Gru' },
      emails: [
        { value: 'gru@villains.test', type: 'other' },
        { value: 'gru@work.test', type: 'work' },
      ],
      phoneNumbers: [{ value: '555-1234', type: 'work' }, { value: '555-9999' }],
    },
  },
  K: {
    created: '2019-06-01T00:00:00.000Z',
    body: {
      userName: 'MiXeD.CaSe@Example.COM',
      displayName: 'MIXED case',
      title: 'tour guide',
      emails: [
        { value: 'MiXeD.CaSe@Example.COM', type: 'work', primary: true },
        { value: 'mixed@home.test', type: 'home' },
      ],
    },
  },
  // Entra ID sends the manager as a bare id.
  L: {
    created: '2020-01-01T00:00:00.000Z',
    body: {
      userName: 'entra.user',
      title: 'Sales Rep',
      [ENT]: { employeeNumber: '42', department: 'Sales', manager: 'mgr-42' },
    },
  },
  M: {
    created: '2020-06-15T08:30:00.000Z',
    body: { userName: 'phone.only', phoneNumbers: [{ value: '555-0000', type: 'Mobile' }] },
  },
  N: {
    created: '2021-01-01T00:00:00.000Z',
    body: { userName: 'Ærøskøbing.User', displayName: 'Ærø', externalId: 'ÆRØ-1' },
  },
  O: {
    created: '2021-03-01T00:00:00.000Z',
    body: {
      userName: 'multi.mail',
      emails: [
        { value: 'a@multi.test', type: 'work' },
        { value: 'b@multi.test', type: 'work' },
      ],
    },
  },
  P: {
    created: '2022-01-01T00:00:00.000Z',
    body: {
      userName: 'dept.only',
      [ENT]: { employeeNumber: '701985', department: 'Tour Operations' },
    },
  },
  Q: {
    created: '2022-06-01T00:00:00.000Z',
    body: {
      userName: 'Boss',
      displayName: 'The Boss',
      title: 'CEO',
      externalId: 'BOSS',
      [ENT]: { department: 'Executive' },
    },
  },
  R: {
    created: '2023-01-01T00:00:00.000Z',
    body: {
      userName: 'addr.user',
      userType: 'Contractor',
      locale: 'de-CH',
      addresses: [{ type: 'work', locality: 'Zürich', country: 'CH' }],
    },
  },
  S: {
    created: '2024-01-01T00:00:00.000Z',
    body: { userName: 'back\\slash', title: 'C:\\Temp', displayName: 'Back Slash' },
  },
  T: {
    created: '2024-02-29T23:59:59.999Z',
    body: {
      userName: 'leap.day',
      title: 'TOUR GUIDE (acting)',
      emails: [{ value: 'leap@Example.com', type: 'HOME', primary: false }],
    },
  },
};
const LETTERS = Object.keys(USERS).join('');

/** Groups, by name, created in this order; members name users by letter and groups by name. */
const GROUPS: { key: string; displayName: string; externalId?: string; members: string[] }[] = [
  { key: 'G1', displayName: 'Tour Guides', members: ['A', 'F'] },
  { key: 'G3', displayName: 'Inner Circle', members: ['J', 'Q'] },
  { key: 'G2', displayName: 'Sales', externalId: 'sales-ext', members: ['B', 'L', 'G3'] },
  { key: 'G4', displayName: 'Empty Group', members: [] },
  { key: 'G5', displayName: 'Parent', members: ['G2'] },
];

/**
 * Expected users as letters: "ABF" those, "-AB" all but those, "*" all, "" none.
 * `sqlite`/`postgres`: where one database answers otherwise (documented next to the row).
 * `evaluator`: what the in-memory evaluator answers where it differs on purpose.
 */
interface Row {
  readonly filter: string;
  readonly expect: string;
  readonly sqlite?: string;
  readonly postgres?: string;
  readonly evaluator?: string;
}

const row = (
  filter: string,
  expected: string,
  extra: Omit<Row, 'filter' | 'expect'> = {},
): Row => ({
  filter,
  expect: expected,
  ...extra,
});

function letters(spec: string): string[] {
  if (spec === '*') return [...LETTERS];
  if (spec.startsWith('-')) return [...LETTERS].filter((l) => !spec.includes(l));
  return [...spec].sort();
}

const U = `urn:ietf:params:scim:schemas:core:2.0:User`;
const E = ENT;

const USER_ROWS: Row[] = [
  // RFC 7644 §3.4.2.2, the examples that apply.
  row('userName eq "bjensen"', 'A'),
  row(`name.familyName co "O'Malley"`, 'C'),
  row('userName sw "J"', 'B'),
  row(`${U}:userName sw "J"`, 'B'),
  row('title pr', 'ABCDFGHKLQST'),
  row('meta.lastModified gt "2011-05-13T04:42:34Z"', '-AB'),
  row('meta.lastModified ge "2011-05-13T04:42:34Z"', '-A'),
  row('meta.lastModified lt "2011-05-13T04:42:34Z"', 'A'),
  row('meta.lastModified le "2011-05-13T04:42:34Z"', 'AB'),
  row('title pr and userType eq "Employee"', 'AB'),
  row('title pr or userType eq "Intern"', 'ABCDFGHKLQST'),
  row(`schemas eq "${E}"`, 'ABDLPQ'),
  row(
    'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
    'AB',
  ),
  row(
    'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
    '-ABCDFKT',
  ),
  row('userType eq "Employee" and (emails.type eq "work")', 'AB'),
  row('userType eq "Employee" and emails[type eq "work" and value co "@example.com"]', 'AB'),
  row(
    'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
    'ABCK',
  ),

  // userName: a lower-cased column, case-insensitive (also beyond ASCII: lowered in JavaScript).
  row('userName eq "BJENSEN"', 'A'),
  row('userName ne "bjensen"', '-A'),
  row('userName co "CASE@"', 'K'),
  row('userName ew ".COM"', 'CK'),
  row('userName sw "wild"', 'GH'),
  row('userName eq "zoë.ünal"', 'D'),
  row('userName eq "ÆRØSKØBING.USER"', 'N'),
  // Ordered by code point: "æ" (U+00E6) sorts after "w".
  row('userName gt "W"', 'DGHN'),
  row('userName lt "c"', 'AQRS'),
  row('userName ge "Zoë.Ünal"', 'DN'),
  row('userName le "b"', 'R'),
  row('userName pr', '*'),
  row('userName eq null', ''),

  // displayName: a lower-cased column.
  row('displayName eq "babs jensen"', 'A'),
  row('displayName eq "MIXED CASE"', 'K'),
  row('displayName co "Ü"', 'D'),
  row('displayName pr', 'ABCDGHKNQS'),
  row('displayName eq null', 'EFIJLMOPRT'),
  row('not (displayName pr)', 'EFIJLMOPRT'),
  row('displayName eq ""', 'I'),
  row('displayName ne "Babs Jensen"', '-A'),

  // externalId and id: case-exact columns.
  row('externalId eq "EXT-100"', 'B'),
  row('externalId eq "ext-100"', 'C'),
  row('externalId eq "Ext-100"', ''),
  row('externalId sw "EXT"', 'B'),
  row('externalId co "ext"', 'C'),
  row('externalId pr', 'ABCNQ'),
  row('externalId eq null', '-ABCNQ'),
  row('externalId ne "bjensen"', '-A'),
  // Code-point order, whatever the database's collation: "E" < "a" < "b" < "Æ".
  row('externalId gt "a"', 'ACN'),
  row('externalId le "BOSS"', 'IQ'),
  row('id eq "<A>"', 'A'),
  row('id eq "<A:upper>"', ''),
  row('id ne "<A>"', '-A'),
  row('id eq "<A>" or id eq "<Q>"', 'AQ'),

  // active: a 0/1 column.
  row('active eq true', '-CF'),
  row('active eq false', 'CF'),
  row('active ne true', 'CF'),
  row('not (active eq true)', 'CF'),
  row('active pr', '*'),
  row('active eq null', ''),
  // Entra ID sends booleans as strings; the evaluator compares a string with a boolean as
  // unequal (it knows no schema).
  row('active eq "True"', '-CF', { evaluator: '' }),

  // emails: the user_emails side table.
  row('emails.value eq "JOHN.SMITH@EXAMPLE.COM"', 'B'),
  row('emails eq "mixed.case@example.com"', 'K'),
  row('emails co "@MULTI.test"', 'O'),
  row('emails.value sw "gru@"', 'J'),
  row('emails.value ew ".ORG"', 'AD'),
  row('emails.type eq "WORK"', 'ABCDJKO'),
  row('emails.type eq "home"', 'AKT'),
  row('emails.primary eq true', 'ABK'),
  row('emails[primary eq true and type eq "work"]', 'ABK'),
  row('emails pr', 'ABCDFJKOT'),
  row('emails eq null', '-ABCDFJKOT'),
  row('emails.type pr', 'ABCDJKOT'),
  row('emails.type eq null', '-ABCDJKOT'),
  // `ne` on a multi-valued attribute: some value differs, or there is none.
  row('emails.type ne "work"', '-BCDO'),
  row('not (emails.type eq "work")', '-ABCDJKO'),
  row('emails[type eq "work"].value eq "gru@work.test"', 'J'),
  row('emails[type eq "other" and value eq "gru@work.test"]', ''),
  row('emails[not (type eq "work")]', 'AFJKT'),
  row(`emails[value co "'"]`, 'C'),
  row('emails ne "bjensen@example.com"', '*'),
  // The side table keeps `primary` as a flag, so an email without `primary` counts as false
  // (RFC 7643 §2.4: only one value is primary). The evaluator sees no value there.
  row('emails[primary eq false]', 'ACDFJKOT', { evaluator: 'T' }),

  // JSON, single-valued strings: case-insensitive through lower() on both sides.
  row('title eq "tour guide"', 'AFK'),
  row('title eq "Tour Guide"', 'AFK'),
  row('title co "GUIDE"', 'AFKT'),
  row('title sw "tour"', 'AFKT'),
  row('title ew "(ACTING)"', 'T'),
  row('title ne "Tour Guide"', '-AFK'),
  row('title eq null', 'EIJMNOPR'),
  row('title ne null', 'ABCDFGHKLQST'),
  row('title eq ""', 'I'),
  row('title co ""', 'ABCDFGHIKLQST'),
  row('title gt "m"', 'ABFKLT'),
  row('title lt "D"', 'GHIQS'),
  row('title eq "Ingénieure"', 'D'),
  row('name.familyName eq "Ünal"', 'D'),
  row('name.familyName sw "Ü"', 'D'),
  row('name.familyName eq "JENSEN"', 'A'),
  // Case folding covers all of Unicode on both databases (SQLite's lower() is replaced).
  row('name.familyName eq "ünal"', 'D'),
  row('title eq "INGÉNIEURE"', 'D'),

  // %, _ and \ are literal characters, never wildcards or escapes.
  row('title co "%"', 'G'),
  row('title co "_"', 'G'),
  row('title sw "50%"', 'G'),
  row('title ew "_sale"', 'G'),
  row('userName co "%card_"', 'G'),
  row('userName sw "wild%"', 'G'),
  row(String.raw`userName ew "\\one"`, 'G'),
  row(String.raw`userName co "\\"`, 'GS'),
  row(String.raw`title co "\\t"`, 'S'),
  row(String.raw`title eq "c:\\temp"`, 'S'),
  row('displayName eq "under_score"', 'G'),
  row('displayName sw "under_"', 'G'),
  row('displayName co "%"', ''),

  // Complex single-valued attributes.
  row('name.givenName pr', 'ABCDJ'),
  row('name pr', 'ABCDJ'),
  row('name eq null', '-ABCDJ'),
  row('name.familyName pr', 'ABCD'),
  row('not (name.familyName pr)', '-ABCD'),

  // JSON, multi-valued complex attributes.
  row('phoneNumbers[type eq "mobile"]', 'ABM'),
  row('phoneNumbers.type eq "MOBILE"', 'ABM'),
  row('phoneNumbers[type eq "mobile" and value sw "555"]', 'AM'),
  row('phoneNumbers co "555-9"', 'J'),
  row('phoneNumbers pr', 'ABJM'),
  row('phoneNumbers.type pr', 'ABJM'),
  row('phoneNumbers[not (type pr)]', 'J'),
  row('phoneNumbers.type ne "work"', '-J'),
  row('phoneNumbers eq null', '-ABJM'),
  row('phoneNumbers.primary eq true', 'B'),
  row('phoneNumbers[primary eq true]', 'B'),
  row('phoneNumbers[primary ne true]', 'AJM'),
  row('addresses[locality eq "ZÜRICH"]', 'R'),
  row('addresses[locality eq "zürich"]', 'R'),
  row('addresses.country eq "ch"', 'R'),
  row('addresses pr', 'R'),
  row('ims pr', ''),
  row('ims eq null', '*'),

  // The enterprise extension, URN-qualified and bare (Entra ID).
  row(`${E}:employeeNumber eq "701984"`, 'A'),
  row(`${E}:employeeNumber sw "7019"`, 'AP'),
  row(`${E}:employeeNumber gt "5"`, 'AP'),
  row(`${E}:department eq "tour operations"`, 'AP'),
  row(`${E}:department ne "Sales"`, '-BL'),
  row(`${E}:department pr`, 'ABDLPQ'),
  row(`${E.toUpperCase()}:DEPARTMENT eq "r&d"`, 'D'),
  row(`${E}:manager.value eq "${RFC_MANAGER}"`, 'AB'),
  row(`${E}:manager eq "mgr-42"`, 'L'),
  // Entra ID names extension attributes without their URN: both look them up in the extensions.
  row('manager eq "mgr-42"', 'L'),
  row('manager eq "MGR-42"', 'L'),
  row(`manager.value eq "${RFC_MANAGER}"`, 'AB'),
  row('manager pr', 'ABL'),
  row('manager eq null', '-ABL'),
  row('department eq "Sales"', 'BL'),
  row(`${U}:name.familyName eq "jensen"`, 'A'),

  // meta.created in the formats clients send.
  row('meta.created gt "2011-05-13T04:42:34Z"', '-AB'),
  row('meta.created eq "2011-05-13T04:42:34Z"', 'B'),
  row('meta.created eq "2011-05-13T04:42:34.000Z"', 'B'),
  row('meta.created eq "2011-05-13T06:42:34+02:00"', 'B'),
  row('meta.created eq "2011-05-13T00:42:34-04:00"', 'B'),
  row('meta.created eq "2011-05-13T04:42:34.5Z"', 'C'),
  row('meta.created eq "2011-05-13t04:42:34z"', 'B'),
  // No time zone: UTC, whatever the server's zone. The evaluator compares it as text.
  row('meta.created eq "2011-05-13T04:42:34"', 'B', { evaluator: '' }),
  row('meta.created ne "2011-05-13T04:42:34Z"', '-B'),
  row('meta.created gt "2011-05-13T06:42:34+02:00"', '-AB'),
  row('meta.created ge "2011-05-13T00:42:34-04:00"', '-A'),
  // Finer than the stored milliseconds; the evaluator truncates to milliseconds.
  row('meta.created ge "2011-05-13T04:42:34.0001Z"', '-AB', { evaluator: '-A' }),
  row('meta.created le "2011-05-13T04:42:34.0001Z"', 'AB'),
  row('meta.created lt "2011-05-13"', 'A'),
  row('meta.created gt "2011-05-13"', '-A'),
  row('meta.created ge "2024-02-29T23:59:59.999Z"', 'T'),
  row('meta.created lt "2012-06-01T14:00:00+02:00"', 'ABC'),
  row('meta.created le "2012-06-01T14:00:00+02:00"', 'ABCD'),
  row('meta.created pr', '*'),
  row('meta.lastModified gt "2023-06-01T00:00:00Z"', 'ST'),
  row('meta.resourceType eq "User"', '*'),
  row('meta.resourceType eq "user"', ''),
  row('meta.resourceType eq "Group"', ''),
  row('meta.resourceType ne "Group"', '*'),

  // schemas: the core schema, and the extension where the user has its data.
  row(`schemas eq "${U}"`, '*'),
  row(`schemas eq "${U.toUpperCase()}"`, '*'),
  row(`schemas ne "${U}"`, 'ABDLPQ'),
  row(`schemas ne "${E}"`, '*'),
  row('schemas eq "urn:example:other"', ''),
  row('schemas pr', '*'),

  // and binds tighter than or; not applies to its parenthesised filter.
  row('title eq "Tour Guide" or title eq "CEO" and active eq false', 'AFK'),
  row('(title eq "Tour Guide" or title eq "CEO") and active eq false', 'F'),
  row('active eq false or userName eq "Boss" and title eq "CEO"', 'CFQ'),
  row('userName eq "Boss" and title eq "CEO" or active eq false', 'CFQ'),
  row('not (title pr) and not (emails pr)', 'EIMNPR'),
  row('not (title eq "tour guide" or active eq false)', '-ACFK'),
  row('not (not (userName eq "bjensen"))', 'A'),
  row('NOT (userName EQ "bjensen") AND title PR', 'BCDFGHKLQST'),

  // ne, not and eq null over attributes a user does not have.
  row('nickName ne "Babs"', '-A'),
  row('not (nickName eq "Babs")', '-A'),
  row('nickName pr', 'A'),
  row('nickName eq null', '-A'),
  row('nickName ne null', 'A'),
  row('userType ne "Employee"', '-AB'),
  row('locale ne "de-CH"', '-R'),
  row('not (locale pr)', '-R'),
  row('not (phoneNumbers[type eq "mobile"])', '-ABM'),

  // groups: direct memberships and those through nested groups.
  row('groups pr', 'ABFJLQ'),
  row('groups eq null', '-ABFJLQ'),
  row('groups.value eq "<G3>"', 'JQ'),
  row('groups.value eq "<G2>"', 'BJLQ'),
  row('groups eq "<G5>"', 'BJLQ'),
  row('groups[value eq "<G2>" and type eq "direct"]', 'BL'),
  row('groups[value eq "<G2>" and type eq "INDIRECT"]', 'JQ'),
  row('groups.display eq "parent"', 'BJLQ'),
  row('groups.display sw "tour"', 'AF'),
  row('groups.value ne "<G1>"', '-AF'),
];

/** Expected groups, by key. */
const GROUP_ROWS: { filter: string; expect: string[] }[] = [
  { filter: 'displayName eq "tour guides"', expect: ['G1'] },
  { filter: 'displayName eq "Tour Guides"', expect: ['G1'] },
  { filter: 'displayName sw "IN"', expect: ['G3'] },
  { filter: 'displayName pr', expect: ['G1', 'G2', 'G3', 'G4', 'G5'] },
  { filter: 'members[value eq "<A>"]', expect: ['G1'] },
  { filter: 'members.value eq "<J>"', expect: ['G3'] },
  { filter: 'members.value eq "<G3>"', expect: ['G2'] },
  { filter: 'members eq "<G2>"', expect: ['G5'] },
  { filter: 'id eq "<G1>" and members[value eq "<A>"]', expect: ['G1'] },
  { filter: 'id eq "<G2>" and members[value eq "<A>"]', expect: [] },
  { filter: 'members pr', expect: ['G1', 'G2', 'G3', 'G5'] },
  { filter: 'members eq null', expect: ['G4'] },
  { filter: 'not (members pr)', expect: ['G4'] },
  { filter: 'members[type eq "Group"]', expect: ['G2', 'G5'] },
  { filter: 'members[type eq "group" and value eq "<G3>"]', expect: ['G2'] },
  { filter: 'members.type eq "user"', expect: ['G1', 'G2', 'G3'] },
  { filter: 'members.type ne "User"', expect: ['G2', 'G4', 'G5'] },
  { filter: 'externalId eq "sales-ext"', expect: ['G2'] },
  { filter: 'externalId eq "SALES-EXT"', expect: [] },
  { filter: 'externalId pr', expect: ['G2'] },
  { filter: 'meta.resourceType eq "Group"', expect: ['G1', 'G2', 'G3', 'G4', 'G5'] },
  { filter: 'meta.created pr', expect: ['G1', 'G2', 'G3', 'G4', 'G5'] },
  { filter: `schemas eq "${SCHEMA.group}"`, expect: ['G1', 'G2', 'G3', 'G4', 'G5'] },
  { filter: `schemas eq "${U}"`, expect: [] },
  { filter: `urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "sales"`, expect: ['G2'] },
];

/** Filters that cannot be evaluated: a 400 invalidFilter whose detail says why. */
const INVALID_USER_FILTERS: [filter: string, detail: RegExp][] = [
  ['foo eq 1', /Unknown attribute "foo"/],
  ['password eq "x"', /"password" is never returned/],
  ['meta.version eq "x"', /meta\.version.*not supported/],
  ['meta.location eq "x"', /meta\.location.*not supported/],
  ['meta eq "x"', /"meta".*not supported/],
  ['active gt true', /"gt" cannot compare with true/],
  ['active lt 1', /"active" is a boolean/],
  ['active eq "yes"', /"active" is a boolean: compare it with true or false/],
  ['active co "t"', /"active" is a boolean/],
  ['name eq "x"', /"name" is complex: name one of its sub-attributes/],
  ['name co "x"', /"name" is complex/],
  ['addresses eq "x"', /"addresses" has no "value" sub-attribute/],
  ['emails.display eq "x"', /emails\.display.*not supported/],
  ['emails[display eq "x"]', /emails\.display.*not supported/],
  ['emails.foo eq "x"', /Unknown attribute "emails\.foo"/],
  ['phoneNumbers[foo eq "x"]', /"phoneNumbers" has no sub-attribute "foo"/],
  ['meta.created gt "not a date"', /"meta\.created" is a dateTime: "not a date"/],
  ['meta.created gt "2011-02-30T00:00:00Z"', /is a dateTime/],
  ['meta.created gt "2011-05-13 garbage"', /is a dateTime/],
  ['meta.created gt 2011', /is a dateTime/],
  ['meta.created co "2011"', /"co" does not apply to the dateTime/],
  ['title eq true', /"title" is a string/],
  ['title gt 5', /"title" is a string: "gt" orders it as text, so quote the value/],
  ['employeeNumber ge 100', /"employeeNumber" is a string/],
  ['name[givenName eq "x"]', /needs a multi-valued attribute/],
  ['manager[value eq "x"]', /needs a multi-valued attribute/],
  [`${E}:userName eq "x"`, /Unknown attribute/],
  ['urn:example:schema:userName eq "x"', /Unknown attribute/],
  ['members eq "x"', /Unknown attribute "members"/],
  ['groups.$ref eq "x"', /groups\.\$ref.*not supported/],
  ['schemas co "urn"', /"schemas" supports only eq, ne and pr/],
  ['schemas.value eq "urn"', /"schemas" has no sub-attributes/],
  ['meta.resourceType sw "U"', /supports only eq, ne and pr/],
  ['meta.resourceType eq true', /"meta\.resourceType" is a string/],
  ['title gt null', /cannot compare with null/],
];

const INVALID_GROUP_FILTERS: [filter: string, detail: RegExp][] = [
  ['members.display eq "x"', /members\.display.*not supported/],
  ['members[display eq "x"]', /members\.display.*not supported/],
  ['userName eq "x"', /Unknown attribute "userName"/],
  ['emails pr', /Unknown attribute "emails"/],
];

/** caseExact from the schema, as the evaluator needs it (bare extension names too). */
function caseExactOf(resourceType: ResourceTypeDefinition) {
  return (path: AttrPath): boolean => {
    const text = formatAttrPath(path);
    const resolved =
      resolveAttribute(resourceType, text) ??
      resourceType.extensions
        .map(({ schema }) => resolveAttribute(resourceType, `${schema.id}:${text}`))
        .find((r) => r !== undefined);
    return resolved ? leafOf(resolved).caseExact : false;
  };
}

function actor(db: TestDatabase, dialect: Dialect, now?: string): DirectoryContext {
  return {
    db: db.db,
    dialect,
    actor: { kind: 'local', name: 'test' },
    ...(now ? { now: () => now } : {}),
  };
}

for (const dialect of DIALECTS) {
  describe(`filter-sql (${dialect})`, () => {
    let database: TestDatabase;
    let context: DirectoryContext;
    const users = new Map<string, User>();
    const groups = new Map<string, Group>();
    const byUserName = new Map<string, string>();
    const byGroupId = new Map<string, string>();
    /** The users as responses show them: what the evaluator reads. */
    const resources = new Map<string, Record<string, unknown>>();

    beforeAll(async () => {
      database = await openTestDatabase(dialect);
      context = actor(database, dialect);
      for (const [letter, { created, body }] of Object.entries(USERS)) {
        const { data } = storedUser(body);
        const user = await createUser(actor(database, dialect, created), data);
        users.set(letter, user);
        byUserName.set(user.userName, letter);
      }
      for (const { key, displayName, externalId, members } of GROUPS) {
        const { data } = normalizeResource(groupResourceType, {
          displayName,
          ...(externalId ? { externalId } : {}),
        });
        const group = await createGroup(
          context,
          data,
          members.map((m) =>
            m.startsWith('G')
              ? { value: groups.get(m)!.id, type: 'Group' as const }
              : { value: users.get(m)!.id, type: 'User' as const },
          ),
        );
        groups.set(key, group);
        byGroupId.set(group.id, key);
      }
      const memberships = await groupsOf(
        context,
        [...users.values()].map((u) => u.id),
      );
      for (const [letter, user] of users) {
        const userGroups = memberships.get(user.id) ?? [];
        resources.set(letter, {
          schemas: [SCHEMA.user, ...(ENT in user.data ? [ENT] : [])],
          id: user.id,
          ...user.data,
          ...(userGroups.length > 0
            ? {
                groups: userGroups.map((g) => ({
                  value: g.id,
                  display: g.displayName,
                  type: g.type,
                })),
              }
            : {}),
          meta: { resourceType: 'User', created: user.createdAt, lastModified: user.updatedAt },
        });
      }
    });
    afterAll(() => database.drop());

    /** `<A>` is user A's id, `<A:upper>` the same upper-cased, `<G2>` group G2's id. */
    function expand(filter: string): string {
      return filter.replace(/<(\w+)(:upper)?>/g, (_, key: string, upper?: string) => {
        const id = (users.get(key) ?? groups.get(key))?.id;
        if (!id) throw new Error(`No user or group ${key}`);
        return upper ? id.toUpperCase() : id;
      });
    }

    async function userLetters(filter: string): Promise<string[]> {
      const page = await listUsers(context, { filter: parseFilter(filter), offset: 0, limit: 100 });
      expect(page.total).toBe(page.items.length);
      return page.items.map((u) => byUserName.get(u.userName)!).sort();
    }

    it('seeds what the filters expect', () => {
      expect(users.size).toBe(20);
      expect(users.get('I')!.data).toMatchObject({ title: '', displayName: '', externalId: '' });
      expect(users.get('L')!.data[ENT]).toMatchObject({ manager: { value: 'mgr-42' } });
      expect(users.get('B')!.createdAt).toBe('2011-05-13T04:42:34.000Z');
    });

    it.each(USER_ROWS)('Users: $filter', async (r) => {
      const expected = r[dialect] ?? r.expect;
      expect(await userLetters(expand(r.filter))).toEqual(letters(expected));
    });

    it('agrees with the in-memory evaluator, except where the table says otherwise', () => {
      const caseExact = caseExactOf(userResourceType);
      for (const r of USER_ROWS) {
        const filter = parseFilter(expand(r.filter));
        const matched = [...resources]
          .filter(([, resource]) => evaluateFilter(filter, resource, caseExact))
          .map(([letter]) => letter)
          .sort();
        expect(matched, r.filter).toEqual(letters(r.evaluator ?? r.expect));
      }
    });

    it.each(GROUP_ROWS)('Groups: $filter', async ({ filter, expect: expected }) => {
      const page = await listGroups(context, {
        filter: parseFilter(expand(filter)),
        offset: 0,
        limit: 100,
      });
      expect(page.items.map((g) => byGroupId.get(g.id)).sort()).toEqual([...expected].sort());
    });

    /** What listing with `filter` throws (parsing included), or undefined. */
    async function failure(list: typeof listUsers | typeof listGroups, filter: string) {
      try {
        await list(context, { filter: parseFilter(filter), offset: 0, limit: 10 });
        return undefined;
      } catch (error) {
        return error;
      }
    }

    it.each([
      ['userName eq "BJensen"', /user_name_lc/],
      ['externalId eq "EXT-100"', /external_id/],
      ['emails.value eq "bjensen@example.com"', /user_emails_value/],
      ['meta.lastModified gt "2023-06-01T00:00:00Z"', /updated_at/],
      ['id eq "x" or userName eq "boss"', /user_name_lc|users_pkey|autoindex/],
    ])('Users: %s reads an index', async (filter, index) => {
      const where = compileFilter(parseFilter(filter), { resourceType: userResourceType, dialect });
      const query = database.db.selectFrom('users').selectAll().where(where).compile();
      // Inline the parameters (strings without quotes): EXPLAIN takes no parameters on PostgreSQL.
      let i = 0;
      const text = query.sql.replace(/\$\d+|\?/g, () => `'${String(query.parameters[i++])}'`);
      const plan = await database.db.transaction().execute(async (trx) => {
        if (dialect === 'postgres') await sql`SET LOCAL enable_seqscan = off`.execute(trx);
        const explain = dialect === 'postgres' ? 'EXPLAIN' : 'EXPLAIN QUERY PLAN';
        const result = await sql.raw<Record<string, unknown>>(`${explain} ${text}`).execute(trx);
        return JSON.stringify(result.rows);
      });
      // A search by the index's key (not a scan of the table or of the whole index).
      if (dialect === 'sqlite') {
        expect(plan).not.toMatch(/SCAN/);
        expect(plan).toMatch(/SEARCH [^"]*INDEX/);
      } else {
        expect(plan).toMatch(/Index Cond/);
      }
      expect(plan).toMatch(index);
    });

    it.each(INVALID_USER_FILTERS)('Users: %s is a 400 invalidFilter', async (filter, detail) => {
      const error = await failure(listUsers, filter);
      expect(error).toBeInstanceOf(ScimError);
      expect(error).toMatchObject({ status: 400, scimType: 'invalidFilter' });
      expect((error as ScimError).message).toMatch(detail);
    });

    it.each(INVALID_GROUP_FILTERS)('Groups: %s is a 400 invalidFilter', async (filter, detail) => {
      const error = await failure(listGroups, filter);
      expect(error).toBeInstanceOf(ScimError);
      expect(error).toMatchObject({ status: 400, scimType: 'invalidFilter' });
      expect((error as ScimError).message).toMatch(detail);
    });
  });
}

import { describe, expect, it } from 'vitest';
import type { AttrPath, CompareOperator, Filter, FilterValue } from './filter-ast.ts';
import { evaluateFilter } from './filter-eval.ts';
import { FILTER_LIMITS, formatFilter, parseFilter, parsePatchPath } from './filter.ts';
import { scimErrorOf } from '../../test/support/scim-errors.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** `attr` or `attr.sub`, optionally URN-qualified, as the parser builds it. */
function at(text: string, urn?: string): AttrPath {
  const [attribute, subAttribute] = text.split('.') as [string, string | undefined];
  return {
    ...(urn ? { urn } : {}),
    attribute,
    ...(subAttribute !== undefined ? { subAttribute } : {}),
  };
}
const cmp = (path: string, op: CompareOperator, value: FilterValue, urn?: string): Filter => ({
  kind: 'compare',
  path: at(path, urn),
  op,
  value,
});
const pr = (path: string, urn?: string): Filter => ({ kind: 'present', path: at(path, urn) });
const and = (left: Filter, right: Filter): Filter => ({ kind: 'and', left, right });
const or = (left: Filter, right: Filter): Filter => ({ kind: 'or', left, right });
const not = (filter: Filter): Filter => ({ kind: 'not', filter });
const vp = (path: string, filter: Filter, urn?: string): Filter => ({
  kind: 'valuePath',
  path: at(path, urn),
  filter,
});

describe('parseFilter: RFC 7644 §3.4.2.2 examples', () => {
  const examples: [string, Filter][] = [
    ['userName Eq "john"', cmp('userName', 'eq', 'john')],
    [`name.familyName co "O'Malley"`, cmp('name.familyName', 'co', "O'Malley")],
    ['userName sw "J"', cmp('userName', 'sw', 'J')],
    [`${USER}:userName sw "J"`, cmp('userName', 'sw', 'J', USER)],
    ['title pr', pr('title')],
    [
      'meta.lastModified gt "2011-05-13T04:42:34Z"',
      cmp('meta.lastModified', 'gt', '2011-05-13T04:42:34Z'),
    ],
    [
      'meta.lastModified ge "2011-05-13T04:42:34Z"',
      cmp('meta.lastModified', 'ge', '2011-05-13T04:42:34Z'),
    ],
    [
      'meta.lastModified lt "2011-05-13T04:42:34Z"',
      cmp('meta.lastModified', 'lt', '2011-05-13T04:42:34Z'),
    ],
    [
      'meta.lastModified le "2011-05-13T04:42:34Z"',
      cmp('meta.lastModified', 'le', '2011-05-13T04:42:34Z'),
    ],
    ['title pr and userType eq "Employee"', and(pr('title'), cmp('userType', 'eq', 'Employee'))],
    ['title pr or userType eq "Intern"', or(pr('title'), cmp('userType', 'eq', 'Intern'))],
    [`schemas eq "${ENTERPRISE}"`, cmp('schemas', 'eq', ENTERPRISE)],
    [
      'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
      and(
        cmp('userType', 'eq', 'Employee'),
        or(cmp('emails', 'co', 'example.com'), cmp('emails.value', 'co', 'example.org')),
      ),
    ],
    [
      'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
      and(
        cmp('userType', 'ne', 'Employee'),
        not(or(cmp('emails', 'co', 'example.com'), cmp('emails.value', 'co', 'example.org'))),
      ),
    ],
    [
      'userType eq "Employee" and (emails.type eq "work")',
      and(cmp('userType', 'eq', 'Employee'), cmp('emails.type', 'eq', 'work')),
    ],
    [
      'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
      and(
        cmp('userType', 'eq', 'Employee'),
        vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'co', '@example.com'))),
      ),
    ],
    [
      'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
      or(
        vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'co', '@example.com'))),
        vp('ims', and(cmp('type', 'eq', 'xmpp'), cmp('value', 'co', '@foo.com'))),
      ),
    ],
  ];

  it.each(examples)('%s', (text, expected) => {
    const filter = parseFilter(text);
    expect(filter).toStrictEqual(expected);
    expect(parseFilter(formatFilter(filter))).toStrictEqual(expected);
  });
});

describe('parseFilter: grammar', () => {
  it('gives "not" precedence over "and", and "and" over "or"', () => {
    expect(parseFilter('a pr or b pr and c pr')).toEqual(or(pr('a'), and(pr('b'), pr('c'))));
    expect(parseFilter('a pr and b pr or c pr')).toEqual(or(and(pr('a'), pr('b')), pr('c')));
    expect(parseFilter('not (a pr) and b pr')).toEqual(and(not(pr('a')), pr('b')));
    expect(parseFilter('(a pr or b pr) and c pr')).toEqual(and(or(pr('a'), pr('b')), pr('c')));
  });

  it('associates "and" and "or" to the left', () => {
    expect(parseFilter('a pr and b pr and c pr')).toEqual(and(and(pr('a'), pr('b')), pr('c')));
    expect(parseFilter('a pr or b pr or c pr')).toEqual(or(or(pr('a'), pr('b')), pr('c')));
  });

  it('reads operators, logical words and literals in any case', () => {
    expect(parseFilter('a EQ TRUE AND b Ne False oR NOT (c Pr) and d eq NULL')).toEqual(
      or(and(cmp('a', 'eq', true), cmp('b', 'ne', false)), and(not(pr('c')), cmp('d', 'eq', null))),
    );
    for (const op of ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le'] as const) {
      expect(parseFilter(`x ${op.toUpperCase()} "v"`)).toEqual(cmp('x', op, 'v'));
    }
  });

  it('accepts "not(" without a space and lenient whitespace', () => {
    expect(parseFilter('not(a pr)')).toEqual(not(pr('a')));
    expect(parseFilter('  \ta \t eq\t"x"  ')).toEqual(cmp('a', 'eq', 'x'));
    expect(parseFilter('( a pr )')).toEqual(pr('a'));
  });

  it('reads JSON strings with every escape', () => {
    expect(parseFilter(String.raw`a eq "q\" b\\ s\/ \b\f\n\r\t \u00e9\u2603"`)).toEqual(
      cmp('a', 'eq', 'q" b\\ s/ \b\f\n\r\t é☃'),
    );
    expect(parseFilter('a eq ""')).toEqual(cmp('a', 'eq', ''));
    expect(parseFilter('a eq "emoji 🎉 and ( ) [ ] and or"')).toEqual(
      cmp('a', 'eq', 'emoji 🎉 and ( ) [ ] and or'),
    );
  });

  it('reads JSON numbers', () => {
    expect(parseFilter('a eq 42')).toEqual(cmp('a', 'eq', 42));
    expect(parseFilter('a gt -1.5')).toEqual(cmp('a', 'gt', -1.5));
    expect(parseFilter('a lt 2.5E+3')).toEqual(cmp('a', 'lt', 2500));
    expect(parseFilter('a le 1e-2')).toEqual(cmp('a', 'le', 0.01));
    expect(parseFilter('a eq 0')).toEqual(cmp('a', 'eq', 0));
  });

  it('reads sub-attributes, $ref and URN-qualified paths', () => {
    expect(parseFilter('members.$ref pr')).toEqual(pr('members.$ref'));
    expect(parseFilter('$ref pr')).toEqual(pr('$ref'));
    expect(parseFilter('x-custom_2 pr')).toEqual(pr('x-custom_2'));
    expect(parseFilter(`${ENTERPRISE}:employeeNumber eq "701984"`)).toEqual(
      cmp('employeeNumber', 'eq', '701984', ENTERPRISE),
    );
    expect(parseFilter(`${USER}:name.givenName eq "Barbara"`)).toEqual(
      cmp('name.givenName', 'eq', 'Barbara', USER),
    );
    expect(parseFilter(`${ENTERPRISE}:manager.value eq "26118915"`)).toEqual(
      cmp('manager.value', 'eq', '26118915', ENTERPRISE),
    );
    expect(parseFilter(`${USER}:emails[type eq "work"]`)).toEqual(
      vp('emails', cmp('type', 'eq', 'work'), USER),
    );
  });

  it('reads value filters with logic inside', () => {
    expect(parseFilter('emails[not (type eq "work") or (primary eq true)]')).toEqual(
      vp('emails', or(not(cmp('type', 'eq', 'work')), cmp('primary', 'eq', true))),
    );
  });
});

describe('parseFilter: what identity providers send', () => {
  it("Okta's userName lookup", () => {
    expect(parseFilter('userName eq "a@b.com"')).toEqual(cmp('userName', 'eq', 'a@b.com'));
  });

  it("Entra ID's lookups", () => {
    expect(parseFilter('externalId eq "x"')).toEqual(cmp('externalId', 'eq', 'x'));
    expect(parseFilter('id eq "1" and manager eq "2"')).toEqual(
      and(cmp('id', 'eq', '1'), cmp('manager', 'eq', '2')),
    );
    expect(parseFilter('id eq "1" and members[value eq "2"]')).toEqual(
      and(cmp('id', 'eq', '1'), vp('members', cmp('value', 'eq', '2'))),
    );
  });

  it("Entra ID's value path followed by a sub-attribute", () => {
    expect(parseFilter('emails[type eq "work"].value eq "x"')).toEqual(
      vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'eq', 'x'))),
    );
    expect(parseFilter('emails[type eq "work"].value eq "x@y.com" and active eq true')).toEqual(
      and(
        vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'eq', 'x@y.com'))),
        cmp('active', 'eq', true),
      ),
    );
    expect(parseFilter('emails[type eq "work"].value pr')).toEqual(
      vp('emails', and(cmp('type', 'eq', 'work'), pr('value'))),
    );
    // The printed form is the standard value filter, which reads back the same.
    expect(formatFilter(parseFilter('emails[type eq "work"].value eq "x"'))).toBe(
      'emails[type eq "work" and value eq "x"]',
    );
  });

  it('unquoted values are strings, unless they are numbers or literals', () => {
    expect(parseFilter('externalId eq 5a3e-41f0-9b2c')).toEqual(
      cmp('externalId', 'eq', '5a3e-41f0-9b2c'),
    );
    expect(parseFilter('userName eq alice@x.com')).toEqual(cmp('userName', 'eq', 'alice@x.com'));
    expect(parseFilter('(userName eq alice@x.com)')).toEqual(cmp('userName', 'eq', 'alice@x.com'));
    expect(parseFilter('members[value eq 2819c223]')).toEqual(
      vp('members', cmp('value', 'eq', '2819c223')),
    );
    expect(parseFilter('externalId eq 0123')).toEqual(cmp('externalId', 'eq', '0123'));
    expect(parseFilter('externalId eq 12345')).toEqual(cmp('externalId', 'eq', 12345));
    expect(parseFilter('active eq True')).toEqual(cmp('active', 'eq', true));
  });
});

describe('parseFilter: errors', () => {
  const cases: [string, RegExp][] = [
    ['', /empty/],
    ['   ', /empty/],
    ['userName', /Expected a comparison operator .* or "pr" after "userName" at position 8/],
    [
      'userName xx "john"',
      /Expected a comparison operator \(eq, ne, co, sw, ew, gt, lt, ge, le\) or "pr" after "userName" at position 9, found "xx"/,
    ],
    ['userName equals "john"', /comparison operator.*position 9, found "equals"/],
    ['title pr "x"', /"pr" takes no value.*position 9/],
    ['title pr 5', /"pr" takes no value/],
    ['userName eq', /Expected a value .* after "eq" at position 11/],
    ['userName eq and title pr', /Expected a value .* at position 12, found "and"/],
    ['userName eq )', /Expected a value/],
    ['userName eq "john', /Unterminated string starting at position 12/],
    ['userName eq "jo\\qhn"', /Invalid escape sequence "\\q"/],
    ['userName eq "\\u12"', /Invalid escape sequence/],
    ['userName eq "john" x', /Expected "and", "or" or the end of the filter at position 19/],
    ['userName eq "john")', /Unexpected "\)" at position 18/],
    ['(userName eq "john"', /Expected "and", "or" or "\)" to close the "\(" at position 0/],
    ['emails[type eq "work"', /close the "\[" at position 6/],
    ['userName eq "john"]', /Unexpected "\]"/],
    ['a gt true', /"gt" cannot compare with true/],
    ['a lt false', /"lt" cannot compare with false/],
    ['a ge null', /"ge" cannot compare with null/],
    ['a le null', /"le" cannot compare with null/],
    ['not a pr', /Expected "\(" after "not" at position 4/],
    ['not', /Expected "\(" after "not"/],
    ['a pr and', /Expected an attribute path/],
    ['and a pr', /Expected an attribute path, "\(" or "not \(" at position 0, found "and"/],
    ['a pr or or b pr', /Expected an attribute path/],
    ['"john" eq userName', /Expected an attribute path/],
    ['()', /Expected an attribute path/],
    ['1abc eq "x"', /Expected an attribute name/],
    ['name.given.family eq "x"', /Expected an attribute name/],
    ['name. eq "x"', /Expected an attribute name/],
    ['na*me eq "x"', /Expected an attribute name/],
    ['foo:bar:userName eq "x"', /not a schema URN/],
    [`${USER}: eq "x"`, /Expected an attribute name/],
    ['emails[type eq "work" and x[y pr]]', /Value filters cannot nest/],
    ['emails[name.givenName eq "x"]', /Inside "\[...\]" name a sub-attribute/],
    [`emails[${USER}:type eq "x"]`, /Inside "\[...\]" name a sub-attribute/],
    ['name.givenName[x pr]', /names a sub-attribute/],
    ['emails[type eq "work"].value', /comparison operator.*after "emails\[...\].value"/],
    ['emails[type eq "work"].x.y eq "1"', /Expected an attribute name/],
    ['emails[]', /Expected an attribute path/],
    ['a eq 1e999', /too large/],
  ];

  it.each(cases)('%j', (text, detail) => {
    const error = scimErrorOf(() => parseFilter(text));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidFilter');
    expect(error.message).toMatch(detail);
    expect(error.toJSON()).toMatchObject({ status: '400', scimType: 'invalidFilter' });
  });

  it('reads a lone "-" as an unquoted string', () => {
    expect(parseFilter('a eq -')).toEqual(cmp('a', 'eq', '-'));
  });

  it('rejects text over the length limit', () => {
    const text = `userName eq "${'x'.repeat(FILTER_LIMITS.maxLength)}"`;
    expect(scimErrorOf(() => parseFilter(text)).message).toMatch(/at most 4096/);
    expect(parseFilter(`a eq "${'x'.repeat(FILTER_LIMITS.maxLength - 7)}"`)).toBeTruthy();
  });

  it('rejects nesting deeper than the limit', () => {
    const nested = (n: number) => `${'('.repeat(n)}a pr${')'.repeat(n)}`;
    expect(parseFilter(nested(32))).toEqual(pr('a'));
    expect(scimErrorOf(() => parseFilter(nested(33))).message).toMatch(/deeper than 32/);
    const nots = (n: number) => `${'not ('.repeat(n)}a pr${')'.repeat(n)}`;
    expect(() => parseFilter(nots(32))).not.toThrow();
    expect(scimErrorOf(() => parseFilter(nots(33))).scimType).toBe('invalidFilter');
    expect(scimErrorOf(() => parseFilter(`${'('.repeat(31)}e[(x pr)]`)).message).toMatch(
      /deeper than 32/,
    );
  });

  it('rejects more comparisons than the limit', () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => `a${i} pr`).join(' or ');
    expect(() => parseFilter(many(200))).not.toThrow();
    expect(scimErrorOf(() => parseFilter(many(201))).message).toMatch(/more than 200/);
  });

  it('rejects a non-string with a ScimError', () => {
    expect(scimErrorOf(() => parseFilter(undefined as unknown as string)).status).toBe(400);
  });
});

describe('formatFilter', () => {
  it('prints canonical text with the parentheses precedence needs', () => {
    expect(formatFilter(parseFilter('A EQ "x" AND (b pr OR c Gt 1)'))).toBe(
      'A eq "x" and (b pr or c gt 1)',
    );
    expect(formatFilter(and(pr('a'), and(pr('b'), pr('c'))))).toBe('a pr and (b pr and c pr)');
    expect(formatFilter(or(pr('a'), or(pr('b'), pr('c'))))).toBe('a pr or (b pr or c pr)');
    expect(formatFilter(or(and(pr('a'), pr('b')), pr('c')))).toBe('a pr and b pr or c pr');
    expect(formatFilter(not(pr('a')))).toBe('not (a pr)');
    expect(formatFilter(cmp('a', 'eq', 'say "hi"\n'))).toBe('a eq "say \\"hi\\"\\n"');
    expect(formatFilter(cmp('a', 'eq', -0))).toBe('a eq -0');
    expect(formatFilter(cmp('a', 'eq', 1e21))).toBe('a eq 1e+21');
    expect(formatFilter(cmp('a', 'eq', null))).toBe('a eq null');
    expect(formatFilter(cmp('manager.value', 'eq', 'x', ENTERPRISE))).toBe(
      `${ENTERPRISE}:manager.value eq "x"`,
    );
  });

  it('round-trips -0 and large numbers exactly', () => {
    expect(
      Object.is((parseFilter(formatFilter(cmp('a', 'eq', -0))) as { value: number }).value, -0),
    ).toBe(true);
    expect(parseFilter(formatFilter(cmp('a', 'eq', 1e21)))).toEqual(cmp('a', 'eq', 1e21));
    expect(parseFilter(formatFilter(cmp('a', 'eq', 5e-7)))).toEqual(cmp('a', 'eq', 5e-7));
  });
});

describe('parsePatchPath', () => {
  it('reads RFC 7644 §3.5.2 paths', () => {
    expect(parsePatchPath('userName')).toStrictEqual({ path: at('userName') });
    expect(parsePatchPath('name.givenName')).toStrictEqual({ path: at('name.givenName') });
    expect(parsePatchPath('emails[type eq "work"]')).toStrictEqual({
      path: at('emails'),
      valueFilter: cmp('type', 'eq', 'work'),
    });
    expect(parsePatchPath('emails[type eq "work"].value')).toStrictEqual({
      path: at('emails'),
      valueFilter: cmp('type', 'eq', 'work'),
      subAttribute: 'value',
    });
    expect(
      parsePatchPath('members[value eq "2819c223-7f76-453a-919d-413861904646"]'),
    ).toStrictEqual({
      path: at('members'),
      valueFilter: cmp('value', 'eq', '2819c223-7f76-453a-919d-413861904646'),
    });
    expect(parsePatchPath(`${ENTERPRISE}:manager`)).toStrictEqual({
      path: at('manager', ENTERPRISE),
    });
    expect(parsePatchPath(`${ENTERPRISE}:manager.value`)).toStrictEqual({
      path: at('manager.value', ENTERPRISE),
    });
    expect(parsePatchPath(`${USER}:emails[type eq "work" and primary eq true].display`)).toEqual({
      path: at('emails', USER),
      valueFilter: and(cmp('type', 'eq', 'work'), cmp('primary', 'eq', true)),
      subAttribute: 'display',
    });
    expect(parsePatchPath(' members[value eq 42] ')).toEqual({
      path: at('members'),
      valueFilter: cmp('value', 'eq', 42),
    });
  });

  const errors: [string, RegExp][] = [
    ['', /empty/],
    ['name.givenName[type eq "work"]', /names a sub-attribute/],
    ['emails[type eq "work"', /close the "\["/],
    ['emails[type eq "work"].value.display', /Expected an attribute name/],
    ['emails[type eq "work"] value', /Expected a "\.subAttribute" or the end of the path/],
    ['emails[type eq "work"].', /Expected an attribute name/],
    ['userName eq "x"', /Expected "\[" or the end of the path at position 9, found "eq"/],
    ['emails[type[value pr]]', /cannot nest/],
    ['emails[type eq]', /Expected a value/],
    ['1emails', /Expected an attribute name/],
    ['"userName"', /Expected an attribute path/],
    ['emails]', /Unexpected "\]"/],
    [`x:userName`, /not a schema URN/],
  ];

  it.each(errors)('rejects %j with invalidPath', (text, detail) => {
    const error = scimErrorOf(() => parsePatchPath(text));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidPath');
    expect(error.message).toMatch(detail);
  });

  it('applies the limits', () => {
    expect(scimErrorOf(() => parsePatchPath('a'.repeat(5000))).scimType).toBe('invalidPath');
    expect(
      scimErrorOf(() => parsePatchPath(`emails[${'('.repeat(40)}type pr${')'.repeat(40)}]`))
        .message,
    ).toMatch(/deeper than 32/);
  });
});

describe('evaluateFilter', () => {
  const caseExact = new Set(['id', 'externalId']);
  const caseExactOf = (path: AttrPath) => caseExact.has(path.subAttribute ?? path.attribute);
  const matches = (filter: string, element: unknown) =>
    evaluateFilter(parseFilter(filter), element, caseExactOf);

  const user = {
    id: 'ABC-1',
    externalId: 'Ext-9',
    userName: 'Bjensen@Example.com',
    name: { givenName: 'Barbara', familyName: "O'Malley" },
    title: '',
    userType: 'Employee',
    active: true,
    loginCount: 12,
    emails: [
      { value: 'bjensen@example.com', type: 'work', primary: true },
      { value: 'babs@jensen.org', type: 'home' },
    ],
    schemas: [USER, ENTERPRISE],
    meta: { lastModified: '2011-05-13T04:42:34Z' },
    [ENTERPRISE]: { employeeNumber: '701984', manager: { value: '26118915' } },
    nickName: null,
    phoneNumbers: [],
  };

  it('compares strings case-insensitively unless the attribute is caseExact', () => {
    expect(matches('username eq "bjensen@example.com"', user)).toBe(true);
    expect(matches('USERNAME sw "BJEN"', user)).toBe(true);
    expect(matches('userName ew ".COM"', user)).toBe(true);
    expect(matches('userName co "jensen@"', user)).toBe(true);
    expect(matches('userName co "nobody"', user)).toBe(false);
    expect(matches('externalId eq "ext-9"', user)).toBe(false);
    expect(matches('externalId eq "Ext-9"', user)).toBe(true);
    expect(matches('id sw "abc"', user)).toBe(false);
  });

  it('reads sub-attributes and URN-qualified paths', () => {
    expect(matches(`name.familyName co "o'malley"`, user)).toBe(true);
    expect(matches(`${USER}:userName sw "b"`, user)).toBe(true);
    expect(matches(`${ENTERPRISE}:employeeNumber eq "701984"`, user)).toBe(true);
    expect(matches(`${ENTERPRISE}:manager.value eq "26118915"`, user)).toBe(true);
    // Complex values compare through "value", as Entra ID's `manager eq "…"` expects.
    expect(matches(`${ENTERPRISE}:manager eq "26118915"`, user)).toBe(true);
  });

  it('matches multi-valued attributes when any value matches', () => {
    expect(matches('emails co "jensen.org"', user)).toBe(true);
    expect(matches('emails.value co "example.com"', user)).toBe(true);
    expect(matches('emails.type eq "home"', user)).toBe(true);
    expect(matches('emails.type eq "other"', user)).toBe(false);
    expect(matches(`schemas eq "${ENTERPRISE}"`, user)).toBe(true);
    expect(matches('emails ne "babs@jensen.org"', user)).toBe(true);
  });

  it('evaluates value filters element by element', () => {
    expect(matches('emails[type eq "work" and value co "@example.com"]', user)).toBe(true);
    expect(matches('emails[type eq "home" and value co "@example.com"]', user)).toBe(false);
    expect(matches('emails[type eq "work"].value eq "BJENSEN@example.com"', user)).toBe(true);
    expect(matches('emails[primary eq true]', user)).toBe(true);
    expect(matches('phoneNumbers[type eq "work"]', user)).toBe(false);
    expect(matches('ims[type eq "xmpp"]', user)).toBe(false);
  });

  it('matches one element, as the PATCH interpreter uses it', () => {
    const filter = parseFilter('type eq "work" and not (primary eq false)');
    expect(user.emails.map((email) => evaluateFilter(filter, email, caseExactOf))).toEqual([
      true,
      false,
    ]);
    const member = { value: '2819c223', display: 'Babs', type: 'User' };
    expect(evaluateFilter(parseFilter('VALUE eq "2819C223"'), member, () => true)).toBe(false);
    expect(evaluateFilter(parseFilter('VALUE eq "2819C223"'), member, () => false)).toBe(true);
  });

  it('implements pr, eq null and ne null', () => {
    expect(matches('userName pr', user)).toBe(true);
    expect(matches('title pr', user)).toBe(false); // empty string
    expect(matches('nickName pr', user)).toBe(false); // null
    expect(matches('phoneNumbers pr', user)).toBe(false); // empty array
    expect(matches('ims pr', user)).toBe(false); // absent
    expect(matches('emails pr', user)).toBe(true);
    expect(matches('name pr', user)).toBe(true);
    expect(matches('x pr', { x: {} })).toBe(false);
    expect(matches('emails.display pr', user)).toBe(false);
    expect(matches('nickName eq null', user)).toBe(true);
    expect(matches('ims eq null', user)).toBe(true);
    expect(matches('userName eq null', user)).toBe(false);
    expect(matches('userName ne null', user)).toBe(true);
    expect(matches('title ne null', user)).toBe(false);
    expect(matches('userName co null', user)).toBe(false);
  });

  it('treats an absent attribute as different from any value', () => {
    expect(matches('nickName ne "Babs"', user)).toBe(true);
    expect(matches('ims ne "x"', user)).toBe(true);
    expect(matches('nickName eq "Babs"', user)).toBe(false);
  });

  it('orders strings, numbers and dateTimes', () => {
    expect(matches('meta.lastModified gt "2011-05-13T04:42:33Z"', user)).toBe(true);
    expect(matches('meta.lastModified ge "2011-05-13T04:42:34Z"', user)).toBe(true);
    expect(matches('meta.lastModified lt "2011-05-13T04:42:34Z"', user)).toBe(false);
    // By instant, not by text: 06:42:34+02:00 is 04:42:34Z.
    expect(matches('meta.lastModified le "2011-05-13T06:42:34+02:00"', user)).toBe(true);
    expect(matches('meta.lastModified ge "2011-05-13T06:42:34+02:00"', user)).toBe(true);
    expect(matches('userName gt "a"', user)).toBe(true);
    expect(matches('userName lt "C"', user)).toBe(true);
    expect(matches('loginCount gt 9', user)).toBe(true);
    expect(matches('loginCount le 11.5', user)).toBe(false);
    expect(matches('loginCount eq 12', user)).toBe(true);
    expect(matches('loginCount gt "9"', user)).toBe(false);
  });

  it('compares booleans only with eq and ne', () => {
    expect(matches('active eq true', user)).toBe(true);
    expect(matches('active ne true', user)).toBe(false);
    expect(matches('active eq false', user)).toBe(false);
    expect(matches('active eq "true"', user)).toBe(false);
    expect(matches('active co true', user)).toBe(false);
    expect(matches('userName eq true', user)).toBe(false);
  });

  it('compares an unquoted number with a string attribute as text', () => {
    expect(matches('id eq 42', { id: '42' })).toBe(true);
    expect(matches('id sw 4', { id: '42' })).toBe(true);
    expect(matches('id gt 4', { id: '42' })).toBe(false);
  });

  it('combines with and, or and not', () => {
    expect(matches('userType eq "Employee" and (emails co "example.com" or x pr)', user)).toBe(
      true,
    );
    expect(matches('userType ne "Employee" and not (emails co "example.com")', user)).toBe(false);
    expect(matches('x pr or not (y pr)', user)).toBe(true);
  });

  it('never throws on odd elements', () => {
    const filter = parseFilter(
      'a eq "x" or a.b gt 1 or a[b pr] or not (a ne null) or a co "y" or a le "2011-05-13T04:42:34Z"',
    );
    for (const element of [null, undefined, 0, 'a', [], [{ a: 1 }], { a: [null, [], {}, 1] }]) {
      expect(() => evaluateFilter(filter, element, () => false)).not.toThrow();
    }
    expect(matches('constructor pr', {})).toBe(false);
    expect(matches('toString eq "x"', {})).toBe(false);
  });
});

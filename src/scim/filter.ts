/**
 * The SCIM filter parser (RFC 7644 §3.4.2.2), the PATCH path parser (RFC 7644 §3.5.2) and the
 * printer that turns a filter AST back into text. A tokenizer feeds a hand-written
 * recursive-descent parser; both are bounded by FILTER_LIMITS so that hostile input cannot
 * exhaust the stack, and every rejection is a ScimError 400 (invalidFilter / invalidPath).
 */
import type { AttrPath, CompareOperator, Filter, FilterValue, PatchPath } from './filter-ast.ts';
import { formatAttrPath } from './filter-ast.ts';
import type { ScimError } from './errors.ts';
import { invalidFilter, invalidPath } from './errors.ts';

/** Bounds on what the parsers accept; they also bound the parser's recursion. */
export const FILTER_LIMITS = {
  /** Characters of filter or path text. */
  maxLength: 4096,
  /** Nesting of "(", "not (" and "[". */
  maxDepth: 32,
  /** Attribute expressions (comparisons and "pr"). */
  maxComparisons: 200,
} as const;

// ---------------------------------------------------------------------------------------------
// Tokenizer
// ---------------------------------------------------------------------------------------------

/**
 * Words are maximal runs of anything but whitespace, parentheses and brackets: attribute paths
 * (URNs contain ':' and '.'), operators, keywords, numbers, the ".sub" after a value filter and
 * unquoted values. The parser gives a word its meaning from where it stands.
 */
type TokenKind = '(' | ')' | '[' | ']' | 'string' | 'word' | 'end';

interface Token {
  readonly kind: TokenKind;
  /** The token as written (a string keeps its quotes). */
  readonly text: string;
  /** The decoded value of a string token. */
  readonly value: string;
  /** Offset of the token's first character, counted from 0. */
  readonly pos: number;
}

type Fail = (detail: string) => ScimError;

/** The grammar says SP; identity providers also send tabs and line breaks. */
const isSpace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r';
const isDelimiter = (ch: string) =>
  isSpace(ch) || ch === '(' || ch === ')' || ch === '[' || ch === ']';

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

function tokenize(text: string, fail: Fail, noun: string): Token[] {
  if (text.length > FILTER_LIMITS.maxLength) {
    throw fail(
      `The ${noun} is ${text.length} characters long; at most ${FILTER_LIMITS.maxLength} are accepted`,
    );
  }
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (isSpace(ch)) {
      i++;
    } else if (ch === '(' || ch === ')' || ch === '[' || ch === ']') {
      tokens.push({ kind: ch, text: ch, value: ch, pos: i });
      i++;
    } else if (ch === '"') {
      const end = scanString(text, i, fail);
      tokens.push({ kind: 'string', text: text.slice(i, end.next), value: end.value, pos: i });
      i = end.next;
    } else {
      const start = i;
      while (i < text.length && !isDelimiter(text[i]!)) i++;
      const word = text.slice(start, i);
      tokens.push({ kind: 'word', text: word, value: word, pos: start });
    }
  }
  tokens.push({ kind: 'end', text: '', value: '', pos: text.length });
  return tokens;
}

/**
 * RFC 7644 §3.4.2.2: string values are JSON strings (RFC 7159 §7), with every JSON escape.
 * Unescaped control characters, which strict JSON forbids, are let through: rejecting them would
 * only turn away clients, and the printer escapes them.
 */
function scanString(text: string, start: number, fail: Fail): { value: string; next: number } {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"') return { value, next: i + 1 };
    if (ch !== '\\') {
      value += ch;
      i++;
      continue;
    }
    const escape = text[i + 1];
    if (escape === undefined) break;
    const simple = SIMPLE_ESCAPES[escape];
    if (simple !== undefined) {
      value += simple;
      i += 2;
    } else if (escape === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
      value += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
      i += 6;
    } else {
      throw fail(
        `Invalid escape sequence "\\${escape === 'u' ? `u${text.slice(i + 2, i + 6)}` : escape}" in the string at position ${i}: JSON strings allow \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX`,
      );
    }
  }
  throw fail(`Unterminated string starting at position ${start}: expected a closing '"'`);
}

// ---------------------------------------------------------------------------------------------
// Attribute paths
// ---------------------------------------------------------------------------------------------

/** RFC 7643 §2.1: ATTRNAME = ALPHA *(nameChar); plus "$ref", which references use (§2.3.7). */
const ATTRNAME = /^(?:[A-Za-z][A-Za-z0-9_-]*|\$ref)$/;
/** A schema URN (RFC 8141): "urn:" NID, then colon-separated segments. */
const URN = /^urn:[A-Za-z0-9][A-Za-z0-9-]*(?::[A-Za-z0-9._~!$&'*+,;=@%/?#-]+)+$/i;
/** RFC 7159 §6: a JSON number. */
const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

const COMPARE_OPERATORS: ReadonlySet<string> = new Set<CompareOperator>([
  'eq',
  'ne',
  'co',
  'sw',
  'ew',
  'gt',
  'lt',
  'ge',
  'le',
]);
const ORDERING_OPERATORS: ReadonlySet<string> = new Set<CompareOperator>(['gt', 'lt', 'ge', 'le']);

/** Long input is cut short in error details. */
const shorten = (text: string, max: number) =>
  text.length > max ? `${text.slice(0, max)}…` : text;

const isWord = (token: Token, keyword: string) =>
  token.kind === 'word' && token.text.toLowerCase() === keyword;
const isLogical = (token: Token) => isWord(token, 'and') || isWord(token, 'or');

// ---------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------

/**
 * Recursive descent over the RFC 7644 §3.4.2.2 grammar and its order of operations: "not" binds
 * tighter than "and", which binds tighter than "or"; "and" and "or" associate to the left. Only "(", "not (" and "[" recurse, and each one counts towards maxDepth.
 */
class Parser {
  private readonly tokens: readonly Token[];
  private readonly fail: Fail;
  private readonly noun: 'filter' | 'path';
  private index = 0;
  private comparisons = 0;

  constructor(tokens: readonly Token[], fail: Fail, noun: 'filter' | 'path') {
    this.tokens = tokens;
    this.fail = fail;
    this.noun = noun;
  }

  /** `filter` as a whole: it must consume every token. */
  parseWholeFilter(): Filter {
    if (this.peek().kind === 'end') throw this.fail('The filter is empty');
    const filter = this.parseOr(0, false);
    this.expectEnd('"and", "or" or the end of the filter');
    return filter;
  }

  /** RFC 7644 §3.5.2: PATH = attrPath / valuePath [subAttr]. */
  parseWholePath(): PatchPath {
    const first = this.peek();
    if (first.kind === 'end') throw this.fail('The path is empty');
    if (first.kind !== 'word') throw this.error('Expected an attribute path', first);
    this.next();
    const path = this.attrPath(first);
    if (this.peek().kind !== '[') {
      this.expectEnd('"[" or the end of the path');
      return { path };
    }
    const valueFilter = this.parseValueFilter(path, 0);
    const dot = this.peek();
    let subAttribute: string | undefined;
    if (dot.kind === 'word' && dot.text.startsWith('.')) {
      this.next();
      subAttribute = this.name(dot.text.slice(1), dot.pos + 1, dot.text);
    }
    this.expectEnd(
      subAttribute === undefined
        ? 'a ".subAttribute" or the end of the path'
        : 'the end of the path',
    );
    return subAttribute === undefined ? { path, valueFilter } : { path, valueFilter, subAttribute };
  }

  private peek(): Token {
    // The token list always ends with 'end', and nothing reads past it.
    return this.tokens[Math.min(this.index, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index++;
    return token;
  }

  private error(expected: string, found: Token): ScimError {
    if (found.kind === 'end') {
      return this.fail(`${expected} at position ${found.pos}, but the ${this.noun} ends there`);
    }
    const shown = shorten(found.text, 40);
    const quoted = found.kind === 'string' ? shown : `"${shown}"`;
    return this.fail(`${expected} at position ${found.pos}, found ${quoted}`);
  }

  private expectEnd(expected: string): void {
    const token = this.peek();
    if (token.kind === 'end') return;
    if (token.kind === ')' || token.kind === ']') {
      const open = token.kind === ')' ? '(' : '[';
      throw this.fail(`Unexpected "${token.text}" at position ${token.pos}: no "${open}" to close`);
    }
    throw this.error(`Expected ${expected}`, token);
  }

  private enter(depth: number, at: Token): void {
    if (depth > FILTER_LIMITS.maxDepth) {
      throw this.fail(
        `The ${this.noun} nests deeper than ${FILTER_LIMITS.maxDepth} levels of "(", "not (" and "[" at position ${at.pos}`,
      );
    }
  }

  private counted<F extends Filter>(filter: F): F {
    if (++this.comparisons > FILTER_LIMITS.maxComparisons) {
      throw this.fail(
        `The ${this.noun} has more than ${FILTER_LIMITS.maxComparisons} comparisons; split it into smaller ones`,
      );
    }
    return filter;
  }

  /** `filter "or" filter`, the loosest binding. */
  private parseOr(depth: number, inValueFilter: boolean): Filter {
    let left = this.parseAnd(depth, inValueFilter);
    while (isWord(this.peek(), 'or')) {
      this.next();
      left = { kind: 'or', left, right: this.parseAnd(depth, inValueFilter) };
    }
    return left;
  }

  private parseAnd(depth: number, inValueFilter: boolean): Filter {
    let left = this.parseUnary(depth, inValueFilter);
    while (isWord(this.peek(), 'and')) {
      this.next();
      left = { kind: 'and', left, right: this.parseUnary(depth, inValueFilter) };
    }
    return left;
  }

  /** `"not" "(" filter ")"`, `"(" filter ")"` or an attribute expression. */
  private parseUnary(depth: number, inValueFilter: boolean): Filter {
    const token = this.peek();
    if (isWord(token, 'not')) {
      this.next();
      // RFC 7644 §3.4.2.2: `*1"not" "(" valFilter ")"` — "not" always takes a parenthesised filter.
      const open = this.peek();
      if (open.kind !== '(') throw this.error('Expected "(" after "not"', open);
      return { kind: 'not', filter: this.parseGroup(depth, inValueFilter) };
    }
    if (token.kind === '(') return this.parseGroup(depth, inValueFilter);
    if (token.kind === 'word' && !isLogical(token)) {
      return this.parseAttrExpression(depth, inValueFilter);
    }
    throw this.error('Expected an attribute path, "(" or "not ("', token);
  }

  private parseGroup(depth: number, inValueFilter: boolean): Filter {
    const open = this.next();
    this.enter(depth + 1, open);
    const inner = this.parseOr(depth + 1, inValueFilter);
    const close = this.peek();
    if (close.kind !== ')') {
      throw this.error(
        `Expected "and", "or" or ")" to close the "(" at position ${open.pos}`,
        close,
      );
    }
    this.next();
    return inner;
  }

  /** `attrPath "pr"`, `attrPath compareOp compValue` or `valuePath`. */
  private parseAttrExpression(depth: number, inValueFilter: boolean): Filter {
    const word = this.next();
    const path = this.attrPath(word);
    const bracket = this.peek();
    if (inValueFilter && bracket.kind === '[') {
      throw this.fail(`Value filters cannot nest: unexpected "[" at position ${bracket.pos}`);
    }
    if (inValueFilter && (path.urn !== undefined || path.subAttribute !== undefined)) {
      // Inside "[...]" paths name sub-attributes of one element, and complex attributes have no
      // sub-sub-attributes (RFC 7643 §2.3.8).
      throw this.fail(
        `Inside "[...]" name a sub-attribute of the element, such as "type" or "value", not "${shorten(word.text, 80)}" (position ${word.pos})`,
      );
    }
    if (bracket.kind !== '[') return this.parseComparison(path, shorten(word.text, 80));
    const filter = this.parseValueFilter(path, depth);
    // Entra ID sends `emails[type eq "work"].value eq "x"`; it means the element whose type is
    // "work" has that value, which is the value filter `emails[type eq "work" and value eq "x"]`.
    const dot = this.peek();
    if (dot.kind !== 'word' || !dot.text.startsWith('.')) {
      return { kind: 'valuePath', path, filter };
    }
    this.next();
    const attribute = this.name(dot.text.slice(1), dot.pos + 1, dot.text);
    const leaf = this.parseComparison({ attribute }, `${formatAttrPath(path)}[...]${dot.text}`);
    return { kind: 'valuePath', path, filter: { kind: 'and', left: filter, right: leaf } };
  }

  /** `"[" valFilter "]"` after the attribute path `path`. */
  private parseValueFilter(path: AttrPath, depth: number): Filter {
    const open = this.next();
    if (path.subAttribute !== undefined) {
      throw this.fail(
        `"${formatAttrPath(path)}" names a sub-attribute; a "[...]" filter follows a multi-valued attribute such as "emails" (position ${open.pos})`,
      );
    }
    this.enter(depth + 1, open);
    const filter = this.parseOr(depth + 1, true);
    const close = this.peek();
    if (close.kind !== ']') {
      throw this.error(
        `Expected "and", "or" or "]" to close the "[" at position ${open.pos}`,
        close,
      );
    }
    this.next();
    return filter;
  }

  /** What follows an attribute path: "pr", or a comparison operator and a value. */
  private parseComparison(path: AttrPath, shownPath: string): Filter {
    const opToken = this.peek();
    const op = opToken.kind === 'word' ? opToken.text.toLowerCase() : '';
    if (op === 'pr') {
      this.next();
      const after = this.peek();
      if (
        after.kind === 'string' ||
        (after.kind === 'word' && !isLogical(after) && !isWord(after, 'not'))
      ) {
        throw this.error(`"pr" takes no value; expected "and", "or" or the end`, after);
      }
      return this.counted({ kind: 'present', path });
    }
    if (!COMPARE_OPERATORS.has(op)) {
      throw this.error(
        `Expected a comparison operator (eq, ne, co, sw, ew, gt, lt, ge, le) or "pr" after "${shownPath}"`,
        opToken,
      );
    }
    this.next();
    const valueToken = this.peek();
    const value = this.parseValue(valueToken, op);
    this.next();
    if (ORDERING_OPERATORS.has(op) && (value === null || typeof value === 'boolean')) {
      // RFC 7644 §3.4.2.2: gt, ge, lt and le on a Boolean (or null) are a 400 invalidFilter.
      throw this.fail(
        `"${op}" cannot compare with ${String(value)} (position ${valueToken.pos}): ordering applies to strings, numbers and dates`,
      );
    }
    return this.counted({ kind: 'compare', path, op: op as CompareOperator, value });
  }

  /** RFC 7644 §3.4.2.2: compValue = false / null / true / number / string. */
  private parseValue(token: Token, op: string): FilterValue {
    if (token.kind === 'string') return token.value;
    if (token.kind !== 'word' || isLogical(token) || isWord(token, 'not')) {
      throw this.error(
        `Expected a value (a "string", a number, true, false or null) after "${op}"`,
        token,
      );
    }
    const lower = token.text.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    if (lower === 'null') return null;
    if (JSON_NUMBER.test(token.text)) {
      const number = Number(token.text);
      if (!Number.isFinite(number)) {
        throw this.fail(
          `The number ${shorten(token.text, 40)} at position ${token.pos} is too large`,
        );
      }
      return number;
    }
    // Some clients (older Entra ID and authentik versions) send unquoted values such as
    // `userName eq alice@example.com`; anything else that stands where a value must is a string.
    return token.text;
  }

  /**
   * `[URI ":"] ATTRNAME *1subAttr`. The URN ends at the last ':' (it has dots of its own, as in
   * "2.0"), and the rest splits on '.' into the attribute and its sub-attribute.
   */
  private attrPath(word: Token): AttrPath {
    const text = word.text;
    const colon = text.lastIndexOf(':');
    const rest = text.slice(colon + 1);
    const dot = rest.indexOf('.');
    const attributeText = dot < 0 ? rest : rest.slice(0, dot);
    const restPos = word.pos + colon + 1;
    let urn: string | undefined;
    if (colon >= 0) {
      urn = text.slice(0, colon);
      if (!URN.test(urn)) {
        throw this.fail(
          `"${shorten(urn, 80)}" at position ${word.pos} is not a schema URN such as "urn:ietf:params:scim:schemas:core:2.0:User"`,
        );
      }
    }
    const attribute = this.name(attributeText, restPos, text);
    if (dot < 0) return urn === undefined ? { attribute } : { urn, attribute };
    const subAttribute = this.name(rest.slice(dot + 1), restPos + dot + 1, text);
    return urn === undefined ? { attribute, subAttribute } : { urn, attribute, subAttribute };
  }

  private name(name: string, pos: number, inPath: string): string {
    if (ATTRNAME.test(name)) return name;
    throw this.fail(
      `Expected an attribute name (a letter, then letters, digits, "-" or "_") at position ${pos} in "${shorten(inPath, 80)}", found "${shorten(name, 40)}"`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------

/** Parses a `filter` query parameter (RFC 7644 §3.4.2.2); throws invalidFilter. */
export function parseFilter(text: string): Filter {
  if (typeof text !== 'string') throw invalidFilter('The filter must be a string');
  return new Parser(
    tokenize(text, invalidFilter, 'filter'),
    invalidFilter,
    'filter',
  ).parseWholeFilter();
}

/** Parses a PATCH operation's `path` (RFC 7644 §3.5.2); throws invalidPath. */
export function parsePatchPath(text: string): PatchPath {
  if (typeof text !== 'string') throw invalidPath('The path must be a string');
  return new Parser(tokenize(text, invalidPath, 'path'), invalidPath, 'path').parseWholePath();
}

/**
 * Canonical filter text: lower-case operators, JSON-encoded strings and just the parentheses the
 * precedence needs, so that `parseFilter(formatFilter(f))` equals `f` for every filter that
 * parseFilter returns.
 */
export function formatFilter(filter: Filter): string {
  switch (filter.kind) {
    case 'compare':
      return `${formatAttrPath(filter.path)} ${filter.op} ${formatValue(filter.value)}`;
    case 'present':
      return `${formatAttrPath(filter.path)} pr`;
    case 'not':
      return `not (${formatFilter(filter.filter)})`;
    case 'valuePath':
      return `${formatAttrPath(filter.path)}[${formatFilter(filter.filter)}]`;
    case 'and':
      // "and" is left-associative and binds tighter than "or".
      return `${group(filter.left, filter.left.kind === 'or')} and ${group(
        filter.right,
        filter.right.kind === 'or' || filter.right.kind === 'and',
      )}`;
    case 'or':
      return `${formatFilter(filter.left)} or ${group(filter.right, filter.right.kind === 'or')}`;
  }
}

function group(filter: Filter, parenthesise: boolean): string {
  return parenthesise ? `(${formatFilter(filter)})` : formatFilter(filter);
}

function formatValue(value: FilterValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalidFilter(`${value} is not a JSON number`);
    // String(-0) is "0"; JSON allows "-0", and the parser reads it back as -0.
    return Object.is(value, -0) ? '-0' : String(value);
  }
  return String(value);
}

/**
 * The parameters of a SCIM list or search (RFC 7644 §3.4.2 in the query, §3.4.3 in a
 * SearchRequest, RFC 9865 cursors), validated into a directory ListQuery, and the ListResponse.
 */
import type { ListQuery } from '../../directory/listing.ts';
import type { Projection, Rendered } from '../../provisioning/scim-resources.ts';
import { invalidFilter, invalidSyntax, invalidValue, ScimError } from '../../scim/errors.ts';
import { parseFilter } from '../../scim/filter.ts';
import type { Filter } from '../../scim/filter-ast.ts';
import { parseAttributeList } from '../../scim/resource.ts';
import { SCHEMA } from '../../scim/schema.ts';
import { decodeCursor, queryDigest } from './cursor.ts';

/** Okta and Entra ID page with count=100; a request without count gets this many. */
export const DEFAULT_PAGE_SIZE = 100;

export type Query = Record<string, string | string[] | undefined>;

const PARAMETERS = [
  'filter',
  'sortBy',
  'sortOrder',
  'startIndex',
  'count',
  'cursor',
  'attributes',
  'excludedAttributes',
] as const;
const PARAMETER_NAMES = new Map(PARAMETERS.map((name) => [name.toLowerCase(), name]));

type Parameter = (typeof PARAMETERS)[number];

/**
 * The list parameters of a query string (RFC 7644 §3.4.2), found in one pass over it whatever
 * their case (clients send `Filter`): all of them, or only those named in `only`. Others are
 * left alone.
 */
export function queryParameters(query: Query, only?: readonly Parameter[]): SearchParameters {
  const found: Partial<Record<Parameter, string>> = {};
  for (const key in query) {
    const name = PARAMETER_NAMES.get(key.toLowerCase());
    if (name === undefined || (only !== undefined && !only.includes(name))) continue;
    const value = query[key];
    if (value === undefined) continue;
    const joinable = name === 'attributes' || name === 'excludedAttributes';
    if (!joinable && (found[name] !== undefined || (Array.isArray(value) && value.length > 1))) {
      throw invalidValue(`The query parameter "${name}" was given more than once.`);
    }
    const text = Array.isArray(value) ? value.join(',') : value;
    found[name] = found[name] !== undefined ? `${found[name]},${text}` : text;
  }
  return found;
}

function integer(name: string, raw: unknown): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const text = String(raw).trim();
  if (!/^[-+]?\d{1,15}$/.test(text))
    throw invalidValue(`"${name}" must be an integer; got ${JSON.stringify(raw)}.`);
  return Number(text);
}

export function projectionOf(attributes: unknown, excludedAttributes: unknown): Projection {
  const list = (name: string, value: unknown) => {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return parseAttributeList(value);
    if (Array.isArray(value) && value.every((v) => typeof v === 'string'))
      return parseAttributeList(value as string[]);
    throw invalidValue(`"${name}" must be a comma-separated string or a list of strings.`);
  };
  const a = list('attributes', attributes);
  const e = list('excludedAttributes', excludedAttributes);
  const projection: { attributes?: string[]; excludedAttributes?: string[] } = {};
  if (a) projection.attributes = a;
  if (e) projection.excludedAttributes = e;
  return projection;
}

export interface SearchParameters {
  readonly cursor?: unknown;
  readonly filter?: unknown;
  readonly sortBy?: unknown;
  readonly sortOrder?: unknown;
  readonly startIndex?: unknown;
  readonly count?: unknown;
  readonly attributes?: unknown;
  readonly excludedAttributes?: unknown;
}

export interface Search {
  readonly query: ListQuery;
  readonly startIndex: number;
  readonly projection: Projection;
  /** Cursor paging (RFC 9865): the digest that this query's cursors must carry. */
  readonly cursor?: { readonly digest: string };
}

/** RFC 7644 §3.4.2 (query) and §3.4.3 (SearchRequest) parameters, validated. */
export function parseSearch(
  params: SearchParameters,
  maxPageSize: number,
  endpoint?: '/Users' | '/Groups',
): Search {
  let filter: Filter | undefined;
  if (params.filter !== undefined && params.filter !== null) {
    if (typeof params.filter !== 'string') throw invalidFilter('"filter" must be a string.');
    if (params.filter.trim() !== '') {
      filter = parseFilter(params.filter);
    }
  }
  let sortBy: string | undefined;
  if (params.sortBy !== undefined && params.sortBy !== null && params.sortBy !== '') {
    if (typeof params.sortBy !== 'string')
      throw invalidValue('"sortBy" must be an attribute name.');
    sortBy = params.sortBy;
  }
  let sortOrder: 'ascending' | 'descending' | undefined;
  if (params.sortOrder !== undefined && params.sortOrder !== null && params.sortOrder !== '') {
    const order = String(params.sortOrder).toLowerCase();
    if (order !== 'ascending' && order !== 'descending') {
      throw invalidValue(
        `"sortOrder" must be "ascending" or "descending"; got ${JSON.stringify(params.sortOrder)}.`,
      );
    }
    sortOrder = order;
  }
  const projection = projectionOf(params.attributes, params.excludedAttributes);
  if (params.cursor !== undefined && params.cursor !== null) {
    return cursorSearch(params, { filter, sortBy, sortOrder, projection, maxPageSize, endpoint });
  }
  // RFC 7644 §3.4.2.4: a startIndex below 1 is taken as 1, a negative count as 0; a count above
  // the maximum gets at most the maximum (advertised as filter.maxResults).
  const startIndex = Math.max(1, integer('startIndex', params.startIndex) ?? 1);
  const count = Math.min(
    maxPageSize,
    Math.max(0, integer('count', params.count) ?? Math.min(DEFAULT_PAGE_SIZE, maxPageSize)),
  );
  return {
    query: {
      offset: startIndex - 1,
      limit: count,
      ...(filter ? { filter } : {}),
      ...(sortBy ? { sortBy } : {}),
      ...(sortOrder ? { sortOrder } : {}),
    },
    startIndex,
    projection,
  };
}

/** RFC 9865: `cursor` (empty for the first page) and `count`, in the default order. */
function cursorSearch(
  params: SearchParameters,
  options: {
    filter: Filter | undefined;
    sortBy: string | undefined;
    sortOrder: string | undefined;
    projection: Projection;
    maxPageSize: number;
    endpoint: '/Users' | '/Groups' | undefined;
  },
): Search {
  const { filter, projection, maxPageSize, endpoint } = options;
  if (typeof params.cursor !== 'string') {
    throw new ScimError(400, 'invalidCursor', '"cursor" must be a string.');
  }
  if (!endpoint) {
    throw invalidValue(
      'Cursor paging is offered on /Users and /Groups, not across resource types.',
    );
  }
  if (params.startIndex !== undefined && params.startIndex !== null && params.startIndex !== '') {
    throw invalidValue('Page with startIndex or with cursor, not both (RFC 9865).');
  }
  if (options.sortBy || options.sortOrder) {
    throw invalidValue('Cursor paging follows the default order: leave out sortBy and sortOrder.');
  }
  const count = integer('count', params.count) ?? Math.min(DEFAULT_PAGE_SIZE, maxPageSize);
  if (count < 1 || count > maxPageSize) {
    throw new ScimError(
      400,
      'invalidCount',
      `With a cursor, "count" must be between 1 and ${maxPageSize}.`,
    );
  }
  const digest = queryDigest(
    endpoint,
    typeof params.filter === 'string' ? params.filter.trim() : undefined,
  );
  return {
    query: {
      offset: 0,
      limit: count,
      after: decodeCursor(params.cursor, digest),
      ...(filter ? { filter } : {}),
    },
    startIndex: 1,
    projection,
    cursor: { digest },
  };
}

export function listResponse(total: number, startIndex: number, resources: Rendered[]) {
  return {
    schemas: [SCHEMA.listResponse],
    totalResults: total,
    startIndex,
    itemsPerPage: resources.length,
    Resources: resources.map((r) => r.body),
  };
}

export function searchBody(body: unknown): SearchParameters {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidSyntax('The body of a search must be a SearchRequest JSON object.');
  }
  const schemasValue = (body as { schemas?: unknown }).schemas;
  if (
    schemasValue !== undefined &&
    !(Array.isArray(schemasValue) && schemasValue.includes(SCHEMA.searchRequest))
  ) {
    throw invalidValue(`A SearchRequest's "schemas" must contain "${SCHEMA.searchRequest}".`);
  }
  return body as SearchParameters;
}

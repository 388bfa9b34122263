/**
 * SCIM client dialects: what each identity provider sends that RFC 7644 does not say, as named
 * normalisations in one place. Each normalisation rewrites one vendor shape into the RFC form
 * and leaves every RFC-conformant request exactly as it is; the SCIM core (patch.ts,
 * resource.ts) then only has to speak RFC 7643/7644.
 *
 * A connection chooses a profile (`generic`, a vendor, or `strict`), or `auto` detects it per
 * request (`detectDialect`). `generic`, the default, applies every normalisation: each one is
 * unambiguous, and none changes a request that is already in RFC form. A vendor's profile
 * applies only what that vendor is known to need; `strict` applies none, for conformance tests.
 *
 * Normalisations run in the order of NORMALIZATIONS, whatever the profile lists: later ones
 * (booleans, the manager, removals by value) read the paths that earlier ones (op case, dotted
 * keys, unqualified paths) have put in RFC form.
 *
 * Pure: no I/O. Never mutates its input. Never throws for any JSON body.
 */
import type { Filter, FilterValue } from './filter-ast.ts';
import { formatAttrPath } from './filter-ast.ts';
import { FILTER_LIMITS, formatFilter, parsePatchPath } from './filter.ts';
import type { JsonObject } from './resource.ts';
import {
  isJsonObject,
  isMembersAttribute,
  isPathLike,
  isReference,
  schemaByUrn,
} from './resource.ts';
import type { AttributeDefinition, ResolvedAttribute, ResourceTypeDefinition } from './schema.ts';
import {
  SCHEMA,
  findSubAttribute,
  groupResourceType,
  resolveAttribute,
  userResourceType,
} from './schema.ts';

/** Client profiles, by the name a connection's `dialect` setting uses. */
export const DIALECT_NAMES = [
  'generic',
  'okta',
  'entra',
  'onelogin',
  'jumpcloud',
  'authentik',
  'ping',
  'keycloak',
  'rippling',
  'strict',
] as const;

export type DialectName = (typeof DIALECT_NAMES)[number];

/** What a connection's `dialect` setting may hold: a profile, or `auto`. */
export const DIALECT_CHOICES: readonly string[] = ['auto', ...DIALECT_NAMES];

// ---------------------------------------------------------------------------------------------
// The normalisations
// ---------------------------------------------------------------------------------------------

/**
 * Where we know a vendor shape from (idp-wire.md's tags): the vendor's documentation or its
 * client's source code, traffic someone captured and posted, another vendor's documentation, or
 * our inference only.
 */
export interface NormalizationSource {
  readonly kind:
    'vendor-doc' | 'vendor-source' | 'traffic-capture' | 'third-party-doc' | 'inference';
  readonly url: string;
  readonly note?: string;
}

export interface RequestToNormalize {
  readonly resourceType: 'User' | 'Group';
  readonly operation: 'create' | 'replace' | 'patch';
  /** The resource's id, for a replace or a patch. */
  readonly id?: string;
  readonly body: unknown;
}

/** A rewrite's result: `changed` is false exactly when `value` is the input itself. */
export interface Rewrite<T> {
  readonly value: T;
  readonly changed: boolean;
}

export type NormalizationName =
  | 'patch-schemas-missing'
  | 'op-case'
  | 'blank-path'
  | 'json-string-value'
  | 'pathless-dotted-keys'
  | 'schema-urn-aliases'
  | 'unqualified-extension-path'
  | 'pathless-schemas'
  | 'id-echo'
  | 'value-path-array'
  | 'boolean-strings'
  | 'manager-shorthand'
  | 'resource-dotted-keys'
  | 'remove-members-by-value'
  | 'remove-values-by-value'
  | 'unquoted-filter-values';

interface NormalizationBase {
  /** Stable kebab-case name: it goes into the provisioning log. */
  readonly name: NormalizationName;
  readonly description: string;
  readonly sources: readonly NormalizationSource[];
}

/** Rewrites a POST, PUT or PATCH body. */
export interface RequestNormalization extends NormalizationBase {
  readonly kind: 'request';
  readonly operations: readonly RequestToNormalize['operation'][];
  rewrite(request: RequestToNormalize): Rewrite<unknown>;
}

/** Rewrites the text of a `filter` query parameter. */
export interface FilterNormalization extends NormalizationBase {
  readonly kind: 'filter';
  rewrite(filter: string): Rewrite<string>;
}

export type Normalization = RequestNormalization | FilterNormalization;

const ENTRA_COMPAT =
  'https://learn.microsoft.com/en-us/entra/identity/app-provisioning/application-provisioning-config-problem-scim-compatibility';
const ENTRA_TUTORIAL =
  'https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups';
const OKTA_SCIM_20 = 'https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20';
const AUTHENTIK_CLIENT =
  'https://github.com/goauthentik/authentik/tree/main/authentik/providers/scim/clients';

const PATCH_ONLY = ['patch'] as const;
const BODIES_ONLY = ['create', 'replace'] as const;
const ALL_OPERATIONS = ['create', 'replace', 'patch'] as const;

/** Every normalisation, in the order they run. */
export const NORMALIZATIONS: readonly Normalization[] = [
  {
    kind: 'request',
    name: 'patch-schemas-missing',
    description: 'A PatchOp without "schemas" gets the PatchOp URN (RFC 7644 §3.5.2 requires it).',
    sources: [
      {
        kind: 'inference',
        url: ENTRA_COMPAT,
        note: 'older or legacy Entra ID jobs; no capture found',
      },
    ],
    operations: PATCH_ONLY,
    rewrite: (request) => rewriteBody(request, addPatchSchemas),
  },
  {
    kind: 'request',
    name: 'op-case',
    description: 'PATCH "op" values in any case ("Add", "Replace", "Remove") are lower-cased.',
    sources: [{ kind: 'vendor-doc', url: ENTRA_COMPAT }],
    operations: PATCH_ONLY,
    rewrite: (request) => rewriteOperations(request, lowerCaseOp),
  },
  {
    kind: 'request',
    name: 'blank-path',
    description:
      'A PATCH "path" that is empty or blank is no path: the operation targets the resource.',
    sources: [{ kind: 'inference', url: 'https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2' }],
    operations: PATCH_ONLY,
    rewrite: (request) => rewriteOperations(request, dropBlankPath),
  },
  {
    kind: 'request',
    name: 'json-string-value',
    description:
      'A path-less add or replace whose "value" is a JSON object serialised as a string gets the object.',
    sources: [
      {
        kind: 'traffic-capture',
        url: 'https://github.com/Captain-P-Goldfish/scim-for-keycloak/issues/172',
      },
    ],
    operations: PATCH_ONLY,
    rewrite: (request) => rewriteOperations(request, parseJsonStringValue),
  },
  {
    kind: 'request',
    name: 'pathless-dotted-keys',
    description:
      'Keys of a path-less value that are paths ("name.givenName", "urn:…:User:employeeNumber", ' +
      '"emails[type eq \\"work\\"].value") become operations with that path.',
    sources: [
      { kind: 'vendor-doc', url: ENTRA_COMPAT, note: 'Entra ID with aadOptscim062020' },
      {
        kind: 'third-party-doc',
        url: 'https://github.com/onyx-dot-app/onyx',
        note: 'backend/ee/onyx/server/scim/patch.py handles the URN-keyed form',
      },
    ],
    operations: PATCH_ONLY,
    rewrite: (request) => rewriteOperations(request, (op) => splitPathKeys(request, op)),
  },
  {
    kind: 'request',
    name: 'schema-urn-aliases',
    description:
      'Non-standard schema URNs in "schemas" and as extension keys are mapped to the standard ones ' +
      "(OneLogin's urn:scim:schemas:…, Entra's \"enterprise:2.0User\"); Microsoft's ADSCIM Group URI is dropped.",
    sources: [
      { kind: 'vendor-doc', url: ENTRA_TUTORIAL, note: 'the Group sample and legacy example 2' },
      { kind: 'traffic-capture', url: 'https://github.com/goauthentik/authentik/issues/11249' },
    ],
    operations: BODIES_ONLY,
    rewrite: (request) =>
      rewriteBody(request, (body) => mapSchemaAliases(resourceTypeOf(request), body)),
  },
  {
    kind: 'request',
    name: 'unqualified-extension-path',
    description:
      'A PATCH path naming an extension attribute without its URN ("manager") gets the URN.',
    sources: [{ kind: 'vendor-doc', url: ENTRA_TUTORIAL, note: 'legacy manager example' }],
    operations: PATCH_ONLY,
    rewrite: (request) =>
      rewriteOperations(request, (op) => qualifyExtensionPath(resourceTypeOf(request), op)),
  },
  {
    kind: 'request',
    name: 'pathless-schemas',
    description:
      'A path-less add or replace of the whole resource drops the "schemas" it carries when they are ' +
      "the resource type's own (schemas is not an attribute to change).",
    sources: [
      { kind: 'vendor-source', url: AUTHENTIK_CLIENT, note: "authentik's group update" },
      {
        kind: 'traffic-capture',
        url: 'https://github.com/Captain-P-Goldfish/scim-for-keycloak/issues/172',
      },
    ],
    operations: PATCH_ONLY,
    rewrite: (request) =>
      rewriteOperations(request, (op) => dropOwnSchemas(resourceTypeOf(request), op)),
  },
  {
    kind: 'request',
    name: 'id-echo',
    description:
      'An "id" inside a path-less add or replace that is the resource\'s own id is dropped (it changes nothing).',
    sources: [{ kind: 'vendor-doc', url: OKTA_SCIM_20, note: 'group rename' }],
    operations: PATCH_ONLY,
    rewrite: (request) => rewriteOperations(request, (op) => dropIdEcho(request.id, op)),
  },
  {
    kind: 'request',
    name: 'value-path-array',
    description:
      'The value of an add or replace on a filtered path (emails[type eq "work"]) sent as an array of one element gets that element.',
    sources: [{ kind: 'inference', url: 'https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2.3' }],
    operations: PATCH_ONLY,
    rewrite: (request) => rewriteOperations(request, unwrapValuePathArray),
  },
  {
    kind: 'request',
    name: 'boolean-strings',
    description:
      'Boolean attributes sent as the strings "True"/"False" (any case) become JSON booleans.',
    sources: [
      { kind: 'vendor-doc', url: ENTRA_COMPAT, note: 'Entra ID disables with "False"' },
      { kind: 'traffic-capture', url: 'https://github.com/AzureAD/SCIMReferenceCode/issues/21' },
      { kind: 'traffic-capture', url: 'https://github.com/scimmyjs/scimmy/issues/86' },
      {
        kind: 'third-party-doc',
        url: 'https://doc.keepnetlabs.com/next-generation-product/platform/company/company-settings/scim-settings/onelogin-scim-integration',
        note: 'OneLogin templates quote booleans',
      },
    ],
    operations: ALL_OPERATIONS,
    rewrite: (request) => rewriteValues(request, booleanFromString),
  },
  {
    kind: 'request',
    name: 'manager-shorthand',
    description:
      'The enterprise "manager" sent as a bare id (or "" to clear it) or as an array of one object ' +
      'becomes the complex value {"value": …} (or null).',
    sources: [
      { kind: 'traffic-capture', url: 'https://github.com/Captain-P-Goldfish/SCIM-SDK/issues/686' },
      { kind: 'traffic-capture', url: 'https://github.com/apache/directory-scimple/issues/1242' },
      { kind: 'vendor-doc', url: ENTRA_TUTORIAL, note: 'legacy example 5: an array of one object' },
    ],
    operations: ALL_OPERATIONS,
    rewrite: (request) => rewriteValues(request, referenceFromShorthand),
  },
  {
    kind: 'request',
    name: 'resource-dotted-keys',
    description:
      'POST and PUT body keys that are paths ("name.givenName", "urn:…:enterprise:2.0:User:department") ' +
      'are nested into the attribute or extension object they name.',
    sources: [
      {
        kind: 'inference',
        url: 'https://workos.com/docs/integrations/rippling-scim/2-create-your-rippling-application',
        note: "Rippling's attribute list is dotted names; Entra's path-less values use the same keys",
      },
    ],
    operations: BODIES_ONLY,
    rewrite: (request) =>
      rewriteBody(request, (body) => nestPathKeys(resourceTypeOf(request), body)),
  },
  {
    kind: 'request',
    name: 'remove-members-by-value',
    description:
      '"remove" on path "members" with a "value" list removes only the listed members: it becomes ' +
      'members[value eq "…" or …] (RFC 7644 §3.5.2.2 would empty the group).',
    sources: [
      { kind: 'vendor-doc', url: ENTRA_COMPAT },
      { kind: 'vendor-source', url: AUTHENTIK_CLIENT, note: "authentik's SCIM client" },
      {
        kind: 'third-party-doc',
        url: 'https://app.uni-moni.com/en/kb/sso-setup-jumpcloud',
        note: 'JumpCloud',
      },
      { kind: 'traffic-capture', url: 'https://github.com/vouch-sh/vouch/pull/1415' },
    ],
    operations: PATCH_ONLY,
    rewrite: (request) =>
      rewriteOperations(request, (op) => removeListed(resourceTypeOf(request), op, 'members')),
  },
  {
    kind: 'request',
    name: 'remove-values-by-value',
    description:
      '"remove" on another multi-valued attribute ("emails") with a "value" list removes only the ' +
      'listed values: it becomes emails[value eq "…" and type eq "…" or …].',
    sources: [
      {
        kind: 'inference',
        url: ENTRA_COMPAT,
        note: "Entra ID's members form, as other clients apply it to any multi-valued attribute",
      },
    ],
    operations: PATCH_ONLY,
    rewrite: (request) =>
      rewriteOperations(request, (op) => removeListed(resourceTypeOf(request), op, 'others')),
  },
  {
    kind: 'filter',
    name: 'unquoted-filter-values',
    description: 'Unquoted string values in filters (externalId eq jyoung) are quoted.',
    sources: [
      {
        kind: 'vendor-doc',
        url: ENTRA_TUTORIAL,
        note: 'older sample: filter=externalId eq jyoung',
      },
      { kind: 'vendor-source', url: AUTHENTIK_CLIENT, note: 'older authentik versions' },
    ],
    rewrite: quoteFilterValues,
  },
];

// ---------------------------------------------------------------------------------------------
// Profiles
// ---------------------------------------------------------------------------------------------

/**
 * The normalisations each profile applies. A vendor's list is what the sources above show it
 * sends; a connection whose client is unknown, or that sends more than documented, uses
 * `generic`.
 */
export const PROFILES: Readonly<Record<DialectName, readonly NormalizationName[]>> = {
  generic: NORMALIZATIONS.map((n) => n.name),
  // Okta sends RFC shapes, except the group rename that echoes the group's id.
  okta: ['id-echo'],
  // Entra ID without aadOptscim062020 (with the flag it sends RFC shapes, which these leave).
  entra: [
    'patch-schemas-missing',
    'op-case',
    'pathless-dotted-keys',
    'schema-urn-aliases',
    'unqualified-extension-path',
    'boolean-strings',
    'manager-shorthand',
    'remove-members-by-value',
    'unquoted-filter-values',
  ],
  // Bodies are admin-written templates: quoted booleans and old URNs.
  onelogin: ['schema-urn-aliases', 'boolean-strings'],
  jumpcloud: ['remove-members-by-value'],
  // Group updates are a path-less replace of the whole group, `schemas` and `id` included.
  authentik: ['pathless-schemas', 'id-echo', 'remove-members-by-value', 'unquoted-filter-values'],
  // Ping's SCIM connector documents no deviation from RFC 7644: until a capture shows one, its
  // profile is `strict` under its own name. Choose `generic` for a Ping connection that needs more.
  ping: [],
  // The scim-for-keycloak extension's reconcile path: the whole group as a JSON string.
  keycloak: ['json-string-value', 'pathless-schemas'],
  // Rippling's attributes are configured as dotted names (inferred, not captured).
  rippling: ['resource-dotted-keys', 'pathless-dotted-keys'],
  strict: [],
};

/** The normalisations a profile applies, in the order they run. */
export function normalizationsOf(dialect: DialectName): readonly Normalization[] {
  // A name no profile has (a setting stored by another version) gets the default.
  const names: readonly string[] = PROFILES[dialect] ?? PROFILES.generic;
  return NORMALIZATIONS.filter((n) => names.includes(n.name));
}

// ---------------------------------------------------------------------------------------------
// Detection
// ---------------------------------------------------------------------------------------------

export interface ClientHints {
  readonly userAgent?: string | readonly string[] | undefined;
  /** The query string, parsed or not. */
  readonly query?: string | URLSearchParams | Readonly<Record<string, unknown>> | undefined;
}

/**
 * The profile a request's client most likely needs, `generic` when unsure:
 * - Okta by its documented User-Agent, `Okta SCIM Client 1.0.0`, or its test suites' `OKTA SCIM
 *   Integration` and `SCIM Integration`.
 * - Entra ID by the `aadOptscim062020` query parameter, which admins append to the tenant URL,
 *   or a User-Agent starting `Microsoft Azure AD SCIM`. Microsoft documents no User-Agent, so a
 *   request without either is not recognised: it gets `generic`, which accepts Entra's shapes.
 * - authentik by a User-Agent containing `authentik`.
 * - Not Ping: third-party code guesses it from `Apache-HttpClient`, which every Java client
 *   sends, and no Ping document names its User-Agent.
 * Each vendor profile is a subset of `generic`, so a wrong guess can only refuse a shape that
 * vendor was never seen to send.
 */
export function detectDialect(hints: ClientHints): DialectName {
  const { userAgent: raw } = hints;
  const userAgent = (typeof raw === 'string' ? raw : (raw ?? []).join(' ')).trim().toLowerCase();
  if (
    userAgent.startsWith('okta scim client') ||
    userAgent.startsWith('okta scim integration') ||
    userAgent.startsWith('scim integration')
  ) {
    return 'okta';
  }
  if (hasEntraFlag(hints.query) || userAgent.startsWith('microsoft azure ad scim')) return 'entra';
  if (userAgent.includes('authentik')) return 'authentik';
  return 'generic';
}

/**
 * The profile for a request on a connection whose `dialect` setting is `setting`: the setting
 * when it names a profile, else (`auto`, unset) what `detectDialect` finds.
 */
export function dialectFor(setting: string | null | undefined, hints: ClientHints): DialectName {
  return isDialectName(setting) ? setting : detectDialect(hints);
}

export function isDialectName(value: unknown): value is DialectName {
  return typeof value === 'string' && (DIALECT_NAMES as readonly string[]).includes(value);
}

const ENTRA_FLAG = 'aadoptscim062020';

function hasEntraFlag(query: ClientHints['query']): boolean {
  if (query === undefined) return false;
  let keys: Iterable<string>;
  if (typeof query === 'string') {
    keys = new URLSearchParams(query.startsWith('?') ? query.slice(1) : query).keys();
  } else if (query instanceof URLSearchParams) {
    keys = query.keys();
  } else {
    keys = Object.keys(query);
  }
  for (const key of keys) if (key.toLowerCase() === ENTRA_FLAG) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------

/**
 * The RFC 7644 form of a request body under the profile `dialect`, and the names of the
 * normalisations that changed something (for the provisioning log). The input is never mutated;
 * when nothing applies the body returned is the input itself.
 */
export function normalizeRequest(
  dialect: DialectName,
  request: RequestToNormalize,
): { body: unknown; applied: string[] } {
  let current: RequestToNormalize = request;
  const applied: string[] = [];
  for (const normalization of normalizationsOf(dialect)) {
    if (normalization.kind !== 'request') continue;
    if (!normalization.operations.includes(request.operation)) continue;
    const { value, changed } = normalization.rewrite(current);
    if (changed) {
      applied.push(normalization.name);
      current = Object.assign({}, current, { body: value });
    }
  }
  return { body: current.body, applied };
}

/** The RFC 7644 form of a `filter` parameter under the profile `dialect`. */
export function normalizeFilter(
  dialect: DialectName,
  filter: string,
): { filter: string; applied: string[] } {
  let current = filter;
  const applied: string[] = [];
  for (const normalization of normalizationsOf(dialect)) {
    if (normalization.kind !== 'filter') continue;
    const { value, changed } = normalization.rewrite(current);
    if (changed) {
      applied.push(normalization.name);
      current = value;
    }
  }
  return { filter: current, applied };
}

// ---------------------------------------------------------------------------------------------
// Copy-on-write helpers (bodies may hold any key, "__proto__" included)
// ---------------------------------------------------------------------------------------------

const UNCHANGED = <T>(value: T): Rewrite<T> => ({ value, changed: false });

function resourceTypeOf(request: RequestToNormalize): ResourceTypeDefinition {
  return request.resourceType === 'Group' ? groupResourceType : userResourceType;
}

/** Sets an own property, even one named "__proto__". */
function setOwn(object: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(object, key, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

function withMember(object: JsonObject, key: string, value: unknown): JsonObject {
  const copy = { ...object };
  setOwn(copy, key, value);
  return copy;
}

function withoutMember(object: JsonObject, key: string): JsonObject {
  const copy = { ...object };
  delete copy[key];
  return copy;
}

/** The key naming `name` in `object`: RFC 7643 §2.1 makes names case-insensitive. */
function keyOf(object: JsonObject, name: string): string | undefined {
  if (Object.hasOwn(object, name)) return name;
  const lower = name.toLowerCase();
  return Object.keys(object).find((k) => k.toLowerCase() === lower);
}

function member(object: JsonObject, name: string): unknown {
  const key = keyOf(object, name);
  return key === undefined ? undefined : object[key];
}

/** Maps the values of an object; the object itself when no value changed. */
function mapValues(object: JsonObject, fn: (key: string, value: unknown) => unknown): JsonObject {
  let copy: JsonObject | undefined;
  for (const [key, value] of Object.entries(object)) {
    const mapped = fn(key, value);
    if (mapped !== value) {
      copy ??= { ...object };
      setOwn(copy, key, mapped);
    }
  }
  return copy ?? object;
}

/** Maps the elements of an array; the array itself when no element changed. */
function mapArray(array: readonly unknown[], fn: (value: unknown) => unknown): readonly unknown[] {
  let copy: unknown[] | undefined;
  array.forEach((value, i) => {
    const mapped = fn(value);
    if (mapped !== value) {
      copy ??= [...array];
      copy[i] = mapped;
    }
  });
  return copy ?? array;
}

function rewriteBody(
  request: RequestToNormalize,
  fn: (body: JsonObject) => JsonObject,
): Rewrite<unknown> {
  const { body } = request;
  if (!isJsonObject(body)) return UNCHANGED(body);
  const value = fn(body);
  return { value, changed: value !== body };
}

/**
 * Applies `fn` to each operation object of a PatchOp. `fn` returns the operation itself when
 * it leaves it, or the operations that replace it (none, one or several).
 */
function rewriteOperations(
  request: RequestToNormalize,
  fn: (operation: JsonObject) => JsonObject | readonly unknown[],
): Rewrite<unknown> {
  const { body } = request;
  if (!isJsonObject(body)) return UNCHANGED(body);
  const key = keyOf(body, 'Operations');
  const operations = key === undefined ? undefined : body[key];
  if (key === undefined || !Array.isArray(operations)) return UNCHANGED(body);
  let changed = false;
  const rewritten: unknown[] = [];
  for (const operation of operations) {
    if (!isJsonObject(operation)) {
      // Not an operation (the core refuses it); an array here is not a list of replacements.
      rewritten.push(operation);
      continue;
    }
    const result = fn(operation);
    if (Array.isArray(result)) {
      changed = true;
      rewritten.push(...result);
    } else {
      if (result !== operation) changed = true;
      rewritten.push(result);
    }
  }
  return changed ? { value: withMember(body, key, rewritten), changed } : UNCHANGED(body);
}

/** The operation's `op`, lower-cased, when it is a string. */
function opOf(operation: JsonObject): string | undefined {
  const op = member(operation, 'op');
  return typeof op === 'string' ? op.toLowerCase() : undefined;
}

/** The operation's path, when it has a non-blank one. */
function pathOf(operation: JsonObject): string | undefined {
  const path = member(operation, 'path');
  return typeof path === 'string' && path.trim() !== '' ? path : undefined;
}

function isSetOperation(operation: JsonObject): boolean {
  const op = opOf(operation);
  return op === 'add' || op === 'replace';
}

/** A parsed PATCH path, or undefined when it does not parse (the core will say why). */
function tryParsePath(path: string): ReturnType<typeof parsePatchPath> | undefined {
  try {
    return parsePatchPath(path);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// patch-schemas-missing, op-case, blank-path, json-string-value
// ---------------------------------------------------------------------------------------------

function addPatchSchemas(body: JsonObject): JsonObject {
  const key = keyOf(body, 'schemas');
  if (key === undefined)
    return Object.fromEntries([['schemas', [SCHEMA.patchOp]], ...Object.entries(body)]);
  return body[key] == null ? withMember(body, key, [SCHEMA.patchOp]) : body;
}

function lowerCaseOp(operation: JsonObject): JsonObject {
  const key = keyOf(operation, 'op');
  const op = key === undefined ? undefined : operation[key];
  if (key === undefined || typeof op !== 'string') return operation;
  const lower = op.toLowerCase();
  if (lower === op || (lower !== 'add' && lower !== 'replace' && lower !== 'remove')) {
    return operation;
  }
  return withMember(operation, key, lower);
}

function dropBlankPath(operation: JsonObject): JsonObject {
  const key = keyOf(operation, 'path');
  const path = key === undefined ? undefined : operation[key];
  if (key === undefined || typeof path !== 'string' || path.trim() !== '') return operation;
  return withoutMember(operation, key);
}

function parseJsonStringValue(operation: JsonObject): JsonObject {
  if (!isSetOperation(operation) || pathOf(operation) !== undefined) return operation;
  const key = keyOf(operation, 'value');
  const value = key === undefined ? undefined : operation[key];
  if (key === undefined || typeof value !== 'string') return operation;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return operation;
  }
  return isJsonObject(parsed) ? withMember(operation, key, parsed) : operation;
}

// ---------------------------------------------------------------------------------------------
// pathless-dotted-keys, resource-dotted-keys
// ---------------------------------------------------------------------------------------------

/**
 * Whether a key of a resource (or of a path-less value) is a path rather than an attribute name
 * or an extension's URN. Schema URNs have dots of their own ("2.0"), hence the URN test first.
 */
function isPathKey(resourceType: ResourceTypeDefinition, key: string): boolean {
  return !schemaByUrn(resourceType, key) && isPathLike(key);
}

/**
 * `{"op":"replace","value":{"displayName":"x","name.givenName":"y"}}` becomes
 * `{"op":"replace","value":{"displayName":"x"}}` and `{"op":"replace","path":"name.givenName",
 * "value":"y"}`, in the order of the keys: the core applied each key as a path before, in order.
 */
function splitPathKeys(
  request: RequestToNormalize,
  operation: JsonObject,
): JsonObject | readonly unknown[] {
  if (!isSetOperation(operation) || pathOf(operation) !== undefined) return operation;
  const valueKey = keyOf(operation, 'value');
  const value = valueKey === undefined ? undefined : operation[valueKey];
  if (valueKey === undefined || !isJsonObject(value)) return operation;
  const resourceType = resourceTypeOf(request);
  const entries = Object.entries(value);
  if (!entries.some(([key]) => isPathKey(resourceType, key))) return operation;
  const op = member(operation, 'op');
  const result: JsonObject[] = [];
  let plain: JsonObject | undefined;
  for (const [key, inner] of entries) {
    if (isPathKey(resourceType, key)) {
      result.push({ op, path: key, value: inner });
      plain = undefined;
      continue;
    }
    if (!plain) {
      plain = {};
      result.push(withMember(operation, valueKey, plain));
    }
    setOwn(plain, key, inner);
  }
  return result;
}

/**
 * `{"name.givenName":"B","urn:…:enterprise:2.0:User:department":"D"}` becomes
 * `{"name":{"givenName":"B"},"urn:…:enterprise:2.0:User":{"department":"D"}}`. Keys apply in
 * order, as the core applied them: a whole attribute replaces what earlier keys set in it, a
 * sub-attribute merges into it. Anything odd (a key that names nothing, a sub-attribute of a
 * multi-valued attribute, a non-object to merge into) leaves the body as it is, for the core
 * to refuse.
 */
function nestPathKeys(resourceType: ResourceTypeDefinition, body: JsonObject): JsonObject {
  const entries = Object.entries(body);
  if (!entries.some(([key]) => isPathKey(resourceType, key))) return body;
  const out: [string, unknown][] = [];
  const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  /** The object at `key` in `list`, created when absent; undefined when it is not an object. */
  const objectAt = (list: [string, unknown][], key: string): JsonObject | undefined => {
    const index = list.findIndex(([k]) => sameName(k, key));
    if (index < 0) {
      const created: JsonObject = {};
      list.push([key, created]);
      return created;
    }
    const [existingKey, existing] = list[index]!;
    if (existing == null) {
      const created: JsonObject = {};
      list[index] = [existingKey, created];
      return created;
    }
    if (!isJsonObject(existing)) return undefined;
    const copy = { ...existing };
    list[index] = [existingKey, copy];
    return copy;
  };
  /** Sets `key` in an object, replacing a key of the same name in another case. */
  const setIn = (object: JsonObject, key: string, value: unknown) => {
    for (const k of Object.keys(object)) if (sameName(k, key)) delete object[k];
    setOwn(object, key, value);
  };
  const setTop = (key: string, value: unknown) => {
    const name = resolveAttribute(resourceType, key)?.attribute.name ?? key;
    for (let i = out.length - 1; i >= 0; i--) if (sameName(out[i]![0], name)) out.splice(i, 1);
    out.push([key, value]);
  };
  for (const [key, value] of entries) {
    const urnKey = schemaByUrn(resourceType, key);
    if (urnKey?.extension) {
      // An extension object merges with what URN-qualified keys put there before; null adds
      // nothing to it.
      const seen = out.some(([k]) => sameName(k, urnKey.schema.id));
      if (!seen || value == null) {
        if (!seen) out.push([key, value]);
        continue;
      }
      const target = objectAt(out, urnKey.schema.id);
      if (!target || !isJsonObject(value)) return body;
      for (const [k, v] of Object.entries(value)) setIn(target, k, v);
      continue;
    }
    if (!isPathKey(resourceType, key)) {
      setTop(key, value);
      continue;
    }
    const resolved = resolveAttribute(resourceType, key);
    if (!resolved || (resolved.subAttribute && resolved.attribute.multiValued)) return body;
    const { attribute, subAttribute } = resolved;
    if (!resolved.extension) {
      if (!subAttribute) {
        setTop(attribute.name, value);
        continue;
      }
      const target = objectAt(out, attribute.name);
      if (!target) return body;
      setIn(target, subAttribute.name, value);
      continue;
    }
    const extension = objectAt(out, resolved.schema);
    if (!extension) return body;
    if (!subAttribute) {
      setIn(extension, attribute.name, value);
      continue;
    }
    const current = member(extension, attribute.name);
    if (current != null && !isJsonObject(current)) return body;
    const complex: JsonObject = isJsonObject(current) ? { ...current } : {};
    setIn(complex, subAttribute.name, value);
    setIn(extension, attribute.name, complex);
  }
  return Object.fromEntries(out);
}

// ---------------------------------------------------------------------------------------------
// schema-urn-aliases
// ---------------------------------------------------------------------------------------------

/** Non-standard URNs real clients send, and the standard URN each stands for (`null`: none). */
const URN_ALIASES: readonly {
  readonly alias: string;
  readonly resourceType: 'User' | 'Group';
  readonly standard: string | null;
}[] = [
  // OneLogin's templates.
  { alias: 'urn:scim:schemas:core:2.0', resourceType: 'User', standard: SCHEMA.user },
  { alias: 'urn:scim:schemas:core:2.0', resourceType: 'Group', standard: SCHEMA.group },
  {
    alias: 'urn:scim:schemas:extension:enterprise:2.0',
    resourceType: 'User',
    standard: SCHEMA.enterpriseUser,
  },
  // Entra ID's legacy example, missing a colon.
  {
    alias: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0User',
    resourceType: 'User',
    standard: SCHEMA.enterpriseUser,
  },
  // Microsoft's Group sample: a second schema that describes no attribute Gatehouse serves.
  {
    alias: 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group',
    resourceType: 'Group',
    standard: null,
  },
];

/** The standard URN `urn` stands for; `null` to drop it; `undefined` when it is no alias. */
function aliasOf(resourceType: ResourceTypeDefinition, urn: string): string | null | undefined {
  const lower = urn.toLowerCase();
  return URN_ALIASES.find(
    (a) => a.resourceType === resourceType.id && a.alias.toLowerCase() === lower,
  )?.standard;
}

function mapSchemaAliases(resourceType: ResourceTypeDefinition, body: JsonObject): JsonObject {
  let out = body;
  const schemasKey = keyOf(body, 'schemas');
  const schemas = schemasKey === undefined ? undefined : body[schemasKey];
  if (schemasKey !== undefined && Array.isArray(schemas)) {
    const mapped: unknown[] = [];
    let changed = false;
    for (const urn of schemas) {
      const alias = typeof urn === 'string' ? aliasOf(resourceType, urn) : undefined;
      if (alias === undefined) {
        mapped.push(urn);
        continue;
      }
      changed = true;
      if (alias !== null) mapped.push(alias);
    }
    if (changed) {
      const seen = new Set<string>();
      const unique = mapped.filter((urn) => {
        if (typeof urn !== 'string') return true;
        const lower = urn.toLowerCase();
        if (seen.has(lower)) return false;
        seen.add(lower);
        return true;
      });
      out = withMember(out, schemasKey, unique);
    }
  }
  // An extension object under an alias key moves to the standard key, unless that is taken.
  for (const key of Object.keys(body)) {
    const alias = aliasOf(resourceType, key);
    if (alias === undefined || alias === null || !schemaByUrn(resourceType, alias)) continue;
    if (keyOf(out, alias) !== undefined || !isJsonObject(body[key])) continue;
    out = Object.fromEntries(
      Object.entries(out).map(([k, v]): [string, unknown] => (k === key ? [alias, v] : [k, v])),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// unqualified-extension-path, id-echo, value-path-array
// ---------------------------------------------------------------------------------------------

function qualifyExtensionPath(
  resourceType: ResourceTypeDefinition,
  operation: JsonObject,
): JsonObject {
  const path = pathOf(operation);
  if (path === undefined || path.trim().toLowerCase().startsWith('urn:')) return operation;
  const parsed = tryParsePath(path);
  if (!parsed || parsed.path.urn !== undefined) return operation;
  if (resolveAttribute(resourceType, formatAttrPath(parsed.path))) return operation;
  const candidates = resourceType.extensions
    .map((e) => `${e.schema.id}:${path.trim()}`)
    .filter((qualified) => {
      const reparsed = tryParsePath(qualified);
      return (
        reparsed !== undefined && resolveAttribute(resourceType, formatAttrPath(reparsed.path))
      );
    });
  if (candidates.length !== 1) return operation;
  return withMember(operation, keyOf(operation, 'path')!, candidates[0]);
}

/** The value of a path-less add or replace, with the key that holds it; else undefined. */
function pathlessValueOf(operation: JsonObject): { key: string; value: JsonObject } | undefined {
  if (!isSetOperation(operation) || pathOf(operation) !== undefined) return undefined;
  const key = keyOf(operation, 'value');
  const value = key === undefined ? undefined : operation[key];
  return key !== undefined && isJsonObject(value) ? { key, value } : undefined;
}

function dropOwnSchemas(resourceType: ResourceTypeDefinition, operation: JsonObject): JsonObject {
  const pathless = pathlessValueOf(operation);
  if (!pathless) return operation;
  const schemasKey = keyOf(pathless.value, 'schemas');
  const schemas = schemasKey === undefined ? undefined : pathless.value[schemasKey];
  const own =
    Array.isArray(schemas) &&
    schemas.length > 0 &&
    schemas.every((urn) => typeof urn === 'string' && schemaByUrn(resourceType, urn));
  if (schemasKey === undefined || !own) return operation;
  return withMember(operation, pathless.key, withoutMember(pathless.value, schemasKey));
}

function dropIdEcho(id: string | undefined, operation: JsonObject): JsonObject {
  const pathless = pathlessValueOf(operation);
  if (id === undefined || !pathless) return operation;
  const idKey = keyOf(pathless.value, 'id');
  if (idKey === undefined || pathless.value[idKey] !== id) return operation;
  return withMember(operation, pathless.key, withoutMember(pathless.value, idKey));
}

function unwrapValuePathArray(operation: JsonObject): JsonObject {
  const path = pathOf(operation);
  if (path === undefined || !isSetOperation(operation)) return operation;
  const valueKey = keyOf(operation, 'value');
  const value = valueKey === undefined ? undefined : operation[valueKey];
  if (valueKey === undefined || !Array.isArray(value) || value.length !== 1) return operation;
  if (!isJsonObject(value[0])) return operation;
  const parsed = tryParsePath(path);
  if (!parsed?.valueFilter || parsed.subAttribute !== undefined) return operation;
  return withMember(operation, valueKey, value[0]);
}

// ---------------------------------------------------------------------------------------------
// boolean-strings, manager-shorthand: value rewrites that follow the schema
// ---------------------------------------------------------------------------------------------

/** Rewrites one value of `attribute`; returns the value itself when it leaves it. */
type Leaf = (attribute: AttributeDefinition, value: unknown) => unknown;

const booleanFromString: Leaf = (attribute, value) => {
  if (attribute.type !== 'boolean' || typeof value !== 'string') return value;
  const lower = value.toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : value;
};

const referenceFromShorthand: Leaf = (attribute, value) => {
  if (!isReference(attribute)) return value;
  if (typeof value === 'string') return value === '' ? null : { value };
  if (Array.isArray(value) && value.length === 1 && isJsonObject(value[0])) return value[0];
  return value;
};

/** Applies `leaf` to a value of `attribute` and, for complex attributes, to its sub-attributes. */
function mapAttribute(attribute: AttributeDefinition, value: unknown, leaf: Leaf): unknown {
  const own = leaf(attribute, value);
  if (attribute.type !== 'complex') {
    return attribute.multiValued && Array.isArray(own)
      ? mapArray(own, (element) => leaf(attribute, element))
      : own;
  }
  if (!attribute.multiValued) return mapElement(attribute, own, leaf);
  return Array.isArray(own)
    ? mapArray(own, (element) => mapElement(attribute, element, leaf))
    : own;
}

function mapElement(attribute: AttributeDefinition, element: unknown, leaf: Leaf): unknown {
  if (!isJsonObject(element)) return element;
  return mapValues(element, (key, inner) => {
    const sub = findSubAttribute(attribute, key);
    return sub ? mapAttribute(sub, inner, leaf) : inner;
  });
}

function mapResolved(resolved: ResolvedAttribute, value: unknown, leaf: Leaf): unknown {
  const { attribute, subAttribute } = resolved;
  if (!subAttribute) return mapAttribute(attribute, value, leaf);
  return attribute.multiValued ? value : mapAttribute(subAttribute, value, leaf);
}

/** A resource body, or a path-less value: attributes by name (or path), extensions by URN. */
function mapResource(
  resourceType: ResourceTypeDefinition,
  body: JsonObject,
  leaf: Leaf,
): JsonObject {
  return mapValues(body, (key, value) => {
    const urnKey = schemaByUrn(resourceType, key);
    if (urnKey) return mapSchemaObject(resourceType, urnKey.schema.id, value, leaf);
    const resolved = resolveAttribute(resourceType, key);
    return resolved ? mapResolved(resolved, value, leaf) : value;
  });
}

function mapSchemaObject(
  resourceType: ResourceTypeDefinition,
  urn: string,
  value: unknown,
  leaf: Leaf,
): unknown {
  if (!isJsonObject(value)) return value;
  return mapValues(value, (key, inner) => {
    const resolved = isPathKey(resourceType, key)
      ? undefined
      : resolveAttribute(resourceType, `${urn}:${key}`);
    return resolved ? mapResolved(resolved, inner, leaf) : inner;
  });
}

/** The value of a PATCH operation with `path`. */
function mapPathValue(
  resourceType: ResourceTypeDefinition,
  path: string,
  value: unknown,
  leaf: Leaf,
): unknown {
  const urnKey = schemaByUrn(resourceType, path.trim());
  if (urnKey) return mapSchemaObject(resourceType, urnKey.schema.id, value, leaf);
  const parsed = tryParsePath(path);
  if (!parsed) return value;
  const resolved = resolveAttribute(resourceType, formatAttrPath(parsed.path));
  if (!resolved) return value;
  if (!parsed.valueFilter) return mapResolved(resolved, value, leaf);
  const { attribute } = resolved;
  if (resolved.subAttribute || !attribute.multiValued || attribute.type !== 'complex') return value;
  if (parsed.subAttribute !== undefined) {
    const sub = findSubAttribute(attribute, parsed.subAttribute);
    return sub ? mapAttribute(sub, value, leaf) : value;
  }
  // One element, or (value-path-array) an array of elements.
  return Array.isArray(value)
    ? mapArray(value, (element) => mapElement(attribute, element, leaf))
    : mapElement(attribute, value, leaf);
}

function rewriteValues(request: RequestToNormalize, leaf: Leaf): Rewrite<unknown> {
  const resourceType = resourceTypeOf(request);
  if (request.operation !== 'patch') {
    return rewriteBody(request, (body) => mapResource(resourceType, body, leaf));
  }
  return rewriteOperations(request, (operation) => {
    const valueKey = keyOf(operation, 'value');
    if (valueKey === undefined) return operation;
    const value = operation[valueKey];
    const path = pathOf(operation);
    const mapped =
      path === undefined
        ? isJsonObject(value)
          ? mapResource(resourceType, value, leaf)
          : value
        : mapPathValue(resourceType, path, value, leaf);
    return mapped === value ? operation : withMember(operation, valueKey, mapped);
  });
}

// ---------------------------------------------------------------------------------------------
// remove-members-by-value, remove-values-by-value
// ---------------------------------------------------------------------------------------------

/**
 * `{"op":"remove","path":"members","value":[{"value":"a"},{"value":"b"}]}` becomes
 * `{"op":"remove","path":"members[value eq \"a\" or value eq \"b\"]"}`, split into several
 * operations when one filter would exceed FILTER_LIMITS. Emails and the like alike, each listed
 * value becoming the conjunction of its sub-attributes. A list with nothing to remove drops the
 * operation. Anything that cannot be said exactly as a filter (a member without an id, a value
 * of the wrong type, an unknown sub-attribute) leaves the operation to the core, which refuses a
 * `remove` with a value rather than empty the attribute.
 */
function removeListed(
  resourceType: ResourceTypeDefinition,
  operation: JsonObject,
  which: 'members' | 'others',
): JsonObject | readonly unknown[] {
  if (opOf(operation) !== 'remove') return operation;
  const path = pathOf(operation);
  const value = member(operation, 'value');
  if (path === undefined || value == null || !Array.isArray(value)) return operation;
  const resolved = resolveAttribute(resourceType, path.trim());
  if (!resolved || resolved.subAttribute) return operation;
  const { attribute } = resolved;
  if (!attribute.multiValued || attribute.type !== 'complex') return operation;
  const isMembers = isMembersAttribute(resourceType, attribute);
  if (isMembers !== (which === 'members')) return operation;
  const conditions = isMembers
    ? memberConditions(attribute, value)
    : valueConditions(attribute, value);
  if (!conditions) return operation;
  const target = resolved.extension ? `${resolved.schema}:${attribute.name}` : attribute.name;
  const filters = chunkFilters(target, conditions);
  if (!filters) return operation;
  const op = member(operation, 'op');
  return filters.map((filter) => ({ op, path: `${target}[${filter}]` }));
}

/** One conjunction of `sub eq value` comparisons per listed value. */
type Conditions = Filter[][];

function compare(name: string, value: FilterValue): Filter {
  return { kind: 'compare', path: { attribute: name }, op: 'eq', value };
}

/** Members are removed by id: `value eq "…"`, one per distinct id. */
function memberConditions(attribute: AttributeDefinition, list: unknown[]): Conditions | undefined {
  const ids = new Set<string>();
  for (const element of list) {
    if (element == null) continue;
    if (!isJsonObject(element)) return undefined;
    let id: string | undefined;
    for (const [key, inner] of Object.entries(element)) {
      const sub = findSubAttribute(attribute, key);
      if (!sub) return undefined;
      if (inner == null) continue;
      if (sub.name === 'value') {
        if (typeof inner !== 'string' || inner === '') return undefined;
        id = inner;
      } else if (sub.name === 'type') {
        const type = typeof inner === 'string' ? inner.toLowerCase() : undefined;
        if (type !== 'user' && type !== 'group') return undefined;
      }
    }
    if (id === undefined) return undefined;
    ids.add(id);
  }
  return [...ids].map((id) => [compare('value', id)]);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * A listed value names the elements whose sub-attributes all equal its own (read-only ones,
 * which the service sets, and nulls aside): strings compare as the filter compares them, by
 * the sub-attribute's caseExact.
 */
function valueConditions(attribute: AttributeDefinition, list: unknown[]): Conditions | undefined {
  const conditions: Conditions = [];
  for (const element of list) {
    if (element == null) continue;
    if (!isJsonObject(element)) return undefined;
    const conjunction: Filter[] = [];
    for (const [key, inner] of Object.entries(element)) {
      const sub = findSubAttribute(attribute, key);
      if (!sub) return undefined;
      if (inner == null || sub.mutability === 'readOnly') continue;
      if (!fitsType(sub, inner)) return undefined;
      conjunction.push(compare(sub.name, inner as FilterValue));
    }
    if (conjunction.length > 0) conditions.push(conjunction);
  }
  return conditions;
}

function fitsType(sub: AttributeDefinition, value: unknown): boolean {
  switch (sub.type) {
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
    case 'decimal':
      return typeof value === 'number' && Number.isFinite(value);
    case 'complex':
      return false;
    default:
      return typeof value === 'string' && !LONE_SURROGATE.test(value);
  }
}

/** The filters' texts, each within FILTER_LIMITS; undefined when one condition alone is not. */
function chunkFilters(target: string, conditions: Conditions): string[] | undefined {
  const room = FILTER_LIMITS.maxLength - target.length - 2;
  const filters: string[] = [];
  let parts: string[] = [];
  let length = 0;
  let comparisons = 0;
  for (const conjunction of conditions) {
    const text = conjunction.map((c) => formatFilter(c)).join(' and ');
    if (text.length > room || conjunction.length > FILTER_LIMITS.maxComparisons) return undefined;
    const added = (parts.length > 0 ? 4 : 0) + text.length;
    if (
      parts.length > 0 &&
      (length + added > room || comparisons + conjunction.length > FILTER_LIMITS.maxComparisons)
    ) {
      filters.push(parts.join(' or '));
      parts = [];
      length = 0;
      comparisons = 0;
    }
    length += (parts.length > 0 ? 4 : 0) + text.length;
    comparisons += conjunction.length;
    parts.push(text);
  }
  if (parts.length > 0) filters.push(parts.join(' or '));
  return filters;
}

// ---------------------------------------------------------------------------------------------
// unquoted-filter-values
// ---------------------------------------------------------------------------------------------

const COMPARE_OPS = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le']);
const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

interface FilterToken {
  readonly kind: 'word' | 'string' | '(' | ')' | '[' | ']';
  readonly text: string;
  readonly pos: number;
}

const isFilterSpace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r';

/** The tokens of filter.ts's tokenizer; undefined for an unterminated string. */
function filterTokens(text: string): FilterToken[] | undefined {
  const tokens: FilterToken[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (isFilterSpace(ch)) {
      i++;
    } else if (ch === '(' || ch === ')' || ch === '[' || ch === ']') {
      tokens.push({ kind: ch, text: ch, pos: i });
      i++;
    } else if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) return undefined;
      tokens.push({ kind: 'string', text: text.slice(i, j + 1), pos: i });
      i = j + 1;
    } else {
      const start = i;
      while (i < text.length && !isFilterSpace(text[i]!) && !'()[]'.includes(text[i]!)) i++;
      tokens.push({ kind: 'word', text: text.slice(start, i), pos: start });
    }
  }
  return tokens;
}

/**
 * Quotes each word that stands where RFC 7644 §3.4.2.2 wants a compValue and that is not
 * `true`, `false`, `null` or a number. Walks the grammar's positions (path, operator, value,
 * what follows); on anything unexpected it leaves the text to the parser.
 */
function quoteFilterValues(filter: string): Rewrite<string> {
  const tokens = filterTokens(filter);
  if (!tokens) return UNCHANGED(filter);
  type State = 'path' | 'operator' | 'value' | 'after';
  let state: State = 'path';
  const quoted: FilterToken[] = [];
  const word = (t: FilterToken, w: string) => t.kind === 'word' && t.text.toLowerCase() === w;
  for (const token of tokens) {
    switch (state) {
      case 'path':
        if (token.kind === '(' || word(token, 'not')) continue;
        if (token.kind !== 'word') return UNCHANGED(filter);
        state = 'operator';
        continue;
      case 'operator':
        if (token.kind === '[') state = 'path';
        else if (word(token, 'pr')) state = 'after';
        else if (token.kind === 'word' && COMPARE_OPS.has(token.text.toLowerCase()))
          state = 'value';
        else return UNCHANGED(filter);
        continue;
      case 'value': {
        if (token.kind === 'string') {
          state = 'after';
          continue;
        }
        if (token.kind !== 'word') return UNCHANGED(filter);
        const lower = token.text.toLowerCase();
        if (lower === 'and' || lower === 'or' || lower === 'not') return UNCHANGED(filter);
        const literal =
          lower === 'true' || lower === 'false' || lower === 'null' || JSON_NUMBER.test(token.text);
        if (!literal) quoted.push(token);
        state = 'after';
        continue;
      }
      case 'after':
        if (token.kind === ')' || token.kind === ']') continue;
        if (word(token, 'and') || word(token, 'or')) state = 'path';
        // `emails[type eq "work"].value eq "x"`: the sub-attribute after a value filter.
        else if (token.kind === 'word' && token.text.startsWith('.')) state = 'operator';
        else return UNCHANGED(filter);
        continue;
    }
  }
  if (quoted.length === 0) return UNCHANGED(filter);
  let out = '';
  let from = 0;
  for (const token of quoted) {
    out += filter.slice(from, token.pos) + JSON.stringify(token.text);
    from = token.pos + token.text.length;
  }
  return { value: out + filter.slice(from), changed: true };
}

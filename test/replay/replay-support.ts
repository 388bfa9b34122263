/**
 * What the replay tests share: a client that sends one identity provider's headers, and
 * assertions on the parts of a response an IdP actually parses (status, `Content-Type`, the
 * ListResponse integers, `id`, `active`). The request shapes themselves live in each vendor's
 * file, next to the fact of /work/shared/reference/idp-wire.md they replay.
 *
 * Tags in the tests' comments, as in idp-wire.md: [Doc] vendor documentation, [Obs] public
 * traffic capture, [3P] a third party's documentation, [Inf] inference (tests then accept
 * every variant the inference allows), [Uncited] seen in public but not resolvable.
 */
import { randomUUID } from 'node:crypto';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { TestApp } from '../support/app.ts';

export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

export type Resource = Record<string, unknown> & { id: string };
export interface ListResponse {
  schemas: string[];
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  Resources: Resource[];
}
export interface Member {
  value: string;
  display?: string;
  $ref?: string | null;
}

/** The headers one client sends: on every request, and on requests with a body. */
export interface Wire {
  readonly headers: Record<string, string>;
  readonly bodyHeaders: Record<string, string>;
}

export type Send = (
  method: InjectOptions['method'],
  url: string,
  body?: unknown,
) => Promise<LightMyRequestResponse>;

/** A SCIM client with the connection's token and `wire`'s headers. */
export function client(t: TestApp, wire: Wire): Send {
  return (method, url, body) =>
    t.scim(method, url, body, {
      ...wire.headers,
      ...(body !== undefined ? wire.bodyHeaders : {}),
    });
}

let counter = 0;
/** A name no other test in the file uses. */
export const unique = (prefix: string) => `${prefix}${++counter}${randomUUID().slice(0, 6)}`;

/** Every SCIM response, success or error, says `application/scim+json`. */
export function expectScimJson(response: LightMyRequestResponse): void {
  expect(response.headers['content-type'], `${response.statusCode} ${response.body}`).toMatch(
    /^application\/scim\+json/,
  );
}

/** A ListResponse whose paging numbers are JSON integers (Okta refuses strings). */
export function expectList(response: LightMyRequestResponse): ListResponse {
  expect(response.statusCode, response.body).toBe(200);
  expectScimJson(response);
  const body = response.json() as ListResponse;
  expect(body.schemas).toEqual([LIST_RESPONSE]);
  for (const key of ['totalResults', 'startIndex', 'itemsPerPage'] as const) {
    expect(Number.isInteger(body[key]), `${key} is ${JSON.stringify(body[key])}`).toBe(true);
  }
  expect(Array.isArray(body.Resources), 'Resources is an array').toBe(true);
  expect(body.Resources).toHaveLength(body.itemsPerPage);
  for (const resource of body.Resources) expect(typeof resource.id).toBe('string');
  return body;
}

/** A resource in the body with a non-empty `id`, in the SCIM content type. */
export function expectResource(response: LightMyRequestResponse, status = 200): Resource {
  expect(response.statusCode, response.body).toBe(status);
  expectScimJson(response);
  const body = response.json() as Resource;
  expect(typeof body.id).toBe('string');
  expect(body.id).not.toBe('');
  return body;
}

/** A user: a resource that always carries a boolean `active` (a PUT built from it keeps it). */
export function expectUser(response: LightMyRequestResponse, status = 200): Resource {
  const user = expectResource(response, status);
  expect(typeof user.active, `active is ${JSON.stringify(user.active)}`).toBe('boolean');
  return user;
}

/** A write the IdP accepts with either `200` and the resource or `204` and no body. */
export function expectOkOrNoContent(response: LightMyRequestResponse): void {
  expect([200, 204], response.body).toContain(response.statusCode);
  if (response.statusCode === 204) expect(response.body).toBe('');
  else expectResource(response);
}

/** A SCIM Error message (RFC 7644 §3.12): `status` as a string, and a `detail`. */
export function expectScimError(
  response: LightMyRequestResponse,
  status: number,
  scimType?: string,
): Record<string, unknown> {
  expect(response.statusCode, response.body).toBe(status);
  expectScimJson(response);
  const body = response.json() as Record<string, unknown>;
  expect(body.schemas).toEqual([ERROR]);
  expect(body.status).toBe(String(status));
  if (scimType !== undefined) expect(body.scimType).toBe(scimType);
  expect(typeof body.detail).toBe('string');
  return body;
}

/** The member ids of a group body, sorted. */
export function memberIds(group: Record<string, unknown>): string[] {
  return ((group.members as Member[] | undefined) ?? []).map((m) => m.value).sort();
}

/** `encodeURIComponent` for a whole filter, with `%20` for spaces (Okta's encoding). */
export const pct = (filter: string) => encodeURIComponent(filter);

/** Form encoding for a filter, with `+` for spaces (Entra's and OneLogin's encoding). */
export const form = (filter: string) => new URLSearchParams({ f: filter }).toString().slice(2);

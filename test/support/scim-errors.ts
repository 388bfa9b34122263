import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { ScimError } from '../../src/scim/errors.ts';

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** Asserts an RFC 7644 §3.12 Error response, and returns its body. */
export function expectScimError(
  response: LightMyRequestResponse,
  status: number,
  scimType?: string,
): Record<string, unknown> {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/scim\+json/);
  const body = response.json() as Record<string, unknown>;
  expect(body.schemas).toEqual([ERROR_SCHEMA]);
  expect(body.status).toBe(String(status));
  if (scimType !== undefined) expect(body.scimType).toBe(scimType);
  expect(typeof body.detail).toBe('string');
  expect(body.detail).not.toBe('');
  return body;
}

/** Runs `fn` and returns the ScimError it throws; fails the test if it throws nothing else. */
export function scimErrorOf(fn: () => unknown): ScimError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ScimError);
    return error as ScimError;
  }
  throw new Error('expected a ScimError, but nothing was thrown');
}

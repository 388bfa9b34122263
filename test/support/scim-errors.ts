import { expect } from 'vitest';
import { ScimError } from '../../src/scim/errors.ts';

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

import { describe, expect, it } from 'vitest';
import { redactQuery, redactUrl } from './secrets.ts';

describe('redactQuery', () => {
  it('redacts the values of secret-named parameters, however their names are encoded', () => {
    expect(redactQuery('password=p&count=1')).toBe('password=[redacted]&count=1');
    expect(redactQuery('access%5Ftoken=t&API-KEY=k&client+secret=s')).toBe(
      'access%5Ftoken=[redacted]&API-KEY=[redacted]&client+secret=[redacted]',
    );
    expect(redactQuery('token')).toBe('token=[redacted]');
  });

  it('leaves every other query as it is, a malformed one included', () => {
    for (const query of [
      '',
      'count=1',
      'filter=userName%20eq%20%22a%22',
      'a=%E0%A4%A',
      'x=token',
    ]) {
      expect(redactQuery(query)).toBe(query);
    }
  });

  it('redacts the query of a URL only', () => {
    expect(redactUrl('/scim/v2/Users?token=x')).toBe('/scim/v2/Users?token=[redacted]');
    expect(redactUrl('/token/path')).toBe('/token/path');
  });
});

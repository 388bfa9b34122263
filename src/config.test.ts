import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      publicUrl: 'http://127.0.0.1:8080',
      scimRateLimit: 200,
      provisioningLogRetentionDays: 30,
      signInRateLimit: 10,
      trustProxy: false,
    });
  });

  it('reads GATEHOUSE_TRUST_PROXY as a flag, a number of hops or a list of addresses', () => {
    const trust = (value: string) => loadConfig({ GATEHOUSE_TRUST_PROXY: value }).trustProxy;
    expect(trust('true')).toBe(true);
    expect(trust('FALSE')).toBe(false);
    expect(trust('2')).toBe(2);
    expect(trust('10.0.0.0/8, 127.0.0.1')).toBe('10.0.0.0/8, 127.0.0.1');
    expect(() => trust('everyone')).toThrow(ConfigError);
  });

  it('refuses a SCIM rate limit below 25 requests per second, naming the variable', () => {
    expect(() => loadConfig({ GATEHOUSE_SCIM_RATE_LIMIT: '10' })).toThrow(
      /GATEHOUSE_SCIM_RATE_LIMIT must be between 25/,
    );
    expect(() => loadConfig({ GATEHOUSE_PROVISIONING_LOG_RETENTION_DAYS: 'a week' })).toThrow(
      /GATEHOUSE_PROVISIONING_LOG_RETENTION_DAYS must be a whole number/,
    );
  });
});

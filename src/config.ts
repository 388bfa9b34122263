/**
 * The only reader of `process.env`. Every setting is typed, validated at start-up with a message
 * that names the variable and what it accepts, and documented in the README's Configuration table.
 */
import path from 'node:path';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** A `postgres://` URL switches storage to PostgreSQL; otherwise SQLite in `dataDir`. */
  readonly databaseUrl: string | undefined;
  /** External base URL (no trailing slash) used in `meta.location` and `scimBaseUrl`. */
  readonly publicUrl: string;
  readonly logLevel: LogLevel;
  /** Largest page a list request returns (`filter.maxResults` in /ServiceProviderConfig). */
  readonly maxPageSize: number;
  /** Largest request body accepted, in bytes (larger: 413). */
  readonly maxBodyBytes: number;
  /** Most group members one response lists (beyond: 400 tooMany). */
  readonly maxMembersPerResponse: number;
  /** SCIM requests per second per connection and process, unless a connection sets its own. */
  readonly scimRateLimit: number;
  /** Days the provisioning log keeps an entry. */
  readonly provisioningLogRetentionDays: number;
  /** Console sign-in attempts a minute per client address and per userName, in each process. */
  readonly signInRateLimit: number;
  /**
   * Fastify's `trustProxy`: whether (and which) proxies' X-Forwarded-For and -Proto headers to
   * believe for the client address. Off by default: a client could otherwise choose its own
   * address and slip past the per-address sign-in limit.
   */
  readonly trustProxy: boolean | number | string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS: readonly LogLevel[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
];

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) {
    throw new ConfigError(
      `${name} must be a whole number between ${min} and ${max}; got "${raw}".`,
    );
  }
  const value = Number(raw.trim());
  if (value < min || value > max) {
    throw new ConfigError(`${name} must be between ${min} and ${max}; got ${value}.`);
  }
  return value;
}

function url(name: string, raw: string, protocols: readonly string[]): URL {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a URL (${protocols.join(' or ')}); got "${raw}".`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must start with ${protocols.join(' or ')}; got "${raw}".`);
  }
  return parsed;
}

/**
 * `GATEHOUSE_TRUST_PROXY`: `false` (default), `true` (any proxy), a number of proxy hops, or a
 * comma-separated list of proxy addresses or CIDR ranges (`10.0.0.0/8,127.0.0.1`).
 */
function trustProxy(raw: string | undefined): boolean | number | string {
  const value = raw?.trim() ?? '';
  if (value === '' || value.toLowerCase() === 'false') return false;
  if (value.toLowerCase() === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  if (/^[0-9a-fA-F.:/]+(\s*,\s*[0-9a-fA-F.:/]+)*$/.test(value)) return value;
  throw new ConfigError(
    `GATEHOUSE_TRUST_PROXY must be true, false, a number of proxy hops or a list of proxy addresses (CIDR); got "${raw}".`,
  );
}

/** Reads and validates the configuration; throws ConfigError naming the bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const host = env.HOST?.trim() || '127.0.0.1';
  const dataDir = path.resolve(env.GATEHOUSE_DATA_DIR?.trim() || './data');

  const rawDatabaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (rawDatabaseUrl !== undefined)
    url('DATABASE_URL', rawDatabaseUrl, ['postgres:', 'postgresql:']);

  const rawPublicUrl = env.GATEHOUSE_PUBLIC_URL?.trim();
  const publicHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  const publicUrl = rawPublicUrl
    ? url('GATEHOUSE_PUBLIC_URL', rawPublicUrl, ['http:', 'https:']).href.replace(/\/+$/, '')
    : `http://${publicHost.includes(':') ? `[${publicHost}]` : publicHost}:${port}`;

  const logLevel = (env.LOG_LEVEL?.trim().toLowerCase() || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(
      `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got "${env.LOG_LEVEL}".`,
    );
  }

  return {
    port,
    host,
    dataDir,
    databaseUrl: rawDatabaseUrl,
    publicUrl,
    logLevel,
    maxPageSize: integer(env, 'GATEHOUSE_MAX_PAGE_SIZE', 1000, 1, 100_000),
    maxMembersPerResponse: integer(
      env,
      'GATEHOUSE_MAX_MEMBERS_PER_RESPONSE',
      200_000,
      1,
      10_000_000,
    ),
    maxBodyBytes: integer(
      env,
      'GATEHOUSE_MAX_BODY_BYTES',
      16 * 1024 * 1024,
      1024,
      1024 * 1024 * 1024,
    ),
    // Entra ID's gallery requirement is 25 requests per second per tenant: never below it.
    scimRateLimit: integer(env, 'GATEHOUSE_SCIM_RATE_LIMIT', 200, 25, 100_000),
    provisioningLogRetentionDays: integer(
      env,
      'GATEHOUSE_PROVISIONING_LOG_RETENTION_DAYS',
      30,
      1,
      3650,
    ),
    signInRateLimit: integer(env, 'GATEHOUSE_SIGN_IN_RATE_LIMIT', 10, 1, 10_000),
    trustProxy: trustProxy(env.GATEHOUSE_TRUST_PROXY),
  };
}

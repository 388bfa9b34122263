/**
 * The database of a configuration, for the server and the CLI: a database that cannot be reached
 * is a configuration error (exit code 2) whose message names the setting, not a stack trace.
 */
import { ConfigError } from '../config.ts';
import type { Config } from '../config.ts';
import { openDatabase } from './database.ts';
import type { DatabaseHandle } from './database.ts';

/** Errors of reaching a database: the system's (refused, unknown host...) and PostgreSQL's. */
const UNREACHABLE = /^(E[A-Z]+|28000|28P01|3D000|53300|57P03)$/;

export async function openConfiguredDatabase(config: Config): Promise<DatabaseHandle> {
  try {
    return await openDatabase(config);
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code !== 'string' || !UNREACHABLE.test(code)) throw error;
    const where = config.databaseUrl
      ? `DATABASE_URL (${describeUrl(config.databaseUrl)})`
      : `GATEHOUSE_DATA_DIR (${config.dataDir})`;
    throw new ConfigError(
      `cannot open the database at ${where}: ${(error as Error).message || code}`,
      { cause: error },
    );
  }
}

/** The URL without its credentials. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return 'unparsable';
  }
}

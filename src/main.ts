/** `gatehouse serve`: read the configuration, open and migrate the database, listen. */
import { createSetupToken, setupNeeded } from './admin/setup.service.ts';
import { buildApp } from './app.ts';
import type { Config } from './config.ts';
import { openConfiguredDatabase } from './db/open.ts';
import type { DatabaseHandle } from './db/database.ts';
import { ConfigError } from './config.ts';
import { startMaintenance } from './maintenance.ts';

export async function serve(config: Config): Promise<void> {
  const database = await openConfiguredDatabase(config);
  const app = await buildApp({ config, database });
  const stopMaintenance = startMaintenance(database, config, app.log);
  const shutdown = async (signal: string) => {
    app.log.info({ signal }, 'shutting down');
    stopMaintenance();
    await app.close();
    await database.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    stopMaintenance();
    await app.close();
    await database.close();
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code !== 'string' || !code.startsWith('E')) throw error;
    // In use, not an address of this machine, an unknown host name, a port below 1024...
    throw new ConfigError(
      `cannot listen on ${config.host}:${config.port} (HOST, PORT): ${(error as Error).message}`,
      { cause: error },
    );
  }
  app.log.info(
    { database: database.description, scimBaseUrl: `${config.publicUrl}/scim/v2` },
    `Gatehouse is serving on ${config.publicUrl} (SCIM base URL ${config.publicUrl}/scim/v2)`,
  );
  const connections = await database.db
    .selectFrom('connections')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  await offerSetup(database, config, app.log);
  if (Number(connections.n) === 0) {
    app.log.info(
      'No SCIM connection yet: create one for your identity provider with `npx gatehouse connections create <name>`.',
    );
  }
}

/**
 * While no user holds the role `admin`, each start prints a one-time link to create the first
 * one (valid 24 hours). The link goes to the standard output, not through the logger: it holds
 * a token, and logs keep no token (the log line says where to look instead).
 */
async function offerSetup(
  database: DatabaseHandle,
  config: Config,
  log: { info(object: object, message: string): void },
): Promise<void> {
  if (!(await setupNeeded(database.db))) return;
  const { token, expiresAt } = await createSetupToken(database.db);
  log.info(
    { expiresAt },
    'No console administrator yet: a one-time setup link is printed on the standard output.',
  );
  process.stdout.write(
    '\nNo console administrator yet. Create the first one at this one-time link (valid 24 hours):\n\n' +
      `    ${config.publicUrl}/setup#token=${token}\n\n` +
      'or run `npx gatehouse admins create <userName>`.\n\n',
  );
}

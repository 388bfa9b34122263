/** `gatehouse serve`: read the configuration, open and migrate the database, listen. */
import { buildApp } from './app.ts';
import type { Config } from './config.ts';
import { openDatabase } from './db/database.ts';
import { startMaintenance } from './maintenance.ts';

export async function serve(config: Config): Promise<void> {
  const database = await openDatabase(config);
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
  await app.listen({ port: config.port, host: config.host });
  app.log.info(
    { database: database.description, scimBaseUrl: `${config.publicUrl}/scim/v2` },
    `Gatehouse is serving on ${config.publicUrl} (SCIM base URL ${config.publicUrl}/scim/v2)`,
  );
  const connections = await database.db
    .selectFrom('connections')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  if (Number(connections.n) === 0) {
    app.log.info(
      'No SCIM connection yet: create one for your identity provider with `npx gatehouse connections create <name>`.',
    );
  }
}

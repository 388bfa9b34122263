/**
 * Background upkeep of a serving process: purges the deprovisioned users whose retention window
 * has passed, prunes the provisioning log, and deletes expired sessions and setup tokens. Every instance runs it; both are idempotent
 * deletes, so instances side by side only repeat each other's no-ops.
 */
import type { Config } from './config.ts';
import type { DatabaseHandle } from './db/database.ts';
import { pruneSessions } from './admin/sessions.service.ts';
import { pruneSetupTokens } from './admin/setup.service.ts';
import { purgeDeprovisionedUsers } from './directory/user.service.ts';
import { pruneProvisioningLog } from './provisioning/provisioning-log.ts';

export const MAINTENANCE_INTERVAL_MS = 60 * 60 * 1000;

export interface MaintenanceReport {
  readonly purgedUsers: number;
  readonly prunedLogEntries: number;
}

export async function runMaintenance(
  database: DatabaseHandle,
  config: Pick<Config, 'provisioningLogRetentionDays'>,
  now = new Date(),
): Promise<MaintenanceReport> {
  const purgedUsers = await purgeDeprovisionedUsers({
    db: database.db,
    dialect: database.dialect,
    now: () => now.toISOString(),
  });
  const cutoff = new Date(now.getTime() - config.provisioningLogRetentionDays * 86_400_000);
  const prunedLogEntries = await pruneProvisioningLog(database.db, cutoff.toISOString());
  // Expired sessions and setup tokens open nothing already; this only keeps the tables small.
  await pruneSessions(database.db, now);
  await pruneSetupTokens(database.db, now);
  return { purgedUsers, prunedLogEntries };
}

/** Runs the upkeep now and every hour until stopped; failures are logged and retried. */
export function startMaintenance(
  database: DatabaseHandle,
  config: Pick<Config, 'provisioningLogRetentionDays'>,
  log: {
    info(object: object, message: string): void;
    error(object: object, message: string): void;
  },
): () => void {
  let running: Promise<void> | undefined;
  const tick = () => {
    running ??= runMaintenance(database, config)
      .then((report) => {
        if (report.purgedUsers > 0 || report.prunedLogEntries > 0) log.info(report, 'maintenance');
      })
      .catch((error: unknown) => log.error({ err: error }, 'maintenance failed; will retry'))
      .finally(() => {
        running = undefined;
      });
  };
  const first = setTimeout(tick, 5_000);
  const timer = setInterval(tick, MAINTENANCE_INTERVAL_MS);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}

/**
 * The `gatehouse` command: the server, and the directory and SCIM connections for operators and
 * scripts. Every command reads the same configuration as the server and works on the database
 * directly, whether or not the server is running. `--json` prints one JSON value.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ConfigError, loadConfig } from '../config.ts';
import type { Config } from '../config.ts';
import { openConfiguredDatabase } from '../db/open.ts';
import type { DatabaseHandle } from '../db/database.ts';
import { listEvents } from '../changes/events.ts';
import type { DirectoryContext } from '../directory/context.ts';
import { DirectoryError } from '../directory/errors.ts';
import {
  createGroup,
  deleteGroup,
  findGroupByIdOrName,
  listGroups,
  membersOf,
} from '../directory/group.service.ts';
import type { Group } from '../directory/group.service.ts';
import {
  createUser,
  deleteUser,
  findUserByIdOrUserName,
  groupsOf,
  listDeprovisionedUsers,
  listUsers,
} from '../directory/user.service.ts';
import type { User } from '../directory/user.service.ts';
import {
  ConnectionError,
  createConnection,
  DEFAULT_ROTATION_GRACE_SECONDS,
  deleteConnection,
  getConnection,
  listConnections,
  revokeTokens,
  rotateToken,
  SETTING_LIMITS,
  updateConnectionSettings,
} from '../provisioning/connection.service.ts';
import type { Connection, ConnectionSettings } from '../provisioning/connection.service.ts';
import { listProvisioningLog } from '../provisioning/provisioning-log.ts';
import { grantRole, listRoles, parseRole, revokeRole, roleOf } from '../directory/roles.service.ts';
import { DIALECT_CHOICES } from '../scim/dialects.ts';
import { ScimError } from '../scim/errors.ts';
import { parseFilter } from '../scim/filter.ts';
import { normalizeResource } from '../scim/resource.ts';
import { groupResourceType, userResourceType } from '../scim/schema.ts';
import { printTable } from './output.ts';
import {
  createApiKey,
  listApiKeys,
  parseApiKeyRole,
  revokeApiKey,
} from '../admin/api-keys.service.ts';
import { generatePassword } from '../admin/credentials.ts';
import { AdminError } from '../admin/errors.ts';
import { findMembership } from '../admin/group-list.repository.ts';
import { addLocalMember, removeLocalMember } from '../admin/groups.service.ts';
import { mappingsOf } from '../admin/views.ts';
import { createAdministrator } from '../admin/setup.service.ts';

const ACTOR = { kind: 'local', name: 'cli' } as const;

interface JsonOption {
  json?: boolean;
}

/** Runs a command with the database open, and closes it after. */
async function withDatabase<T>(
  work: (database: DatabaseHandle, config: Config) => Promise<T>,
): Promise<T> {
  const config = loadConfig();
  const database = await openConfiguredDatabase(config);
  try {
    return await work(database, config);
  } finally {
    await database.close();
  }
}

function contextOf(database: DatabaseHandle): DirectoryContext {
  return { db: database.db, dialect: database.dialect, actor: ACTOR };
}

function print(options: JsonOption, value: unknown, human: () => void): void {
  if (options.json) process.stdout.write(JSON.stringify(value, null, 2) + '\n');
  else human();
}

function userSummary(user: User) {
  const emails = Array.isArray(user.data.emails)
    ? (user.data.emails as { value?: string; primary?: boolean }[])
    : [];
  const email = emails.find((e) => e.primary)?.value ?? emails[0]?.value ?? null;
  const name = user.data.name as { givenName?: string; familyName?: string } | undefined;
  return {
    id: user.id,
    userName: user.userName,
    displayName: typeof user.data.displayName === 'string' ? user.data.displayName : null,
    givenName: name?.givenName ?? null,
    familyName: name?.familyName ?? null,
    email,
    externalId: user.externalId,
    origin: user.origin,
    connectionId: user.connectionId,
    active: user.active,
    deprovisionedAt: user.deprovisionedAt,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

function groupSummary(group: Group) {
  return {
    id: group.id,
    displayName: group.displayName,
    externalId: group.externalId,
    origin: group.origin,
    connectionId: group.connectionId,
    createdAt: group.createdAt,
    updatedAt: group.updatedAt,
  };
}

function yesNo(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['yes', 'true', 'on', '1'].includes(v)) return true;
  if (['no', 'false', 'off', '0'].includes(v)) return false;
  throw new InvalidArgumentError('expected yes or no.');
}

function settingsTable(connection: Connection): string[][] {
  const s = connection.settings;
  return [
    ['dialect', s.dialect],
    ['deprovision', s.deprovisionPolicy],
    ['retention days', String(s.retentionDays)],
    ['link local users', s.linkLocalUsers ? 'yes' : 'no'],
    ['rate limit', s.rateLimit === null ? 'server default' : `${s.rateLimit}/s`],
  ];
}

function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number.');
  return Number(value);
}

/** `24h`, `30m`, `90s`, `7d` or a number of seconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError('expected a duration such as 24h, 30m, 90s or 0.');
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

async function requireUser(database: DatabaseHandle, key: string): Promise<User> {
  const user = await findUserByIdOrUserName(contextOf(database), key);
  if (!user) throw new DirectoryError('not_found', `No user has the id or userName "${key}".`);
  return user;
}

async function requireGroup(database: DatabaseHandle, key: string): Promise<Group> {
  const group = await findGroupByIdOrName(contextOf(database), key);
  if (!group) throw new DirectoryError('not_found', `No group has the id or displayName "${key}".`);
  return group;
}

export function buildCli(): Command {
  const program = new Command('gatehouse')
    .description(
      'Gatehouse: the identity directory of a data platform. Users and groups provisioned by ' +
        'identity providers over SCIM 2.0, and local ones made here.\n\n' +
        'Configuration comes from the environment (see the README): DATABASE_URL, GATEHOUSE_DATA_DIR, ' +
        'GATEHOUSE_PUBLIC_URL, PORT, HOST, LOG_LEVEL and the other GATEHOUSE_* settings (page and ' +
        'body limits, SCIM and sign-in rate limits, log retention, trusted proxies). Commands work ' +
        'whether or not the server runs.',
    )
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('serve')
    .description(
      'Start the server (what `npm start` runs): the console at /, the admin API at /api/v1 ' +
        '(documented at /api/docs), SCIM at /scim/v2, health at /healthz. While no administrator ' +
        'exists it prints a one-time setup link.',
    )
    .action(async () => {
      const { serve } = await import('../main.ts');
      await serve(loadConfig());
    });

  // ---- connections -------------------------------------------------------------------------
  const connections = program
    .command('connections')
    .description('SCIM connections: one per identity provider, each with its own bearer token.');

  connections
    .command('create <name>')
    .description(
      'Create a connection and print its SCIM base URL and bearer token (shown this once).',
    )
    .option('--json', 'print JSON')
    .action(async (name: string, options: JsonOption) =>
      withDatabase(async (database, config) => {
        const { connection, token } = await createConnection(database.db, name, 'local:cli');
        const scimBaseUrl = `${config.publicUrl}/scim/v2`;
        print(options, { ...connection, scimBaseUrl, token }, () => {
          console.log(`Created connection "${connection.name}" (${connection.id}).`);
          console.log(`SCIM base URL: ${scimBaseUrl}`);
          console.log(`Bearer token:  ${token}`);
          console.log('Copy the token now: it is stored only as a hash and cannot be shown again.');
        });
      }),
    );

  connections
    .command('list')
    .description('List connections with their tokens (prefix, status, last use).')
    .option('--json', 'print JSON')
    .action(async (options: JsonOption) =>
      withDatabase(async (database, config) => {
        const list = (await listConnections(database.db)).map((c) => ({
          ...c,
          scimBaseUrl: `${config.publicUrl}/scim/v2`,
        }));
        print(options, list, () =>
          printTable(
            ['ID', 'NAME', 'TOKENS', 'LAST USED'],
            list.map((c) => [
              c.id,
              c.name,
              c.tokens
                .map(
                  (t) =>
                    `${t.prefix}… ${t.status}${t.expiresAt && t.status !== 'expired' ? ` until ${t.expiresAt}` : ''}`,
                )
                .join(', ') || 'none',
              c.lastUsedAt ?? 'never',
            ]),
          ),
        );
      }),
    );

  connections
    .command('show <connection>')
    .description('Show a connection (by id or name): its settings, tokens and SCIM base URL.')
    .option('--json', 'print JSON')
    .action(async (key: string, options: JsonOption) =>
      withDatabase(async (database, config) => {
        const connection = await getConnection(database.db, key);
        const summary = (await listConnections(database.db)).find((c) => c.id === connection.id)!;
        const value = { ...summary, scimBaseUrl: `${config.publicUrl}/scim/v2` };
        print(options, value, () => {
          printTable(
            ['FIELD', 'VALUE'],
            [
              ['id', connection.id],
              ['name', connection.name],
              ['SCIM base URL', value.scimBaseUrl],
              ['last used', connection.lastUsedAt ?? 'never'],
              ...settingsTable(connection),
            ],
          );
          console.log('\nTokens:');
          printTable(
            ['PREFIX', 'STATUS', 'EXPIRES', 'LAST USED'],
            summary.tokens.map((t) => [
              `${t.prefix}…`,
              t.status,
              t.expiresAt ?? '',
              t.lastUsedAt ?? 'never',
            ]),
          );
        });
      }),
    );

  connections
    .command('update <connection>')
    .description(
      "Change a connection's provisioning settings (the others stay). See the README's " +
        '"Provisioning rules" for what each does.',
    )
    .addOption(
      new Option(
        '--dialect <dialect>',
        'the client profile: auto detects it per request; strict is RFC 7644 only',
      ).choices(DIALECT_CHOICES),
    )
    .addOption(
      new Option(
        '--deprovision <policy>',
        'what active=false does: delete (the user leaves the platform, restorable during the retention) or suspend (listed as inactive)',
      ).choices(['delete', 'suspend']),
    )
    .option(
      '--retention-days <n>',
      `days a deprovisioned user stays restorable before it is purged (${SETTING_LIMITS.retentionDays.min}-${SETTING_LIMITS.retentionDays.max})`,
      positiveInteger,
    )
    .option(
      '--link-local-users <yes|no>',
      'whether a create or write for a LOCAL user or group links it to this connection',
      yesNo,
    )
    .option(
      '--rate-limit <n|default>',
      `requests per second (${SETTING_LIMITS.rateLimit.min}-${SETTING_LIMITS.rateLimit.max}), or "default" for GATEHOUSE_SCIM_RATE_LIMIT`,
      // Commander turns a parsed null into "": "default" stays a word until the action.
      (value: string): number | 'default' =>
        value.trim().toLowerCase() === 'default' ? 'default' : positiveInteger(value),
    )
    .option('--json', 'print JSON')
    .action(
      async (
        key: string,
        options: JsonOption & {
          dialect?: string;
          deprovision?: 'delete' | 'suspend';
          retentionDays?: number;
          linkLocalUsers?: boolean;
          rateLimit?: number | 'default';
        },
      ) =>
        withDatabase(async (database) => {
          const changes: Partial<ConnectionSettings> = {
            ...(options.dialect !== undefined ? { dialect: options.dialect } : {}),
            ...(options.deprovision !== undefined
              ? { deprovisionPolicy: options.deprovision }
              : {}),
            ...(options.retentionDays !== undefined
              ? { retentionDays: options.retentionDays }
              : {}),
            ...(options.linkLocalUsers !== undefined
              ? { linkLocalUsers: options.linkLocalUsers }
              : {}),
            ...(options.rateLimit !== undefined
              ? { rateLimit: options.rateLimit === 'default' ? null : options.rateLimit }
              : {}),
          };
          if (Object.keys(changes).length === 0) {
            throw new InvalidArgumentError(
              'Nothing to change: give at least one of --dialect, --deprovision, --retention-days, --link-local-users, --rate-limit.',
            );
          }
          const connection = await updateConnectionSettings(database.db, key, changes, 'local:cli');
          print(options, connection, () => {
            console.log(`Updated connection "${connection.name}".`);
            printTable(['SETTING', 'VALUE'], settingsTable(connection));
          });
        }),
    );

  connections
    .command('rotate-token <connection>')
    .description(
      'Issue a new token. Earlier tokens keep working for the grace period (default 24h), so the ' +
        'identity provider can be switched over without a failed request; --grace 0 ends them now.',
    )
    .addOption(
      new Option(
        '--grace <duration>',
        'how long earlier tokens keep working: 24h, 30m, 90s, 0; at most 30d',
      )
        .argParser(parseDuration)
        .default(DEFAULT_ROTATION_GRACE_SECONDS, '24h'),
    )
    .option('--json', 'print JSON')
    .action(async (key: string, options: JsonOption & { grace: number }) =>
      withDatabase(async (database, config) => {
        const result = await rotateToken(database.db, key, 'local:cli', options.grace);
        print(
          options,
          {
            ...result.connection,
            scimBaseUrl: `${config.publicUrl}/scim/v2`,
            token: result.token,
            previousTokensExpireAt: result.previousTokensExpireAt,
          },
          () => {
            console.log(`New bearer token for "${result.connection.name}": ${result.token}`);
            console.log(`Earlier tokens stop working at ${result.previousTokensExpireAt}.`);
          },
        );
      }),
    );

  connections
    .command('revoke-token <connection>')
    .description('End every token of the connection at once (the identity provider is cut off).')
    .option('--json', 'print JSON')
    .action(async (key: string, options: JsonOption) =>
      withDatabase(async (database) => {
        const result = await revokeTokens(database.db, key, 'local:cli');
        print(options, { ...result.connection, revokedTokens: result.revoked }, () =>
          console.log(`Revoked ${result.revoked} token(s) of "${result.connection.name}".`),
        );
      }),
    );

  connections
    .command('delete <connection>')
    .description('Delete the connection and its tokens. Users and groups it provisioned stay.')
    .option('--json', 'print JSON')
    .action(async (key: string, options: JsonOption) =>
      withDatabase(async (database) => {
        const connection = await deleteConnection(database.db, key, 'local:cli');
        print(options, { deleted: connection.id }, () =>
          console.log(`Deleted connection "${connection.name}".`),
        );
      }),
    );

  // ---- users -------------------------------------------------------------------------------
  const users = program.command('users').description('Users of the platform (IDP and LOCAL).');

  users
    .command('list')
    .description('List users, ordered by userName.')
    .option(
      '--filter <scim-filter>',
      "a SCIM filter, e.g. 'userName sw \"a\"' or 'active eq false'",
    )
    .option('--limit <n>', 'at most this many', positiveInteger, 100)
    .option('--offset <n>', 'skip this many', positiveInteger, 0)
    .option(
      '--deprovisioned',
      'list only the users deprovisioned by an identity provider (hidden from the platform, restorable until purged)',
    )
    .option('--json', 'print JSON')
    .action(
      async (
        options: JsonOption & {
          filter?: string;
          limit: number;
          offset: number;
          deprovisioned?: boolean;
        },
      ) =>
        withDatabase(async (database) => {
          const page = options.deprovisioned
            ? await listDeprovisionedUsers(contextOf(database), options.offset, options.limit)
            : await listUsers(contextOf(database), {
                ...(options.filter ? { filter: parseFilter(options.filter) } : {}),
                sortBy: 'userName',
                offset: options.offset,
                limit: options.limit,
                hideDeprovisioned: true,
              });
          const items = page.items.map(userSummary);
          print(options, items, () => {
            printTable(
              ['ID', 'USERNAME', 'ORIGIN', 'ACTIVE', 'EMAIL'],
              items.map((u) => [
                u.id,
                u.userName,
                u.origin,
                u.active ? 'yes' : 'no',
                u.email ?? '',
              ]),
            );
            console.log(`${items.length} of ${page.total} user(s)`);
          });
        }),
    );

  users
    .command('show <user>')
    .description('Show a user (by id or userName) with their groups.')
    .option('--json', 'print JSON')
    .action(async (key: string, options: JsonOption) =>
      withDatabase(async (database) => {
        const user = await requireUser(database, key);
        const groups = ((await groupsOf(contextOf(database), [user.id])).get(user.id) ?? []).map(
          ({ localMapping, ...g }) =>
            Object.assign(g, {
              mappings: g.origin === null ? [] : mappingsOf(g.origin, localMapping),
            }),
        );
        const role = await roleOf(contextOf(database), user.id);
        const value = { ...userSummary(user), role, groups, scim: user.data };
        print(options, value, () => {
          printTable(
            ['FIELD', 'VALUE'],
            Object.entries({ ...userSummary(user), role }).map(([k, v]) => [k, String(v ?? '')]),
          );
          if (user.deprovisionedAt) {
            console.log(
              `\nDeprovisioned by its identity provider at ${user.deprovisionedAt}: hidden from the platform until restored or purged.`,
            );
          }
          console.log('\nGroups:');
          printTable(
            ['ID', 'DISPLAY NAME', 'TYPE', 'MAPPINGS'],
            groups.map((g) => [g.id, g.displayName, g.type, g.mappings.join(', ')]),
          );
        });
      }),
    );

  users
    .command('create <userName>')
    .description('Create a LOCAL user.')
    .option('--email <email>', 'work email (primary)')
    .option('--given-name <name>', 'given name')
    .option('--family-name <name>', 'family name')
    .option('--display-name <name>', 'display name')
    .option('--json', 'print JSON')
    .action(
      async (
        userName: string,
        options: JsonOption & {
          email?: string;
          givenName?: string;
          familyName?: string;
          displayName?: string;
        },
      ) =>
        withDatabase(async (database) => {
          const name = {
            ...(options.givenName ? { givenName: options.givenName } : {}),
            ...(options.familyName ? { familyName: options.familyName } : {}),
          };
          const { data } = normalizeResource(userResourceType, {
            userName,
            active: true,
            ...(Object.keys(name).length > 0 ? { name } : {}),
            ...(options.displayName ? { displayName: options.displayName } : {}),
            ...(options.email
              ? { emails: [{ value: options.email, type: 'work', primary: true }] }
              : {}),
          });
          const user = await createUser(contextOf(database), data);
          print(options, userSummary(user), () =>
            console.log(`Created user ${user.userName} (${user.id}).`),
          );
        }),
    );

  users
    .command('delete <user>')
    .description('Delete a user (by id or userName) and their memberships.')
    .option('--json', 'print JSON')
    .action(async (key: string, options: JsonOption) =>
      withDatabase(async (database) => {
        const user = await requireUser(database, key);
        await deleteUser(contextOf(database), user.id);
        print(options, { deleted: user.id }, () =>
          console.log(`Deleted user ${user.userName} (${user.id}).`),
        );
      }),
    );

  // ---- groups ------------------------------------------------------------------------------
  const groups = program
    .command('groups')
    .description('Groups of the platform (IDP and LOCAL) and their members.');

  groups
    .command('list')
    .description('List groups, ordered by displayName.')
    .option('--filter <scim-filter>', 'a SCIM filter, e.g. \'displayName sw "eng"\'')
    .option('--limit <n>', 'at most this many', positiveInteger, 100)
    .option('--offset <n>', 'skip this many', positiveInteger, 0)
    .option('--json', 'print JSON')
    .action(async (options: JsonOption & { filter?: string; limit: number; offset: number }) =>
      withDatabase(async (database) => {
        const page = await listGroups(contextOf(database), {
          ...(options.filter ? { filter: parseFilter(options.filter) } : {}),
          sortBy: 'displayName',
          offset: options.offset,
          limit: options.limit,
        });
        const items = page.items.map(groupSummary);
        print(options, items, () => {
          printTable(
            ['ID', 'DISPLAY NAME', 'ORIGIN'],
            items.map((g) => [g.id, g.displayName, g.origin]),
          );
          console.log(`${items.length} of ${page.total} group(s)`);
        });
      }),
    );

  groups
    .command('show <group>')
    .description(
      'Show a group (by id or displayName) with its members and the mappings that hold each membership (IDP, LOCAL or both).',
    )
    .option('--json', 'print JSON')
    .action(async (key: string, options: JsonOption) =>
      withDatabase(async (database) => {
        const group = await requireGroup(database, key);
        const members = (
          (
            await membersOf(contextOf(database), [group.id], undefined, {
              hideDeprovisioned: true,
            })
          ).get(group.id) ?? []
        ).map(({ localMapping, ...m }) =>
          Object.assign(m, { mappings: mappingsOf(m.origin, localMapping) }),
        );
        print(options, { ...groupSummary(group), members }, () => {
          printTable(
            ['FIELD', 'VALUE'],
            Object.entries(groupSummary(group)).map(([k, v]) => [k, String(v ?? '')]),
          );
          console.log(`\nMembers (${members.length}):`);
          printTable(
            ['ID', 'TYPE', 'NAME', 'MAPPINGS'],
            members.map((m) => [m.id, m.type, m.display ?? '', m.mappings.join(', ')]),
          );
        });
      }),
    );

  groups
    .command('create <displayName>')
    .description('Create a LOCAL group.')
    .option('--json', 'print JSON')
    .action(async (displayName: string, options: JsonOption) =>
      withDatabase(async (database) => {
        const { data } = normalizeResource(groupResourceType, { displayName });
        const group = await createGroup(contextOf(database), data);
        print(options, groupSummary(group), () =>
          console.log(`Created group ${group.displayName} (${group.id}).`),
        );
      }),
    );

  // The admin API's rules (src/admin/groups.service.ts): a LOCAL mapping is added to any
  // group's member, not to a user the identity provider deprovisioned nor twice; only a LOCAL
  // mapping is removed (an identity provider's is changed there), and a membership the IdP maps
  // too stays.
  const membership =
    (verb: 'add' | 'remove') => async (groupKey: string, userKey: string, options: JsonOption) =>
      withDatabase(async (database) => {
        const group = await requireGroup(database, groupKey);
        const user = await requireUser(database, userKey);
        const context = contextOf(database);
        if (verb === 'add') await addLocalMember(context, group.id, user.id);
        else await removeLocalMember(context, group.id, user.id);
        // This one membership, by its key: not the group's whole member list.
        const after = await findMembership(database.db, group.id, user.id);
        const mappings = after ? mappingsOf(after.origin, Number(after.local_mapping) === 1) : [];
        print(
          options,
          {
            group: group.id,
            user: user.id,
            member: after !== undefined,
            origin: after?.origin ?? null,
            mappings,
          },
          () =>
            console.log(
              verb === 'add'
                ? `Added a LOCAL mapping of ${user.userName} to ${group.displayName} (mappings: ${mappings.join(', ')}).`
                : after
                  ? `Removed the LOCAL mapping of ${user.userName} from ${group.displayName}; the membership stays, mapped by the identity provider.`
                  : `Removed ${user.userName} from ${group.displayName}.`,
            ),
        );
      });

  groups
    .command('add-member <group> <user>')
    .description(
      "Add a user to a group (IDP groups too) with a LOCAL mapping, beside the identity provider's if it maps them; a LOCAL mapping that exists or a deprovisioned user is an error.",
    )
    .option('--json', 'print JSON')
    .action(membership('add'));

  groups
    .command('remove-member <group> <user>')
    .description(
      "Remove a user's LOCAL mapping from a group: the membership ends unless the identity provider maps it too; one the identity provider maps alone is removed there (an error here). An IDP mapping whose connection was deleted goes too.",
    )
    .option('--json', 'print JSON')
    .action(membership('remove'));

  groups
    .command('delete <group>')
    .description('Delete a group (by id or displayName) and its memberships.')
    .option('--json', 'print JSON')
    .action(async (key: string, options: JsonOption) =>
      withDatabase(async (database) => {
        const group = await requireGroup(database, key);
        await deleteGroup(contextOf(database), group.id);
        print(options, { deleted: group.id }, () =>
          console.log(`Deleted group ${group.displayName} (${group.id}).`),
        );
      }),
    );

  // ---- change feed ---------------------------------------------------------------------------
  program
    .command('events')
    .description(
      'Print the change feed: every change to users, groups, memberships and connections.',
    )
    .option('--after <seq>', 'only events after this sequence number', positiveInteger, 0)
    .option('--limit <n>', 'at most this many', positiveInteger, 100)
    .option('--json', 'print JSON')
    .action(async (options: JsonOption & { after: number; limit: number }) =>
      withDatabase(async (database) => {
        const events = await listEvents(database.db, {
          after: options.after,
          limit: options.limit,
        });
        print(options, events, () =>
          printTable(
            ['SEQ', 'TIME', 'TYPE', 'RESOURCE', 'ACTOR', 'SUMMARY'],
            events.map((e) => [
              String(e.seq),
              e.occurredAt,
              e.type,
              e.resourceId,
              e.actor,
              JSON.stringify(e.summary),
            ]),
          ),
        );
      }),
    );

  // ---- provisioning log ----------------------------------------------------------------------
  program
    .command('provisioning-log')
    .description(
      'Print the provisioning log, newest first: every SCIM request with its status, duration, ' +
        'the resources it touched and its body (secrets redacted).',
    )
    .option('--connection <connection>', 'only requests of this connection (id or name)')
    .option('--failed', 'only requests that failed (status 400 or more)')
    .option('--resource <id>', 'only requests that touched this user or group')
    .option('--since <time>', 'only requests at or after this ISO 8601 time')
    .option('--limit <n>', 'at most this many', positiveInteger, 50)
    .option('--json', 'print JSON (with the request bodies)')
    .action(
      async (
        options: JsonOption & {
          connection?: string;
          failed?: boolean;
          resource?: string;
          since?: string;
          limit: number;
        },
      ) =>
        withDatabase(async (database) => {
          const connection = options.connection
            ? await getConnection(database.db, options.connection)
            : undefined;
          if (options.since !== undefined && Number.isNaN(Date.parse(options.since))) {
            throw new InvalidArgumentError(`--since: "${options.since}" is not an ISO 8601 time.`);
          }
          const entries = await listProvisioningLog(database.db, {
            ...(connection ? { connectionId: connection.id } : {}),
            ...(options.failed ? { failed: true } : {}),
            ...(options.resource ? { resourceId: options.resource } : {}),
            ...(options.since ? { since: new Date(options.since).toISOString() } : {}),
            limit: options.limit,
          });
          print(options, entries, () =>
            printTable(
              ['TIME', 'CONNECTION', 'REQUEST', 'STATUS', 'MS', 'RESOURCES', 'ERROR'],
              entries.map((e) => [
                e.at,
                e.connectionName ?? '-',
                `${e.method} ${e.path}${e.query ? `?${e.query}` : ''}`,
                `${e.status}${e.scimType ? ` ${e.scimType}` : ''}`,
                e.durationMs.toFixed(1),
                e.resourceIds.join(' '),
                e.errorDetail ?? '',
              ]),
            ),
          );
        }),
    );

  // ---- console roles -------------------------------------------------------------------------
  const roles = program
    .command('roles')
    .description(
      'Console roles held by directory users: admin (everything) or viewer (read only). An IDP ' +
        'user may hold one; a LOCAL admin is never linked by an identity provider.',
    );

  roles
    .command('grant <user> <role>')
    .description('Give a user (id or userName) the role admin or viewer.')
    .option('--json', 'print JSON')
    .action(async (key: string, roleName: string, options: JsonOption) =>
      withDatabase(async (database) => {
        const role = parseRole(roleName);
        const user = await requireUser(database, key);
        const grant = await grantRole(contextOf(database), user.id, role);
        print(options, grant, () => console.log(`${grant.userName} is now ${grant.role}.`));
      }),
    );

  roles
    .command('revoke <user>')
    .description("Take away a user's console role.")
    .option('--json', 'print JSON')
    .action(async (key: string, options: JsonOption) =>
      withDatabase(async (database) => {
        const user = await requireUser(database, key);
        const revoked = await revokeRole(contextOf(database), user.id);
        print(options, { userId: user.id, revoked }, () =>
          console.log(
            revoked ? `${user.userName} has no console role now.` : `${user.userName} had none.`,
          ),
        );
      }),
    );

  roles
    .command('list')
    .description('List the users who hold a console role.')
    .option('--json', 'print JSON')
    .action(async (options: JsonOption) =>
      withDatabase(async (database) => {
        const grants = await listRoles(contextOf(database));
        print(options, grants, () =>
          printTable(
            ['USER', 'ID', 'ORIGIN', 'ROLE', 'GRANTED', 'BY'],
            grants.map((g) => [g.userName, g.userId, g.origin, g.role, g.grantedAt, g.grantedBy]),
          ),
        );
      }),
    );

  // ---- console administrators and API keys ---------------------------------------------------
  const admins = program
    .command('admins')
    .description('Console administrators: LOCAL users with a password and the role admin.');

  admins
    .command('create <userName>')
    .description(
      'Create a LOCAL user with a console password and the role admin (what the first-run setup ' +
        'link does). The password is read from the standard input with --password-stdin (12 ' +
        'characters or more), or else generated and printed this once.',
    )
    .option('--password-stdin', 'read the password from the standard input (one line)')
    .option('--display-name <name>', 'display name')
    .option('--json', 'print JSON')
    .action(
      async (
        userName: string,
        options: JsonOption & { passwordStdin?: boolean; displayName?: string },
      ) =>
        withDatabase(async (database, config) => {
          const generated = options.passwordStdin ? undefined : generatePassword();
          const password = generated ?? (await readPassword());
          const user = await createAdministrator(contextOf(database), {
            userName,
            password,
            ...(options.displayName ? { displayName: options.displayName } : {}),
          });
          const value = {
            id: user.id,
            userName: user.userName,
            role: 'admin',
            consoleUrl: `${config.publicUrl}/`,
            ...(generated !== undefined ? { password: generated } : {}),
          };
          print(options, value, () => {
            console.log(`Created administrator ${user.userName} (${user.id}).`);
            if (generated !== undefined) {
              console.log(`Password: ${generated}`);
              console.log('Copy it now: it is stored only as an argon2id hash.');
            }
            console.log(`Sign in at ${value.consoleUrl}`);
          });
        }),
    );

  const apiKeys = program
    .command('api-keys')
    .description(
      'Keys for scripts calling the admin API (/api/v1) with "Authorization: Bearer gh_api_…". ' +
        'They never open /scim, and SCIM tokens never open the admin API.',
    );

  apiKeys
    .command('create <name>')
    .description('Create an API key and print it (shown this once; stored only as a hash).')
    .addOption(
      new Option('--role <role>', 'admin (everything) or viewer (read only)')
        .choices(['admin', 'viewer'])
        .default('viewer'),
    )
    .option('--json', 'print JSON')
    .action(async (name: string, options: JsonOption & { role: string }) =>
      withDatabase(async (database) => {
        const { apiKey, key } = await createApiKey(
          database.db,
          { name, role: parseApiKeyRole(options.role) },
          'local:cli',
        );
        print(options, { ...apiKey, key }, () => {
          console.log(`Created API key "${apiKey.name}" (${apiKey.id}), role ${apiKey.role}.`);
          console.log(`Key: ${key}`);
          console.log('Copy it now: it is stored only as a hash and cannot be shown again.');
        });
      }),
    );

  apiKeys
    .command('list')
    .description('List API keys (prefix, role, last use; revoked ones too).')
    .option('--json', 'print JSON')
    .action(async (options: JsonOption) =>
      withDatabase(async (database) => {
        const keys = await listApiKeys(database.db);
        print(options, keys, () =>
          printTable(
            ['ID', 'NAME', 'PREFIX', 'ROLE', 'CREATED', 'LAST USED', 'REVOKED'],
            keys.map((k) => [
              k.id,
              k.name,
              `${k.prefix}…`,
              k.role,
              k.createdAt,
              k.lastUsedAt ?? 'never',
              k.revokedAt ?? '',
            ]),
          ),
        );
      }),
    );

  apiKeys
    .command('revoke <key>')
    .description(
      'Revoke an API key, by id or by name (when one active key alone has it): it stops working at once.',
    )
    .option('--json', 'print JSON')
    .action(async (key: string, options: JsonOption) =>
      withDatabase(async (database) => {
        const revoked = await revokeApiKey(database.db, key, 'local:cli');
        print(options, revoked, () =>
          console.log(`Revoked API key "${revoked.name}" (${revoked.id}).`),
        );
      }),
    );

  return program;
}

/** The password given on the standard input: its first line, without the line ending. */
async function readPassword(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

/** What a failed command prints: the reason, in words, and exit code 1 (2 for configuration). */
export function describeError(error: unknown): { message: string; exitCode: number } {
  if (error instanceof ConfigError)
    return { message: `Configuration error: ${error.message}`, exitCode: 2 };
  if (
    error instanceof DirectoryError ||
    error instanceof ConnectionError ||
    error instanceof ScimError ||
    error instanceof AdminError ||
    // An option's value refused by its parser inside a command (--since, --grace...).
    error instanceof CommanderError
  ) {
    return { message: error.message, exitCode: 1 };
  }
  return {
    message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    exitCode: 1,
  };
}

export async function runCli(argv: readonly string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv as string[]);
  } catch (error) {
    const { message, exitCode } = describeError(error);
    process.stderr.write(`gatehouse: ${message}\n`);
    process.exitCode = exitCode;
  }
}

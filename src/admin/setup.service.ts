/**
 * The first administrator. While no user holds the role `admin`, each start of the server makes
 * a setup token (`gh_setup_` and 256 random bits, stored as its SHA-256, valid 24 hours, usable
 * once) and prints the link `<publicUrl>/setup#token=<token>`; the fragment never reaches a
 * server log. The CLI's `admins create` does the same without a token.
 */
import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../lib/digest.ts';
import type { Db } from '../db/database.ts';
import type { DirectoryContext } from '../directory/context.ts';
import { administratorsWhoCanSignIn, grantRole } from '../directory/roles.service.ts';
import { DirectoryError } from '../directory/errors.ts';
import { createUser, deleteUser } from '../directory/user.service.ts';
import type { User } from '../directory/user.service.ts';
import { normalizeResource } from '../scim/resource.ts';
import { userResourceType } from '../scim/schema.ts';
import { checkPassword, hashPassword, storePasswordHash } from './credentials.ts';
import { AdminError } from './errors.ts';

export const SETUP_TOKEN_PREFIX = 'gh_setup_';
export const SETUP_TOKEN_SECONDS = 24 * 60 * 60;

/** Whether the console needs an administrator: none holds the role and can sign in. */
export async function setupNeeded(db: Db): Promise<boolean> {
  // An administrator who cannot sign in (deactivated, or deprovisioned by an identity provider)
  // is none: the setup link is printed again, so that the console can be recovered.
  return (await administratorsWhoCanSignIn(db, 1)).length === 0;
}

/**
 * A new setup token. Tokens made at earlier starts stay valid until they expire or one is used:
 * instances starting side by side each print a link that works.
 */
export async function createSetupToken(
  db: Db,
  now = new Date(),
): Promise<{ token: string; expiresAt: string }> {
  const token = SETUP_TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + SETUP_TOKEN_SECONDS * 1000).toISOString();
  await db
    .insertInto('setup_tokens')
    .values({
      token_hash: sha256Hex(token),
      created_at: now.toISOString(),
      expires_at: expiresAt,
      used_at: null,
    })
    .execute();
  return { token, expiresAt };
}

/** Deletes expired setup tokens, used or not (background upkeep); returns how many. */
export async function pruneSetupTokens(db: Db, now = new Date()): Promise<number> {
  const result = await db
    .deleteFrom('setup_tokens')
    .where('expires_at', '<=', now.toISOString())
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export interface NewAdministrator {
  readonly userName: string;
  readonly password: string;
  readonly displayName?: string;
}

/**
 * Creates a LOCAL user with a password and the role `admin`. A taken userName is the
 * directory's `user_name_taken`. `first`: only while no administrator can sign in (setup), else
 * `administrator_exists`. A user made before a later step fails is deleted again: no half-made
 * administrator stays behind to take the userName.
 */
export async function createAdministrator(
  context: DirectoryContext,
  input: NewAdministrator,
  options: { readonly first?: boolean } = {},
): Promise<User> {
  checkPassword(input.password);
  const { data } = normalizeResource(userResourceType, {
    userName: input.userName,
    active: true,
    ...(input.displayName ? { displayName: input.displayName } : {}),
  });
  // Hashed before anything is written: the slow part cannot fail half-way through.
  const passwordHash = await hashPassword(input.password);
  const user = await createUser(context, data);
  try {
    await storePasswordHash(context, user.id, passwordHash);
    await grantRole(context, user.id, 'admin', { firstAdministrator: options.first === true });
  } catch (error) {
    await deleteUser(context, user.id).catch(() => undefined);
    throw error;
  }
  return user;
}

/**
 * First-run setup: the token must be unused and unexpired, and no administrator may exist yet.
 * The token is claimed first (one conditional update: of two requests with it, one wins), and
 * given back if the administrator cannot be made (a taken userName), so the link can be used
 * again with another.
 */
export async function completeSetup(
  context: DirectoryContext,
  token: string,
  input: NewAdministrator,
): Promise<User> {
  if (!(await setupNeeded(context.db))) {
    throw new AdminError(
      'conflict',
      'Setup is done: an administrator exists. Sign in, or ask an administrator for access.',
    );
  }
  checkPassword(input.password);
  const now = new Date().toISOString();
  const hash = sha256Hex(token);
  const claimed = await context.db
    .updateTable('setup_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', hash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) !== 1) {
    throw new AdminError(
      'unauthenticated',
      'This setup link is not valid: it is unknown, used or expired. Restart the server for a new one, or run `npx gatehouse admins create <userName>`.',
    );
  }
  try {
    // Checked again where the role is granted: another setup link may be used at the same time.
    return await createAdministrator(context, input, { first: true });
  } catch (error) {
    await context.db
      .updateTable('setup_tokens')
      .set({ used_at: null })
      .where('token_hash', '=', hash)
      .execute();
    if (error instanceof DirectoryError && error.code === 'administrator_exists') {
      throw new AdminError('conflict', error.message);
    }
    throw error;
  }
}

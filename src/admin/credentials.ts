/**
 * Console passwords: argon2id hashes (RFC 9106), never the password itself. A password is set
 * for a directory user; whether they may sign in is their role's business (sessions.service.ts).
 */
import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { appendEvents } from '../changes/events.ts';
import { describeActor } from '../directory/actor.ts';
import type { DirectoryContext } from '../directory/context.ts';
import { inTransaction, nowOf } from '../directory/context.ts';
import { invalidField } from './errors.ts';

export const PASSWORD_MIN_LENGTH = 12;
/** Longer input only costs hashing time; no password manager makes one this long. */
export const PASSWORD_MAX_LENGTH = 1024;

/**
 * OWASP's first argon2id configuration (19 MiB, 2 passes, 1 lane): about 30 ms a hash here.
 * argon2id is the library's default algorithm; the PHC string records the parameters, so
 * hashes made with other ones still verify.
 */
const ARGON2_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Throws `invalid_request` (naming the field) unless the password is acceptable. */
export function checkPassword(password: string, field = 'password'): void {
  if ([...password].length < PASSWORD_MIN_LENGTH) {
    throw invalidField(field, `A password has at least ${PASSWORD_MIN_LENGTH} characters.`);
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    throw invalidField(field, `A password has at most ${PASSWORD_MAX_LENGTH} characters.`);
  }
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    // A stored hash the library cannot read verifies nothing.
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends a verification's time when there is no hash to verify (an unknown userName), so the
 * answer's timing does not tell which userNames exist.
 */
export async function verifyNothing(password: string): Promise<false> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  await verifyPassword(await dummyHash, password);
  return false;
}

/** 24 characters of base64url: 144 random bits. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * Sets the user's password and ends every session of theirs in the same transaction: whoever
 * knew the old password is signed out (the README's promise, "sessions end when the password
 * changes").
 */
export async function setPassword(
  context: DirectoryContext,
  userId: string,
  password: string,
): Promise<void> {
  checkPassword(password);
  const passwordHash = await hashPassword(password);
  await storePasswordHash(context, userId, passwordHash);
}

export async function storePasswordHash(
  context: DirectoryContext,
  userId: string,
  passwordHash: string,
): Promise<void> {
  const now = nowOf(context);
  await inTransaction(context, async (trx) => {
    await trx
      .insertInto('user_credentials')
      .values({ user_id: userId, password_hash: passwordHash, updated_at: now })
      .onConflict((oc) =>
        oc.column('user_id').doUpdateSet({ password_hash: passwordHash, updated_at: now }),
      )
      .execute();
    await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
    await appendEvents(
      trx,
      [
        {
          type: 'user.password_changed',
          resourceType: 'User',
          resourceId: userId,
          actor: describeActor(context.actor),
          summary: {},
        },
      ],
      now,
    );
  });
}

export async function hasPassword(context: Pick<DirectoryContext, 'db'>, userId: string) {
  const row = await context.db
    .selectFrom('user_credentials')
    .select('user_id')
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row !== undefined;
}

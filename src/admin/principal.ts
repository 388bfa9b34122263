/**
 * Who calls the admin API: a signed-in directory user (a console session) or a script (an API
 * key). Either has a role, `admin` or `viewer`; what it changes is recorded as a local actor.
 */
import type { Role } from '../db/tables.ts';
import type { Actor } from '../directory/actor.ts';

export type Principal =
  | {
      readonly kind: 'session';
      readonly role: Role;
      readonly userId: string;
      readonly userName: string;
      /** SHA-256 of the cookie's value: the session's row. */
      readonly sessionId: string;
      readonly csrfToken: string;
    }
  | {
      readonly kind: 'api_key';
      readonly role: Role;
      readonly apiKeyId: string;
      readonly name: string;
    };

/** The actor of the change feed: `local:user:<userName>` or `local:api-key:<name>`. */
export function actorOf(principal: Principal): Actor {
  return {
    kind: 'local',
    name: principal.kind === 'session' ? `user:${principal.userName}` : `api-key:${principal.name}`,
  };
}

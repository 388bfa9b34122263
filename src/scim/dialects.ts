/**
 * SCIM client dialects: what each identity provider sends that RFC 7644 does not say, as named
 * normalisations in one place. A connection chooses a profile, or `auto` detects it per request.
 * (Skeleton: the normalisations are being moved here from patch.ts and resource.ts.)
 */

/** Client profiles, by the name a connection's `dialect` setting uses. */
export const DIALECT_NAMES = [
  'generic',
  'okta',
  'entra',
  'onelogin',
  'jumpcloud',
  'authentik',
  'ping',
  'keycloak',
  'rippling',
  'strict',
] as const;

export type DialectName = (typeof DIALECT_NAMES)[number];

/** What a connection's `dialect` setting may hold: a profile, or `auto`. */
export const DIALECT_CHOICES: readonly string[] = ['auto', ...DIALECT_NAMES];

import { SCHEMA } from './schema.ts';

/** RFC 7644 §3.12, Table 9: the `scimType` values, plus RFC 9865's cursor errors. */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive'
  | 'invalidCursor'
  | 'expiredCursor'
  | 'invalidCount';

/** The SCIM Error message (RFC 7644 §3.12). */
export interface ScimErrorBody {
  schemas: [typeof SCHEMA.error];
  status: string;
  scimType?: ScimType;
  detail: string;
}

/**
 * An error that the SCIM layer answers as the RFC's Error message. Anything in the protocol
 * library that rejects input throws one of these; the HTTP edge renders it.
 */
export class ScimError extends Error {
  readonly status: number;
  readonly scimType: ScimType | undefined;

  constructor(status: number, scimType: ScimType | undefined, detail: string) {
    super(detail);
    this.name = 'ScimError';
    this.status = status;
    this.scimType = scimType;
  }

  toJSON(): ScimErrorBody {
    return {
      schemas: [SCHEMA.error],
      status: String(this.status),
      ...(this.scimType ? { scimType: this.scimType } : {}),
      detail: this.message,
    };
  }
}

export const invalidFilter = (detail: string) => new ScimError(400, 'invalidFilter', detail);
export const invalidValue = (detail: string) => new ScimError(400, 'invalidValue', detail);
export const invalidSyntax = (detail: string) => new ScimError(400, 'invalidSyntax', detail);
export const invalidPath = (detail: string) => new ScimError(400, 'invalidPath', detail);
export const noTarget = (detail: string) => new ScimError(400, 'noTarget', detail);
export const mutability = (detail: string) => new ScimError(400, 'mutability', detail);
export const uniqueness = (detail: string) => new ScimError(409, 'uniqueness', detail);
export const tooMany = (detail: string) => new ScimError(400, 'tooMany', detail);
export const notFound = (detail: string) => new ScimError(404, undefined, detail);

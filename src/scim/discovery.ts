/**
 * The discovery documents (RFC 7644 §4): /ServiceProviderConfig, /ResourceTypes and /Schemas,
 * all generated from the schema definitions in schema.ts.
 */
import { resourceTypes, SCHEMA, schemas } from './schema.ts';
import type { ResourceTypeDefinition, SchemaDefinition } from './schema.ts';

export interface ServiceProviderOptions {
  /** `https://host/scim/v2`. */
  readonly baseUrl: string;
  readonly maxResults: number;
  readonly maxPayloadSize: number;
  readonly documentationUri?: string;
}

/** RFC 7643 §5. Every feature advertised here is implemented; the others say so. */
export function serviceProviderConfig(options: ServiceProviderOptions) {
  return {
    schemas: [SCHEMA.serviceProviderConfig],
    ...(options.documentationUri ? { documentationUri: options.documentationUri } : {}),
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: options.maxResults },
    // RFC 9865: index paging stays the default; cursors are offered beside it.
    pagination: {
      cursor: true,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: Math.min(100, options.maxResults),
      maxPageSize: options.maxResults,
    },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description:
          'A bearer token issued for one SCIM connection (`gatehouse connections create`).',
        specUri: 'https://www.rfc-editor.org/info/rfc6750',
        primary: true,
      },
    ],
    meta: {
      resourceType: 'ServiceProviderConfig',
      location: `${options.baseUrl}/ServiceProviderConfig`,
    },
  };
}

export function resourceTypeDocument(resourceType: ResourceTypeDefinition, baseUrl: string) {
  return {
    schemas: [SCHEMA.resourceType],
    id: resourceType.id,
    name: resourceType.name,
    endpoint: resourceType.endpoint,
    description: resourceType.description,
    schema: resourceType.schema.id,
    schemaExtensions: resourceType.extensions.map((e) => ({
      schema: e.schema.id,
      required: e.required,
    })),
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${resourceType.id}` },
  };
}

export function schemaDocument(schema: SchemaDefinition, baseUrl: string) {
  return {
    schemas: [SCHEMA.schema],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes,
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${schema.id}` },
  };
}

export function findResourceType(name: string): ResourceTypeDefinition | undefined {
  return resourceTypes.find((r) => r.id.toLowerCase() === name.toLowerCase());
}

export function findSchema(urn: string): SchemaDefinition | undefined {
  return schemas.find((s) => s.id.toLowerCase() === urn.toLowerCase());
}

export { resourceTypes, schemas };

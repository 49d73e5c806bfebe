/**
 * OpenAPI v2 (Swagger 2.0) built from schemas/, served as the protobuf `openapi.v2.Document` of
 * google/gnostic — the only form kubectl accepts at /openapi/v2 (1.20 validates and explains from it;
 * 1.27/1.28 fetch it on every create/apply). Only `swagger`, `info` and `definitions` are filled:
 * kubectl reads definitions (with their x-kubernetes-* vendor extensions) and never the paths.
 */
import * as protobuf from 'protobufjs';
import type { JSONSchema, SchemaSet } from '../schemas';
import { SCHEMA_REF_PREFIX } from '../schemas';

/** Content-Type of the protobuf document, in the dotted form kubectl can parse (wire notes §4/§12). */
export const OPENAPI_V2_PROTOBUF_CONTENT_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/** A Swagger 2.0 schema as JSON (kube-openapi v2 shape: `$ref` with sibling description, no oneOf). */
export type SwaggerSchema = Record<string, unknown>;

const V2_REF_PREFIX = '#/definitions/';

/** The v3 definition converted to Swagger 2.0 form. */
export function toSwaggerSchema(s: JSONSchema): SwaggerSchema {
  if (s.$ref) return { $ref: V2_REF_PREFIX + s.$ref.slice(SCHEMA_REF_PREFIX.length), ...extensions(s), ...(s.description ? { description: s.description } : {}) };
  if (s.allOf?.length === 1 && s.allOf[0]!.$ref && !s.properties) {
    const inner = toSwaggerSchema(s.allOf[0]!);
    return { ...inner, ...extensions(s), ...(s.description ? { description: s.description } : {}) };
  }
  const out: SwaggerSchema = {};
  if (s.description) out.description = s.description;
  if (s.oneOf) {
    // kube-openapi publishes int-or-string and Quantity to v2 as strings (kubectl accepts numbers there).
    out.type = 'string';
    if (s.format) out.format = s.format;
  }
  if (s.type) out.type = s.type;
  if (s.format) out.format = s.format;
  if (s.required?.length) out.required = [...s.required];
  if (s.items) out.items = toSwaggerSchema(s.items);
  if (s.properties) out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, toSwaggerSchema(v)]));
  if (s.additionalProperties && typeof s.additionalProperties === 'object') out.additionalProperties = toSwaggerSchema(s.additionalProperties);
  Object.assign(out, extensions(s));
  return out;
}

function extensions(s: JSONSchema): SwaggerSchema {
  return Object.fromEntries(Object.entries(s).filter(([k]) => k.startsWith('x-')));
}

export interface SwaggerDocument {
  swagger: '2.0';
  info: { title: string; version: string };
  paths: Record<string, never>;
  definitions: Record<string, SwaggerSchema>;
}

export function buildSwagger(schemas: SchemaSet, version: string): SwaggerDocument {
  const definitions = Object.fromEntries(
    Object.keys(schemas.definitions)
      .sort()
      .map((n) => [n, toSwaggerSchema(schemas.definitions[n]!)]),
  );
  return { swagger: '2.0', info: { title: 'Kubernetes', version }, paths: {}, definitions };
}

/** The subset of gnostic's OpenAPIv2.proto we encode (field numbers from openapiv2/OpenAPIv2.proto). */
const gnostic = protobuf.Root.fromJSON({
  nested: {
    openapi: {
      nested: {
        v2: {
          nested: {
            Document: {
              fields: {
                swagger: { type: 'string', id: 1 },
                info: { type: 'Info', id: 2 },
                paths: { type: 'Paths', id: 8 },
                definitions: { type: 'Definitions', id: 9 },
              },
            },
            Info: { fields: { title: { type: 'string', id: 1 }, version: { type: 'string', id: 2 } } },
            Paths: { fields: {} },
            Definitions: { fields: { additionalProperties: { rule: 'repeated', type: 'NamedSchema', id: 1 } } },
            NamedSchema: { fields: { name: { type: 'string', id: 1 }, value: { type: 'Schema', id: 2 } } },
            Properties: { fields: { additionalProperties: { rule: 'repeated', type: 'NamedSchema', id: 1 } } },
            AdditionalPropertiesItem: { oneofs: { oneof: { oneof: ['schema', 'boolean'] } }, fields: { schema: { type: 'Schema', id: 1 }, boolean: { type: 'bool', id: 2 } } },
            TypeItem: { fields: { value: { rule: 'repeated', type: 'string', id: 1 } } },
            ItemsItem: { fields: { schema: { rule: 'repeated', type: 'Schema', id: 1 } } },
            Any: { fields: { yaml: { type: 'string', id: 2 } } },
            NamedAny: { fields: { name: { type: 'string', id: 1 }, value: { type: 'Any', id: 2 } } },
            Schema: {
              fields: {
                ref: { type: 'string', id: 1 },
                format: { type: 'string', id: 2 },
                description: { type: 'string', id: 4 },
                required: { rule: 'repeated', type: 'string', id: 19 },
                additionalProperties: { type: 'AdditionalPropertiesItem', id: 21 },
                type: { type: 'TypeItem', id: 22 },
                items: { type: 'ItemsItem', id: 23 },
                properties: { type: 'Properties', id: 25 },
                vendorExtension: { rule: 'repeated', type: 'NamedAny', id: 31 },
              },
            },
          },
        },
      },
    },
  },
});
const DocumentType = gnostic.lookupType('openapi.v2.Document');

interface SchemaMessage {
  ref?: string;
  format?: string;
  description?: string;
  required?: string[];
  additionalProperties?: { schema: SchemaMessage };
  type?: { value: string[] };
  items?: { schema: SchemaMessage[] };
  properties?: { additionalProperties: Array<{ name: string; value: SchemaMessage }> };
  vendorExtension?: Array<{ name: string; value: { yaml: string } }>;
}

function toMessage(s: SwaggerSchema): SchemaMessage {
  const m: SchemaMessage = {};
  if (typeof s.$ref === 'string') m.ref = s.$ref;
  if (typeof s.format === 'string') m.format = s.format;
  if (typeof s.description === 'string') m.description = s.description;
  if (Array.isArray(s.required)) m.required = s.required as string[];
  if (typeof s.type === 'string') m.type = { value: [s.type] };
  if (s.items) m.items = { schema: [toMessage(s.items as SwaggerSchema)] };
  if (s.additionalProperties) m.additionalProperties = { schema: toMessage(s.additionalProperties as SwaggerSchema) };
  if (s.properties) {
    m.properties = { additionalProperties: Object.entries(s.properties as Record<string, SwaggerSchema>).map(([name, v]) => ({ name, value: toMessage(v) })) };
  }
  // Vendor extension values are YAML documents; JSON is valid YAML.
  const ext = Object.entries(s).filter(([k]) => k.startsWith('x-'));
  if (ext.length > 0) m.vendorExtension = ext.map(([name, v]) => ({ name, value: { yaml: JSON.stringify(v) } }));
  return m;
}

export function encodeSwaggerProtobuf(doc: SwaggerDocument): Buffer {
  const msg = DocumentType.fromObject({
    swagger: doc.swagger,
    info: doc.info,
    definitions: { additionalProperties: Object.entries(doc.definitions).map(([name, v]) => ({ name, value: toMessage(v) })) },
  });
  return Buffer.from(DocumentType.encode(msg).finish());
}

export function decodeSwaggerProtobuf(buf: Uint8Array): Record<string, unknown> {
  return DocumentType.toObject(DocumentType.decode(buf), { defaults: false }) as Record<string, unknown>;
}

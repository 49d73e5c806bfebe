/**
 * OpenAPI v2 (Swagger 2.0) built from schemas/, served as the protobuf `openapi.v2.Document` of
 * google/gnostic — the only form kubectl accepts at /openapi/v2 (1.20 validates and explains from it;
 * 1.27/1.28 fetch it on every create/apply). kubectl reads the definitions (with their x-kubernetes-*
 * vendor extensions) for validation and explain, and 1.20's dry-run check (`diff`, `--dry-run=server`)
 * looks for a PATCH operation with the kind's GVK extension and a `dryRun` query parameter in the paths.
 */
import * as protobuf from 'protobufjs';
import type { JSONSchema, SchemaSet } from '../schemas';
import { SCHEMA_REF_PREFIX } from '../schemas';
import type { OpenApiV3Document, Operation as V3Operation } from './v3';

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

export interface SwaggerParameter {
  name: string;
  in: 'query' | 'path' | 'body';
  description?: string;
  required?: boolean;
  type?: string;
  uniqueItems?: boolean;
  schema?: SwaggerSchema;
}

export interface SwaggerOperation {
  description: string;
  operationId: string;
  consumes?: string[];
  produces: string[];
  schemes: string[];
  tags: string[];
  parameters: SwaggerParameter[];
  responses: Record<string, { description: string; schema?: SwaggerSchema }>;
  [extension: `x-${string}`]: unknown;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
type Method = (typeof METHODS)[number];
export type SwaggerPathItem = Partial<Record<Method, SwaggerOperation>> & { parameters?: SwaggerParameter[] };

export interface SwaggerDocument {
  swagger: '2.0';
  info: { title: string; version: string };
  paths: Record<string, SwaggerPathItem>;
  definitions: Record<string, SwaggerSchema>;
}

export function buildSwagger(schemas: SchemaSet, version: string, docs: OpenApiV3Document[] = []): SwaggerDocument {
  const definitions = Object.fromEntries(
    Object.keys(schemas.definitions)
      .sort()
      .map((n) => [n, toSwaggerSchema(schemas.definitions[n]!)]),
  );
  const paths: Record<string, SwaggerPathItem> = {};
  for (const doc of docs) {
    for (const [p, item] of Object.entries(doc.paths)) {
      const out: SwaggerPathItem = {};
      if (item.parameters) out.parameters = item.parameters.map((x) => ({ ...x.schema, name: x.name, in: x.in, description: x.description, ...(x.required ? { required: true } : {}) }));
      for (const m of METHODS) {
        const op = item[m];
        if (op) out[m] = toSwaggerOperation(op);
      }
      paths[p] = out;
    }
  }
  return { swagger: '2.0', info: { title: 'Kubernetes', version }, paths, definitions };
}

function toSwaggerOperation(op: V3Operation): SwaggerOperation {
  const parameters: SwaggerParameter[] = [];
  const body = op.requestBody ? Object.values(op.requestBody.content)[0]?.schema : undefined;
  if (body) parameters.push({ name: 'body', in: 'body', required: true, schema: toSwaggerSchema(body) });
  for (const p of op.parameters ?? []) parameters.push({ name: p.name, in: p.in, description: p.description, type: p.schema.type, uniqueItems: true });
  const responses: SwaggerOperation['responses'] = {};
  for (const [code, r] of Object.entries(op.responses)) {
    const schema = r.content ? Object.values(r.content)[0]?.schema : undefined;
    responses[code] = schema ? { description: r.description, schema: toSwaggerSchema(schema) } : { description: r.description };
  }
  const consumes = op.requestBody ? Object.keys(op.requestBody.content).filter((c) => c !== '*/*') : [];
  return {
    description: op.description,
    operationId: op.operationId,
    ...(consumes.length > 0 ? { consumes } : { consumes: ['*/*'] }),
    produces: ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'],
    schemes: ['https'],
    tags: op.tags,
    parameters,
    responses,
    'x-kubernetes-action': op['x-kubernetes-action'],
    'x-kubernetes-group-version-kind': op['x-kubernetes-group-version-kind'],
  };
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
            Paths: { fields: { path: { rule: 'repeated', type: 'NamedPathItem', id: 2 } } },
            NamedPathItem: { fields: { name: { type: 'string', id: 1 }, value: { type: 'PathItem', id: 2 } } },
            PathItem: {
              fields: {
                get: { type: 'Operation', id: 2 },
                put: { type: 'Operation', id: 3 },
                post: { type: 'Operation', id: 4 },
                delete: { type: 'Operation', id: 5 },
                patch: { type: 'Operation', id: 8 },
                parameters: { rule: 'repeated', type: 'ParametersItem', id: 9 },
              },
            },
            Operation: {
              fields: {
                tags: { rule: 'repeated', type: 'string', id: 1 },
                description: { type: 'string', id: 3 },
                operationId: { type: 'string', id: 5 },
                produces: { rule: 'repeated', type: 'string', id: 6 },
                consumes: { rule: 'repeated', type: 'string', id: 7 },
                parameters: { rule: 'repeated', type: 'ParametersItem', id: 8 },
                responses: { type: 'Responses', id: 9 },
                schemes: { rule: 'repeated', type: 'string', id: 10 },
                vendorExtension: { rule: 'repeated', type: 'NamedAny', id: 13 },
              },
            },
            ParametersItem: { fields: { parameter: { type: 'Parameter', id: 1 } } },
            Parameter: { fields: { bodyParameter: { type: 'BodyParameter', id: 1 }, nonBodyParameter: { type: 'NonBodyParameter', id: 2 } } },
            BodyParameter: {
              fields: { description: { type: 'string', id: 1 }, name: { type: 'string', id: 2 }, in: { type: 'string', id: 3 }, required: { type: 'bool', id: 4 }, schema: { type: 'Schema', id: 5 } },
            },
            NonBodyParameter: { fields: { queryParameterSubSchema: { type: 'QueryParameterSubSchema', id: 3 }, pathParameterSubSchema: { type: 'PathParameterSubSchema', id: 4 } } },
            QueryParameterSubSchema: {
              fields: {
                required: { type: 'bool', id: 1 },
                in: { type: 'string', id: 2 },
                description: { type: 'string', id: 3 },
                name: { type: 'string', id: 4 },
                type: { type: 'string', id: 6 },
                uniqueItems: { type: 'bool', id: 20 },
              },
            },
            PathParameterSubSchema: {
              fields: {
                required: { type: 'bool', id: 1 },
                in: { type: 'string', id: 2 },
                description: { type: 'string', id: 3 },
                name: { type: 'string', id: 4 },
                type: { type: 'string', id: 5 },
                uniqueItems: { type: 'bool', id: 19 },
              },
            },
            Responses: { fields: { responseCode: { rule: 'repeated', type: 'NamedResponseValue', id: 1 } } },
            NamedResponseValue: { fields: { name: { type: 'string', id: 1 }, value: { type: 'ResponseValue', id: 2 } } },
            ResponseValue: { fields: { response: { type: 'Response', id: 1 } } },
            Response: { fields: { description: { type: 'string', id: 1 }, schema: { type: 'SchemaItem', id: 2 } } },
            SchemaItem: { fields: { schema: { type: 'Schema', id: 1 } } },
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

function vendorExtensions(o: object): Array<{ name: string; value: { yaml: string } }> {
  return Object.entries(o)
    .filter(([k]) => k.startsWith('x-'))
    .map(([name, v]) => ({ name, value: { yaml: JSON.stringify(v) } }));
}

function parameterMessage(p: SwaggerParameter): Record<string, unknown> {
  if (p.in === 'body') {
    return { parameter: { bodyParameter: { name: p.name, in: p.in, required: p.required ?? false, schema: toMessage(p.schema ?? {}) } } };
  }
  const sub = { required: p.required ?? false, in: p.in, description: p.description ?? '', name: p.name, type: p.type ?? 'string', uniqueItems: p.uniqueItems ?? false };
  return { parameter: { nonBodyParameter: p.in === 'path' ? { pathParameterSubSchema: sub } : { queryParameterSubSchema: sub } } };
}

function operationMessage(op: SwaggerOperation): Record<string, unknown> {
  return {
    tags: op.tags,
    description: op.description,
    operationId: op.operationId,
    produces: op.produces,
    consumes: op.consumes ?? [],
    parameters: op.parameters.map(parameterMessage),
    responses: {
      responseCode: Object.entries(op.responses).map(([name, r]) => ({
        name,
        value: { response: { description: r.description, ...(r.schema ? { schema: { schema: toMessage(r.schema) } } : {}) } },
      })),
    },
    schemes: op.schemes,
    vendorExtension: vendorExtensions(op),
  };
}

export function encodeSwaggerProtobuf(doc: SwaggerDocument): Buffer {
  const path = Object.entries(doc.paths).map(([name, item]) => {
    const value: Record<string, unknown> = {};
    for (const m of METHODS) {
      const op = item[m];
      if (op) value[m] = operationMessage(op);
    }
    if (item.parameters) value.parameters = item.parameters.map(parameterMessage);
    return { name, value };
  });
  const msg = DocumentType.fromObject({
    swagger: doc.swagger,
    info: doc.info,
    paths: { path },
    definitions: { additionalProperties: Object.entries(doc.definitions).map(([name, v]) => ({ name, value: toMessage(v) })) },
  });
  return Buffer.from(DocumentType.encode(msg).finish());
}

export function decodeSwaggerProtobuf(buf: Uint8Array): Record<string, unknown> {
  return DocumentType.toObject(DocumentType.decode(buf), { defaults: false }) as Record<string, unknown>;
}

export { openapiRouter } from './router';
export type { OpenApiRouterOptions } from './router';
export { buildOpenApiV3, gvKey, closure } from './v3';
export type { OpenApiV3Document, OpenApiV3Set, GroupVersionDoc } from './v3';
export { buildSwagger, encodeSwaggerProtobuf, decodeSwaggerProtobuf, toSwaggerSchema, OPENAPI_V2_PROTOBUF_CONTENT_TYPE } from './v2';

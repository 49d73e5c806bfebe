/**
 * Express router for `/openapi/v3` (index + per-group-version documents), `/openapi/v2` (gnostic
 * protobuf, JSON only for clients that ask for JSON alone) and the legacy `/swagger-2.0.0.pb-v1`
 * that kubectl 1.20 falls back to. Documents are built once from the served resources and schemas/.
 */
import { Router } from 'express';
import type { Request, Response } from 'express';
import type { ResourceInfo } from '../../registry/rest';
import { loadSchemaSet } from '../schemas';
import type { SchemaSet } from '../schemas';
import { parseMediaRanges } from '../discovery/media-ranges';
import { buildOpenApiV3 } from './v3';
import { buildSwagger, encodeSwaggerProtobuf, OPENAPI_V2_PROTOBUF_CONTENT_TYPE } from './v2';
import { createHash } from 'crypto';

export interface OpenApiRouterOptions {
  /** info.version of the documents; should match /version's gitVersion. */
  version?: string;
  schemas?: SchemaSet;
}

const DEFAULT_VERSION = 'v1.32.4';

function send(req: Request, res: Response, contentType: string, body: Buffer, etag: string, immutable: boolean): void {
  res.setHeader('ETag', `"${etag}"`);
  res.setHeader('Vary', 'Accept');
  res.setHeader('Cache-Control', immutable ? 'public, immutable' : 'no-cache, private');
  if (req.headers['if-none-match'] === `"${etag}"`) {
    res.status(304).end();
    return;
  }
  res.status(200);
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', String(body.length));
  res.end(body);
}

/** True when the client asks for JSON and not protobuf (kubectl always asks for protobuf). */
function wantsJsonOnly(accept: string | undefined): boolean {
  const ranges = parseMediaRanges(accept);
  return ranges.some((r) => r.mediaType === 'application/json') && !ranges.some((r) => r.mediaType.includes('protobuf'));
}

export function openapiRouter(resources: ResourceInfo[], opts: OpenApiRouterOptions = {}): Router {
  const schemas = opts.schemas ?? loadSchemaSet();
  const version = opts.version ?? DEFAULT_VERSION;
  const router = Router();

  let v3: ReturnType<typeof buildOpenApiV3> | undefined;
  const getV3 = (): ReturnType<typeof buildOpenApiV3> => (v3 ??= buildOpenApiV3(resources, schemas, { version }));
  let v2: { proto: Buffer; json: Buffer; etag: string } | undefined;
  const getV2 = (): { proto: Buffer; json: Buffer; etag: string } => {
    if (!v2) {
      const doc = buildSwagger(schemas, version, getV3().documents());
      const proto = encodeSwaggerProtobuf(doc);
      v2 = { proto, json: Buffer.from(JSON.stringify(doc)), etag: createHash('sha512').update(proto).digest('hex').toUpperCase() };
    }
    return v2;
  };

  router.get('/openapi/v3', (req, res) => {
    const body = Buffer.from(JSON.stringify(getV3().index()));
    send(req, res, 'application/json', body, createHash('sha512').update(body).digest('hex').toUpperCase(), false);
  });

  router.use('/openapi/v3/', (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const key = req.path.replace(/^\/+|\/+$/g, '');
    const doc = getV3().doc(key);
    if (!doc) return next();
    send(req, res, 'application/json', doc.body, doc.hash, req.query.hash === doc.hash);
  });

  const v2Handler = (req: Request, res: Response): void => {
    const d = getV2();
    if (wantsJsonOnly(req.headers.accept)) send(req, res, 'application/json', d.json, d.etag, false);
    else send(req, res, OPENAPI_V2_PROTOBUF_CONTENT_TYPE, d.proto, d.etag, false);
  };
  router.get('/openapi/v2', v2Handler);
  router.get('/swagger-2.0.0.pb-v1', v2Handler);

  return router;
}

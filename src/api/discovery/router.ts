/**
 * Express router serving discovery: `/api`, `/api/<v>`, `/apis`, `/apis/<group>`, `/apis/<group>/<v>`.
 * `/api` and `/apis` answer the aggregated form (apidiscovery.k8s.io v2 or v2beta1) when the Accept
 * header asks for it, else the legacy JSON; kubectl decides which it got from the response
 * Content-Type, so that header must name the aggregated version exactly (wire notes §3).
 */
import { Router } from 'express';
import type { Request, Response } from 'express';
import type { ResourceInfo } from '../../registry/rest';
import { DiscoveryModel } from './documents';
import type { AggregatedVersion } from './documents';
import { parseMediaRanges, rangeMatches } from './media-ranges';

export interface DiscoveryRouterOptions {
  /** Core versions for `/api`, preferred first; default ['v1'] (see DiscoveryConfig.coreVersions). */
  coreVersions?: string[];
}

export function aggregatedContentType(v: AggregatedVersion): string {
  return `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`;
}

/** Which discovery form the Accept header prefers: an aggregated version, or 'legacy' JSON. */
export function negotiateDiscovery(accept: string | undefined): AggregatedVersion | 'legacy' {
  for (const r of parseMediaRanges(accept)) {
    if (r.params.as === 'APIGroupDiscoveryList') {
      if (rangeMatches(r, 'application/json') && r.params.g === 'apidiscovery.k8s.io' && (r.params.v === 'v2' || r.params.v === 'v2beta1')) {
        return r.params.v;
      }
      continue;
    }
    if (r.params.as === undefined && rangeMatches(r, 'application/json')) return 'legacy';
  }
  return 'legacy';
}

function send(res: Response, contentType: string, body: unknown): void {
  const buf = Buffer.from(JSON.stringify(body));
  res.status(200);
  res.setHeader('Content-Type', contentType);
  res.setHeader('Vary', 'Accept');
  res.setHeader('Content-Length', String(buf.length));
  res.end(buf);
}

function serverAddress(req: Request): string {
  return req.headers.host ?? `${req.socket.localAddress ?? '127.0.0.1'}:${req.socket.localPort ?? 0}`;
}

export function discoveryRouter(resources: ResourceInfo[], opts: DiscoveryRouterOptions = {}): Router {
  const model = new DiscoveryModel({ resources, coreVersions: opts.coreVersions });
  const router = Router();

  router.get('/api', (req, res) => {
    const form = negotiateDiscovery(req.headers.accept);
    if (form === 'legacy') send(res, 'application/json', model.apiVersions(serverAddress(req)));
    else send(res, aggregatedContentType(form), model.aggregated('core', form));
  });

  router.get('/apis', (req, res) => {
    const form = negotiateDiscovery(req.headers.accept);
    if (form === 'legacy') send(res, 'application/json', model.apiGroupList());
    else send(res, aggregatedContentType(form), model.aggregated('groups', form));
  });

  router.get('/api/:version', (req, res, next) => {
    const list = model.apiResourceList('', String(req.params.version));
    if (list) send(res, 'application/json', list);
    else next();
  });

  router.get('/apis/:group', (req, res, next) => {
    const name = String(req.params.group);
    // client-go fetches any core version other than "v1" from /apis/<version> (wire notes §3b).
    const coreList = name !== 'v1' ? model.apiResourceList('', name) : undefined;
    if (coreList) return send(res, 'application/json', coreList);
    const group = model.apiGroup(name);
    if (group) send(res, 'application/json', group);
    else next();
  });

  router.get('/apis/:group/:version', (req, res, next) => {
    const list = model.apiResourceList(String(req.params.group), String(req.params.version));
    if (list) send(res, 'application/json', list);
    else next();
  });

  return router;
}

import express from 'express';
import request from 'supertest';
import { openapiRouter, decodeSwaggerProtobuf, toSwaggerSchema } from '../../../src/api/openapi';
import { loadSchemaSet } from '../../../src/api/schemas';
import { servedResources, v1beta1Resources } from '../fixtures/resources';

interface Op {
  'x-kubernetes-group-version-kind': { group: string; version: string; kind: string };
  'x-kubernetes-action': string;
  parameters?: Array<{ name: string; in: string }>;
}
type Doc = { openapi: string; paths: Record<string, Record<string, Op>>; components: { schemas: Record<string, Record<string, unknown>> } };

function app(resources = servedResources) {
  const a = express();
  a.use(openapiRouter(resources, { version: 'v1.32.4' }));
  return a;
}

async function fetchDoc(a: express.Express, key: string): Promise<Doc> {
  const index = JSON.parse((await request(a).get('/openapi/v3')).text);
  const url: string = index.paths[key].serverRelativeURL;
  const res = await request(a).get(url);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('application/json');
  return JSON.parse(res.text) as Doc;
}

function patchOps(doc: Doc): Op[] {
  return Object.values(doc.paths).flatMap((p) => (p.patch ? [p.patch] : []));
}

describe('/openapi/v3', () => {
  const a = app();

  it('indexes one document per served group-version, with hash-pinned URLs', async () => {
    const res = await request(a).get('/openapi/v3');
    expect(res.status).toBe(200);
    const index = JSON.parse(res.text);
    expect(Object.keys(index.paths).sort()).toEqual(['api/v1', 'apis/coordination.k8s.io/v1']);
    expect(index.paths['api/v1'].serverRelativeURL).toMatch(/^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);
  });

  it('gives every served kind a PATCH operation with its GVK and the fieldValidation parameter (server-side validation in kubectl 1.27+)', async () => {
    const doc = await fetchDoc(a, 'api/v1');
    const kinds = patchOps(doc)
      .filter((o) => o.parameters?.some((p) => p.name === 'fieldValidation' && p.in === 'query'))
      .map((o) => `${o['x-kubernetes-group-version-kind'].group}/${o['x-kubernetes-group-version-kind'].kind}`);
    for (const k of ['/Pod', '/Service', '/Endpoints', '/Event', '/ReplicationController', '/ConfigMap', '/Secret', '/Namespace', '/Node', 'autoscaling/Scale']) {
      expect(kinds).toContain(k);
    }
    expect(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}']!.patch!['x-kubernetes-action']).toBe('patch');
    expect(doc.paths['/api/v1/nodes/{name}']!.patch).toBeDefined();
    expect(doc.paths['/api/v1/namespaces/{namespace}/pods']!.get!['x-kubernetes-group-version-kind'].kind).toBe('PodList');
    expect(doc.paths['/api/v1/pods']!.get).toBeDefined();
    expect(doc.paths['/api/v1/namespaces/{namespace}/replicationcontrollers/{name}/scale']!.patch!['x-kubernetes-group-version-kind']).toEqual({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
  });

  it('carries component schemas with GVKs and every referenced definition, for kubectl explain', async () => {
    const doc = await fetchDoc(a, 'api/v1');
    const pod = doc.components.schemas['io.k8s.api.core.v1.Pod']!;
    expect(pod['x-kubernetes-group-version-kind']).toEqual([{ group: '', version: 'v1', kind: 'Pod' }]);
    const refs = JSON.stringify(doc).match(/#\/components\/schemas\/[^"]+/g) ?? [];
    const missing = refs.map((r) => r.slice('#/components/schemas/'.length)).filter((n) => !doc.components.schemas[n]);
    expect(missing).toEqual([]);
    expect(doc.components.schemas['io.k8s.api.coordination.v1.Lease']).toBeUndefined();
  });

  it('serves the group document with its own kinds', async () => {
    const doc = await fetchDoc(a, 'apis/coordination.k8s.io/v1');
    expect(doc.paths['/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}']!.patch!['x-kubernetes-group-version-kind']).toEqual({
      group: 'coordination.k8s.io',
      version: 'v1',
      kind: 'Lease',
    });
    expect(doc.components.schemas['io.k8s.api.coordination.v1.Lease']).toBeDefined();
  });

  it('answers 304 for a matching If-None-Match and marks hash-pinned documents immutable', async () => {
    const index = JSON.parse((await request(a).get('/openapi/v3')).text);
    const url: string = index.paths['api/v1'].serverRelativeURL;
    const first = await request(a).get(url);
    expect(first.headers['cache-control']).toBe('public, immutable');
    const again = await request(a).get(url).set('If-None-Match', first.headers.etag!);
    expect(again.status).toBe(304);
  });

  it('lists the legacy v1beta1 version with PATCH operations per kind when v1beta1 is served', async () => {
    const b = app([...servedResources, ...v1beta1Resources]);
    const doc = await fetchDoc(b, 'api/v1beta1');
    const ops = patchOps(doc);
    expect(ops.map((o) => o['x-kubernetes-group-version-kind'])).toEqual([
      { group: '', version: 'v1beta1', kind: 'Pod' },
      { group: '', version: 'v1beta1', kind: 'Service' },
      { group: '', version: 'v1beta1', kind: 'ReplicationController' },
    ]);
    for (const o of ops) expect(o.parameters?.map((p) => p.name)).toContain('fieldValidation');
  });
});

describe('/openapi/v2', () => {
  const a = app();

  it('serves the gnostic protobuf document with the dotted Content-Type kubectl can parse', async () => {
    const res = await request(a)
      .get('/openapi/v2')
      .set('Accept', 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf')
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    const doc = decodeSwaggerProtobuf(res.body as Buffer) as {
      swagger: string;
      definitions: { additionalProperties: Array<{ name: string; value: Record<string, unknown> }> };
    };
    expect(doc.swagger).toBe('2.0');
    const defs = new Map(doc.definitions.additionalProperties.map((d) => [d.name, d.value]));
    const pod = defs.get('io.k8s.api.core.v1.Pod') as { vendorExtension: Array<{ name: string; value: { yaml: string } }> };
    const gvk = pod.vendorExtension.find((e) => e.name === 'x-kubernetes-group-version-kind')!;
    expect(JSON.parse(gvk.value.yaml)).toEqual([{ group: '', version: 'v1', kind: 'Pod' }]);
    const spec = defs.get('io.k8s.api.core.v1.PodSpec') as { properties: { additionalProperties: Array<{ name: string; value: { vendorExtension?: Array<{ name: string; value: { yaml: string } }> } }> } };
    const containers = spec.properties.additionalProperties.find((p) => p.name === 'containers')!;
    const mergeKey = containers.value.vendorExtension!.find((e) => e.name === 'x-kubernetes-patch-merge-key')!;
    expect(JSON.parse(mergeKey.value.yaml)).toBe('name');
  });

  it('has PATCH operations with GVK and a dryRun parameter (kubectl 1.20 checks them before diff and --dry-run=server)', async () => {
    const res = await request(a)
      .get('/openapi/v2')
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    type Op = { vendorExtension: Array<{ name: string; value: { yaml: string } }>; parameters: Array<{ parameter: { nonBodyParameter?: { queryParameterSubSchema?: { name: string } } } }> };
    const doc = decodeSwaggerProtobuf(res.body as Buffer) as { paths: { path: Array<{ name: string; value: { patch?: Op } }> } };
    const item = doc.paths.path.find((p) => p.name === '/api/v1/namespaces/{namespace}/configmaps/{name}')!;
    const gvk = item.value.patch!.vendorExtension.find((e) => e.name === 'x-kubernetes-group-version-kind')!;
    expect(JSON.parse(gvk.value.yaml)).toEqual({ group: '', version: 'v1', kind: 'ConfigMap' });
    const names = item.value.patch!.parameters.map((p) => p.parameter.nonBodyParameter?.queryParameterSubSchema?.name).filter(Boolean);
    expect(names).toEqual(expect.arrayContaining(['dryRun', 'fieldManager', 'force']));
  });

  it('serves the same document at kubectl 1.20\'s fallback path', async () => {
    const res = await request(a).get('/swagger-2.0.0.pb-v1').set('Accept', 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
  });

  it('converts v3 schemas to Swagger 2.0 form (refs to #/definitions, int-or-string as string)', () => {
    const set = loadSchemaSet();
    expect(toSwaggerSchema(set.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString']!)).toMatchObject({ type: 'string', format: 'int-or-string' });
    const meta = toSwaggerSchema(set.definitions['io.k8s.api.core.v1.Pod']!.properties!.metadata!);
    expect(meta.$ref).toBe('#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    expect(meta.description).toMatch(/metadata/);
  });
});

import express from 'express';
import request from 'supertest';
import { discoveryRouter, negotiateDiscovery, parseMediaRanges } from '../../../src/api/discovery';
import { servedResources, v1beta1Resources } from '../fixtures/resources';

const KUBECTL_132_DISCOVERY_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

function app(coreVersions?: string[], extra = v1beta1Resources) {
  const a = express();
  a.use(discoveryRouter([...servedResources, ...(coreVersions ? extra : [])], { coreVersions }));
  return a;
}

describe('Accept negotiation', () => {
  it('parses parameters and keeps client order for equal q', () => {
    const r = parseMediaRanges('application/json;as=Table;v=v1;g=meta.k8s.io, application/json;q=0.5, */*;q=0.1');
    expect(r.map((x) => [x.mediaType, x.params.as, x.q])).toEqual([
      ['application/json', 'Table', 1],
      ['application/json', undefined, 0.5],
      ['*/*', undefined, 0.1],
    ]);
  });

  it('kubectl 1.30+ gets v2, 1.27-1.29 (v2beta1 only) gets v2beta1, 1.20 and plain clients get legacy', () => {
    expect(negotiateDiscovery(KUBECTL_132_DISCOVERY_ACCEPT)).toBe('v2');
    expect(negotiateDiscovery('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json')).toBe('v2beta1');
    expect(negotiateDiscovery('application/json, */*')).toBe('legacy');
    expect(negotiateDiscovery(undefined)).toBe('legacy');
    expect(negotiateDiscovery('application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList,application/json')).toBe('legacy');
  });
});

describe('discovery router', () => {
  it('serves aggregated /api with the Content-Type naming the requested version', async () => {
    const res = await request(app()).get('/api').set('Accept', KUBECTL_132_DISCOVERY_ACCEPT);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const body = JSON.parse(res.text);
    expect(body.kind).toBe('APIGroupDiscoveryList');
    expect(body.apiVersion).toBe('apidiscovery.k8s.io/v2');
    expect(body.items).toHaveLength(1);
    const v1 = body.items[0].versions[0];
    expect(v1.version).toBe('v1');
    expect(v1.freshness).toBe('Current');
    const pods = v1.resources.find((r: { resource: string }) => r.resource === 'pods');
    expect(pods).toEqual({
      resource: 'pods',
      responseKind: { group: '', version: 'v1', kind: 'Pod' },
      scope: 'Namespaced',
      singularResource: 'pod',
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['po'],
      categories: ['all'],
      subresources: [
        { subresource: 'status', responseKind: { group: '', version: 'v1', kind: 'Pod' }, verbs: ['get', 'patch', 'update'] },
        { subresource: 'log', responseKind: { group: '', version: 'v1', kind: 'Pod' }, verbs: ['get'] },
        { subresource: 'binding', responseKind: { group: '', version: 'v1', kind: 'Binding' }, verbs: ['create'] },
      ],
    });
    const rc = v1.resources.find((r: { resource: string }) => r.resource === 'replicationcontrollers');
    expect(rc.subresources).toEqual([{ subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] }]);
    const ns = v1.resources.find((r: { resource: string }) => r.resource === 'namespaces');
    expect(ns.scope).toBe('Cluster');
    expect(v1.resources.some((r: { resource: string }) => r.resource === 'leases')).toBe(false);
  });

  it('serves aggregated v2beta1 to clients that only ask for it', async () => {
    const res = await request(app()).get('/apis').set('Accept', 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json');
    expect(res.headers['content-type']).toBe('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList');
    const body = JSON.parse(res.text);
    expect(body.apiVersion).toBe('apidiscovery.k8s.io/v2beta1');
    expect(body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['coordination.k8s.io']);
    expect(body.items[0].versions[0].resources[0]).toMatchObject({ resource: 'leases', responseKind: { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' } });
  });

  it('serves legacy /api, /apis and /api/v1 as plain JSON', async () => {
    const a = app();
    const api = await request(a).get('/api').set('Accept', 'application/json, */*').set('Host', '127.0.0.1:8888');
    expect(api.headers['content-type']).toBe('application/json');
    expect(JSON.parse(api.text)).toEqual({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:8888' }],
    });
    const apis = JSON.parse((await request(a).get('/apis')).text);
    expect(apis).toEqual({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [
        {
          name: 'coordination.k8s.io',
          versions: [{ groupVersion: 'coordination.k8s.io/v1', version: 'v1' }],
          preferredVersion: { groupVersion: 'coordination.k8s.io/v1', version: 'v1' },
        },
      ],
    });
    const v1 = JSON.parse((await request(a).get('/api/v1')).text);
    expect(v1.kind).toBe('APIResourceList');
    expect(v1.groupVersion).toBe('v1');
    const byName = Object.fromEntries(v1.resources.map((r: { name: string }) => [r.name, r]));
    expect(byName.pods).toMatchObject({ singularName: 'pod', namespaced: true, kind: 'Pod', shortNames: ['po'], categories: ['all'] });
    expect(byName['pods/log']).toEqual({ name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] });
    expect(byName['replicationcontrollers/scale']).toMatchObject({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
    for (const [name, short] of [['services', 'svc'], ['endpoints', 'ep'], ['namespaces', 'ns'], ['nodes', 'no'], ['events', 'ev'], ['replicationcontrollers', 'rc'], ['configmaps', 'cm']]) {
      expect(byName[name!].shortNames).toEqual([short]);
    }
  });

  it('serves group and group-version documents, and passes unknown paths on', async () => {
    const a = app();
    a.use((_req, res) => res.status(404).send('fallthrough'));
    expect(JSON.parse((await request(a).get('/apis/coordination.k8s.io')).text)).toMatchObject({ kind: 'APIGroup', name: 'coordination.k8s.io' });
    const gv = JSON.parse((await request(a).get('/apis/coordination.k8s.io/v1')).text);
    expect(gv).toMatchObject({ kind: 'APIResourceList', groupVersion: 'coordination.k8s.io/v1' });
    expect(gv.resources[0]).toMatchObject({ name: 'leases', kind: 'Lease', namespaced: true });
    for (const p of ['/apis/apps', '/apis/apps/v1', '/api/v2', '/apis/v1beta1']) {
      const res = await request(a).get(p);
      expect([p, res.status, res.text]).toEqual([p, 404, 'fallthrough']);
    }
  });

  describe('with the legacy v1beta1 core version served', () => {
    const a = app(['v1', 'v1beta1']);

    it('lists v1 first and v1beta1 second in legacy /api', async () => {
      expect(JSON.parse((await request(a).get('/api')).text).versions).toEqual(['v1', 'v1beta1']);
    });

    it('serves the full v1beta1 resource list at /apis/v1beta1, where client-go looks for it', async () => {
      const list = JSON.parse((await request(a).get('/apis/v1beta1')).text);
      expect(list.groupVersion).toBe('v1beta1');
      expect(list.resources.map((r: { name: string }) => r.name)).toEqual(['pods', 'services', 'replicationcontrollers']);
      expect(list.resources[0]).toEqual({ name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['create', 'delete', 'get', 'list', 'update', 'watch'] });
    });

    it('adds v1beta1 after v1 in aggregated discovery without short names', async () => {
      const body = JSON.parse((await request(a).get('/api').set('Accept', KUBECTL_132_DISCOVERY_ACCEPT)).text);
      const versions = body.items[0].versions;
      expect(versions.map((v: { version: string }) => v.version)).toEqual(['v1', 'v1beta1']);
      expect(versions[1].resources[0]).toEqual({
        resource: 'pods',
        responseKind: { group: '', version: 'v1beta1', kind: 'Pod' },
        scope: 'Namespaced',
        singularResource: 'pod',
        verbs: ['create', 'delete', 'get', 'list', 'update', 'watch'],
      });
    });

    it('never announces a core version that has no resources', async () => {
      const b = app(['v1', 'v1beta1'], []);
      expect(JSON.parse((await request(b).get('/api')).text).versions).toEqual(['v1']);
      const agg = JSON.parse((await request(b).get('/api').set('Accept', KUBECTL_132_DISCOVERY_ACCEPT)).text);
      expect(agg.items[0].versions.map((v: { version: string }) => v.version)).toEqual(['v1']);
    });
  });
});

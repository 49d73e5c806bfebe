/**
 * Real `km apiserver` + real `km controller-manager` processes over HTTP on loopback.
 */
import type { KubeObject } from '../../src/api/types';
import { ApiClient, isNotFound } from '../../src/client/api-client';
import { startKm, tempDir } from '../helpers/km-process';
import type { KmProcess } from '../helpers/km-process';
import { eventually } from '../helpers/eventually';

jest.setTimeout(120_000);


const pod = (name: string, labels: Record<string, string>, ns = 'default'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, labels },
  spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] }] },
});

/** What a node agent does: report the pod's IP and readiness through pods/status. */
async function setPodStatus(api: ApiClient, ns: string, name: string, ip: string, ready: boolean): Promise<void> {
  for (let i = 0; i < 10; i++) {
    const p = await api.get({ resource: 'pods', namespace: ns, name });
    try {
      await api.update({ resource: 'pods', namespace: ns, name, subresource: 'status' }, {
        ...p,
        status: {
          phase: 'Running',
          podIP: ip,
          podIPs: [{ ip }],
          conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
        },
      });
      return;
    } catch (err) {
      if (i === 9) throw err;
    }
  }
}

interface EndpointsLike extends KubeObject {
  subsets?: Array<{ addresses?: Array<{ ip: string }>; notReadyAddresses?: Array<{ ip: string }>; ports?: Array<{ port: number }> }>;
}

const ips = (ep: EndpointsLike, which: 'addresses' | 'notReadyAddresses'): string[] =>
  (ep.subsets ?? []).flatMap((s) => (s[which] ?? []).map((a) => a.ip)).sort();

describe('km controller-manager against a real km apiserver', () => {
  let tmp: ReturnType<typeof tempDir>;
  let apiserver: KmProcess;
  let cm: KmProcess;
  let api: ApiClient;

  beforeAll(async () => {
    tmp = tempDir();
    apiserver = await startKm('apiserver', { args: [`--data-dir=${tmp.dir}`], readyPath: '/readyz' });
    cm = await startKm('controller-manager', {
      args: [`--master=${apiserver.url}`, '--leader-elect=false'],
    });
    api = new ApiClient({ servers: [apiserver.url] });
  });

  afterAll(async () => {
    api?.close();
    await cm?.stop();
    await apiserver?.stop();
    tmp?.cleanup();
  });

  it('endpoints list ready pod IPs in addresses and not-ready ones in notReadyAddresses, with targetPort resolved by name', async () => {
    await api.create({ resource: 'services', namespace: 'default' }, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] },
    });
    await api.create({ resource: 'pods', namespace: 'default' }, pod('web-1', { app: 'web' }));
    await api.create({ resource: 'pods', namespace: 'default' }, pod('web-2', { app: 'web' }));
    await api.create({ resource: 'pods', namespace: 'default' }, pod('other', { app: 'other' }));
    await setPodStatus(api, 'default', 'web-1', '127.0.1.1', true);
    await setPodStatus(api, 'default', 'web-2', '127.0.1.2', false);
    await setPodStatus(api, 'default', 'other', '127.0.1.3', true);
    const ep = await eventually('endpoints for web', async () => {
      const e = await api.get<EndpointsLike>({ resource: 'endpoints', namespace: 'default', name: 'web' });
      return ips(e, 'addresses').length === 1 && ips(e, 'notReadyAddresses').length === 1 ? e : undefined;
    });
    expect(ips(ep, 'addresses')).toEqual(['127.0.1.1']);
    expect(ips(ep, 'notReadyAddresses')).toEqual(['127.0.1.2']);
    expect(ep.subsets?.[0]?.ports?.[0]?.port).toBe(8080);
  });

  it('endpoints follow pods becoming ready and going away, and are removed with the service', async () => {
    await setPodStatus(api, 'default', 'web-2', '127.0.1.2', true);
    await eventually('both ready', async () => {
      const e = await api.get<EndpointsLike>({ resource: 'endpoints', namespace: 'default', name: 'web' });
      return ips(e, 'addresses').length === 2;
    });
    await api.delete({ resource: 'pods', namespace: 'default', name: 'web-1' });
    await eventually('web-1 gone from endpoints', async () => {
      const e = await api.get<EndpointsLike>({ resource: 'endpoints', namespace: 'default', name: 'web' });
      return JSON.stringify(ips(e, 'addresses')) === JSON.stringify(['127.0.1.2']);
    });
    await api.delete({ resource: 'services', namespace: 'default', name: 'web' });
    await eventually('endpoints deleted', async () => {
      try {
        await api.get({ resource: 'endpoints', namespace: 'default', name: 'web' });
        return false;
      } catch (err) {
        return isNotFound(err);
      }
    });
  });

  it('a replication controller scales pods up and down, owns them, and reports status', async () => {
    await api.create({ resource: 'replicationcontrollers', namespace: 'default' }, {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'rc1' },
      spec: { replicas: 3, selector: { app: 'rc1' }, template: { metadata: { labels: { app: 'rc1' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    const owned = async (): Promise<KubeObject[]> =>
      (await api.list({ resource: 'pods', namespace: 'default' }, { labelSelector: 'app=rc1' })).items.filter((p) => !p.metadata?.deletionTimestamp);
    const three = await eventually('3 pods', async () => ((await owned()).length === 3 ? owned() : undefined));
    for (const p of three) expect(p.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'ReplicationController', name: 'rc1', controller: true });
    await eventually('status.replicas = 3', async () => {
      const rc = await api.get<KubeObject & { status?: { replicas?: number } }>({ resource: 'replicationcontrollers', namespace: 'default', name: 'rc1' });
      return rc.status?.replicas === 3;
    });
    await api.patch({ resource: 'replicationcontrollers', namespace: 'default', name: 'rc1' }, { spec: { replicas: 1 } }, 'merge');
    await eventually('1 pod', async () => (await owned()).length === 1);
  });

  it('a restarted controller manager finishes scaling 0→50 with exactly 50 pods (kill -9 mid-way)', async () => {
    await api.create({ resource: 'replicationcontrollers', namespace: 'default' }, {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'big' },
      spec: { replicas: 50, selector: { app: 'big' }, template: { metadata: { labels: { app: 'big' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    const count = async (): Promise<number> => (await api.list({ resource: 'pods', namespace: 'default' }, { labelSelector: 'app=big' })).items.length;
    await eventually('some pods created', async () => (await count()) > 0, 20_000);
    await cm.kill9();
    cm = await startKm('controller-manager', { args: [`--master=${apiserver.url}`, '--leader-elect=false'] });
    await eventually('50 pods', async () => (await count()) === 50, 60_000);
    // stays at 50: no late duplicates
    await new Promise((r) => setTimeout(r, 1500));
    expect(await count()).toBe(50);
  });

  const rcWith = (name: string, replicas: number): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name },
    spec: { replicas, selector: { app: name }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  });
  const podsOf = async (app: string): Promise<KubeObject[]> =>
    (await api.list({ resource: 'pods', namespace: 'default' }, { labelSelector: `app=${app}` })).items.filter((p) => !p.metadata?.deletionTimestamp);

  it('deleting a replication controller with background propagation garbage-collects its pods', async () => {
    await api.create({ resource: 'replicationcontrollers', namespace: 'default' }, rcWith('gc-bg', 2));
    await eventually('2 pods', async () => (await podsOf('gc-bg')).length === 2);
    await api.delete({ resource: 'replicationcontrollers', namespace: 'default', name: 'gc-bg' }, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' });
    await eventually('pods collected', async () => (await podsOf('gc-bg')).length === 0);
  });

  it('deleting a replication controller with --cascade=orphan leaves its pods, without the owner reference', async () => {
    await api.create({ resource: 'replicationcontrollers', namespace: 'default' }, rcWith('gc-orphan', 2));
    await eventually('2 pods', async () => (await podsOf('gc-orphan')).length === 2);
    await api.delete({ resource: 'replicationcontrollers', namespace: 'default', name: 'gc-orphan' }, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Orphan' });
    await eventually('rc gone', async () => {
      try {
        await api.get({ resource: 'replicationcontrollers', namespace: 'default', name: 'gc-orphan' });
        return false;
      } catch (err) {
        return isNotFound(err);
      }
    });
    const pods = await eventually('orphaned pods', async () => {
      const ps = await podsOf('gc-orphan');
      return ps.length === 2 && ps.every((p) => (p.metadata?.ownerReferences ?? []).length === 0) ? ps : undefined;
    });
    expect(pods).toHaveLength(2);
    // and they stay: nothing collects orphans
    await new Promise((r) => setTimeout(r, 1000));
    expect(await podsOf('gc-orphan')).toHaveLength(2);
  });

  it('deleting a replication controller with --cascade=foreground deletes its pods first and the controller last', async () => {
    await api.create({ resource: 'replicationcontrollers', namespace: 'default' }, rcWith('gc-fg', 3));
    await eventually('3 pods', async () => (await podsOf('gc-fg')).length === 3);
    const answered = await api.delete({ resource: 'replicationcontrollers', namespace: 'default', name: 'gc-fg' }, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground' });
    // kube answers with the owner, now deleting and held by the foregroundDeletion finalizer.
    expect(answered.metadata?.deletionTimestamp).toBeDefined();
    expect(answered.metadata?.finalizers).toContain('foregroundDeletion');
    await eventually('rc gone', async () => {
      try {
        await api.get({ resource: 'replicationcontrollers', namespace: 'default', name: 'gc-fg' });
        return false;
      } catch (err) {
        return isNotFound(err);
      }
    });
    // The owner went last: by then not one of its pods is left, not even a terminating one.
    const left = (await api.list({ resource: 'pods', namespace: 'default' }, { labelSelector: 'app=gc-fg' })).items;
    expect(left.filter((p) => (p.metadata?.ownerReferences ?? []).some((r) => r.uid === answered.metadata?.uid))).toEqual([]);
  });

  it('deleting a namespace empties it and then removes it', async () => {
    await api.create({ resource: 'namespaces' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
    await api.create({ resource: 'pods', namespace: 'doomed' }, pod('p', { a: 'b' }, 'doomed'));
    await api.create({ resource: 'configmaps', namespace: 'doomed' }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { k: 'v' } });
    await api.delete({ resource: 'namespaces', name: 'doomed' });
    await eventually(
      'namespace gone',
      async () => {
        try {
          await api.get({ resource: 'namespaces', name: 'doomed' });
          return false;
        } catch (err) {
          return isNotFound(err);
        }
      },
      30_000,
    );
    const left = await api.list({ resource: 'configmaps', namespace: 'doomed' }).catch(() => ({ items: [] }));
    expect(left.items).toHaveLength(0);
  });
});

describe('controller-manager leader election', () => {
  it('only one of two replicas acts, and the other takes over within the lease duration when it dies', async () => {
    const tmp = tempDir();
    const apiserver = await startKm('apiserver', { args: [`--data-dir=${tmp.dir}`], readyPath: '/readyz' });
    const le = ['--leader-elect=true', '--leader-elect-lease-duration=3s', '--leader-elect-renew-deadline=2s', '--leader-elect-retry-period=300ms'];
    const a = await startKm('controller-manager', { args: [`--master=${apiserver.url}`, ...le] });
    const b = await startKm('controller-manager', { args: [`--master=${apiserver.url}`, ...le] });
    const leading = async (p: KmProcess): Promise<boolean> => {
      const text = await (await fetch(`${p.url}/metrics`)).text();
      return /leader_election_master_status\{name="kube-controller-manager"\} 1/.test(text);
    };
    try {
      const first = await eventually('a leader', async () => ((await leading(a)) ? a : (await leading(b)) ? b : undefined), 15_000);
      const other = first === a ? b : a;
      expect(await leading(other)).toBe(false);
      await first.kill9();
      // bounded hand-over: the 3 s lease plus retries, with slack for a loaded 2-core machine
      await eventually('the other replica leads', async () => leading(other), 12_000);
    } finally {
      await a.stop();
      await b.stop();
      await apiserver.stop();
      tmp.cleanup();
    }
  });
});

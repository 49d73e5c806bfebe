// Drives a running API server with the official JavaScript client (@kubernetes/client-node, ESM),
// printing one JSON line per check; client-node.test.ts runs it with `node` and asserts on the output.
/* global process */
import * as k8s from '@kubernetes/client-node';

const server = process.argv[2];
const kc = new k8s.KubeConfig();
kc.loadFromOptions({
  clusters: [{ name: 'km', server, skipTLSVerify: true }],
  users: [{ name: 'u' }],
  contexts: [{ name: 'km', cluster: 'km', user: 'u' }],
  currentContext: 'km',
});
const core = kc.makeApiClient(k8s.CoreV1Api);
const ns = 'cn';
const out = (name, value) => process.stdout.write(JSON.stringify({ name, value }) + '\n');
const failure = async (fn) => {
  try {
    await fn();
    return { code: 0 };
  } catch (e) {
    const body = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
    return { code: e.code, reason: body?.reason, message: body?.message };
  }
};
const pod = (name, labels) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] } });

await core.createNamespace({ body: { metadata: { name: ns } } });
const created = await core.createNamespacedPod({ namespace: ns, body: pod('a', { app: 'web' }) });
out('create', { name: created.metadata.name, restartPolicy: created.spec.restartPolicy, phase: created.status.phase });
await core.createNamespacedPod({ namespace: ns, body: pod('b', { app: 'web' }) });
await core.createNamespacedPod({ namespace: ns, body: pod('c', { app: 'db' }) });

const read = await core.readNamespacedPod({ namespace: ns, name: 'a' });
out('read', { name: read.metadata.name, uid: read.metadata.uid === created.metadata.uid });

const sel = await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' });
out('labelSelector', sel.items.map((p) => p.metadata.name));
const fsel = await core.listNamespacedPod({ namespace: ns, fieldSelector: 'metadata.name=c' });
out('fieldSelector', fsel.items.map((p) => p.metadata.name));

const page1 = await core.listNamespacedPod({ namespace: ns, limit: 2 });
const page2 = await core.listNamespacedPod({ namespace: ns, limit: 2, _continue: page1.metadata._continue });
out('paging', { first: page1.items.map((p) => p.metadata.name), second: page2.items.map((p) => p.metadata.name), end: page2.metadata._continue ?? null });

read.metadata.labels = { app: 'web', replaced: 'yes' };
const replaced = await core.replaceNamespacedPod({ namespace: ns, name: 'a', body: read });
out('replace', replaced.metadata.labels);

const merged = await core.patchNamespacedPod(
  { namespace: ns, name: 'a', body: { metadata: { labels: { patched: 'merge' } } } },
  k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
);
out('mergePatch', merged.metadata.labels.patched);
const jsonPatched = await core.patchNamespacedPod(
  { namespace: ns, name: 'a', body: [{ op: 'add', path: '/metadata/annotations', value: { x: 'y' } }] },
  k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
);
out('jsonPatch', jsonPatched.metadata.annotations);
const smp = await core.patchNamespacedPod(
  { namespace: ns, name: 'a', body: { spec: { containers: [{ name: 'c', image: 'nginx:1.26' }] } } },
  k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
);
out('strategicPatch', smp.spec.containers.map((c) => c.image));

const st = await core.readNamespacedPodStatus({ namespace: ns, name: 'a' });
st.status = { ...st.status, phase: 'Running', podIP: '10.0.0.7' };
const stUpd = await core.replaceNamespacedPodStatus({ namespace: ns, name: 'a', body: st });
out('status', { phase: stUpd.status.phase, podIP: stUpd.status.podIP });

out('notFound', await failure(() => core.readNamespacedPod({ namespace: ns, name: 'zzz' })));
out('alreadyExists', await failure(() => core.createNamespacedPod({ namespace: ns, body: pod('a', {}) })));
const stale = { ...created, metadata: { ...created.metadata, labels: { stale: 'x' } } };
out('conflict', await failure(() => core.replaceNamespacedPod({ namespace: ns, name: 'a', body: stale })));
out('invalid', await failure(() => core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'bad' }, spec: { containers: [{ name: 'c' }] } } })));
out('badSelector', await failure(() => core.listNamespacedPod({ namespace: ns, fieldSelector: 'spec.nope=1' })));

const svc = await core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } } });
out('service', { type: svc.spec.type, targetPort: svc.spec.ports[0].targetPort, clusterIP: svc.spec.clusterIP });

await core.deleteNamespacedPod({ namespace: ns, name: 'c' });
out('deleted', await failure(() => core.readNamespacedPod({ namespace: ns, name: 'c' })));
out('done', true);

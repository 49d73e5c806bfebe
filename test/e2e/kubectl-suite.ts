/**
 * The acceptance list from issue 5, driven through real kubectl binaries against a real km server.
 * Each test uses its own kubectl session (fresh kubeconfig, HOME and --cache-dir) and its own
 * namespace where objects are created, and asserts on what kubectl prints.
 */
import fs from 'node:fs';
import path from 'node:path';
import { GIT_VERSION } from '../../src/apiserver/server';
import { kubectl, rows, startKmServer, writeFile } from './kubectl-harness';
import type { Backend, Kubectl, KmServer } from './kubectl-harness';

const podYaml = (name: string, labels: Record<string, string> = { app: name }, image = 'nginx'): string =>
  [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    `  name: ${name}`,
    `  labels: {${Object.entries(labels).map(([k, v]) => `${k}: ${v}`).join(', ')}}`,
    'spec:',
    '  containers:',
    '  - name: main',
    `    image: ${image}`,
    '    ports: [{containerPort: 80}]',
    '',
  ].join('\n');

export function kubectlSuite(version: string, backend: Backend): void {
  const newer = version !== '1.20';
  const sendsProtobuf = version === '1.32' || version === '1.33';

  describe(`kubectl ${version} against km (${backend})`, () => {
    let server: KmServer;
    let k: Kubectl;
    let ns: string;
    let seq = 0;

    beforeAll(async () => {
      server = await startKmServer(backend);
    });
    afterAll(async () => {
      await server?.close();
    });
    beforeEach(async () => {
      k = kubectl(version, server.url);
      ns = `t${++seq}`;
      const r = await k('create', 'namespace', ns);
      expect(r.stdout).toBe(`namespace/${ns} created\n`);
    });
    afterEach(() => k.cleanup());

    const inNs = (...args: string[]) => k('-n', ns, ...args);
    const ok = async (...args: string[]): Promise<string> => {
      const r = await inNs(...args);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
      return r.stdout;
    };

    it('version prints the server version km reports', async () => {
      const r = await k('version');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(GIT_VERSION);
    });

    it('api-resources lists the core resources with short names, namespacing and kinds', async () => {
      const r = await k('api-resources');
      expect(r.code).toBe(0);
      const table = rows(r.stdout);
      expect(table[0]).toEqual(['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
      for (const line of [
        ['pods', 'po', 'v1', 'true', 'Pod'],
        ['services', 'svc', 'v1', 'true', 'Service'],
        ['endpoints', 'ep', 'v1', 'true', 'Endpoints'],
        ['events', 'ev', 'v1', 'true', 'Event'],
        ['replicationcontrollers', 'rc', 'v1', 'true', 'ReplicationController'],
        ['configmaps', 'cm', 'v1', 'true', 'ConfigMap'],
        ['namespaces', 'ns', 'v1', 'false', 'Namespace'],
        ['nodes', 'no', 'v1', 'false', 'Node'],
        ['secrets', 'v1', 'true', 'Secret'],
      ]) {
        expect(table).toContainEqual(line);
      }
    });

    it('api-versions and cluster-info', async () => {
      const v = await k('api-versions');
      expect(v.stdout.split('\n')).toEqual(expect.arrayContaining(['v1', 'coordination.k8s.io/v1']));
      const c = await k('cluster-info');
      expect(c.code).toBe(0);
      // 1.20-1.27 colour the line; strip ANSI escapes.
      expect(c.stdout.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '')).toContain(`Kubernetes control plane is running at ${server.url}`);
    });

    it('create -f then get prints kube-apiserver columns (default and -o wide)', async () => {
      const f = writeFile(k, 'web.yaml', podYaml('web'));
      expect(await ok('create', '-f', f)).toBe('pod/web created\n');
      const table = rows(await ok('get', 'pods'));
      expect(table[0]).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
      expect(table[1]!.slice(0, 4)).toEqual(['web', '0/1', 'Pending', '0']);
      const wide = rows(await ok('get', 'pods', '-o', 'wide'));
      expect(wide[0]).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
      expect(wide[1]!.slice(5)).toEqual(['<none>', '<none>', '<none>', '<none>']);
    });

    it('create -f accepts JSON, multi-document YAML and a directory', async () => {
      const json = writeFile(k, 'a.json', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'from-json' }, data: { a: '1' } }));
      expect(await ok('create', '-f', json)).toBe('configmap/from-json created\n');
      const multi = writeFile(k, 'multi.yaml', `${podYaml('m1')}---\n${podYaml('m2')}`);
      expect(await ok('create', '-f', multi)).toBe('pod/m1 created\npod/m2 created\n');
      writeFile(k, 'dir/d1.yaml', podYaml('d1'));
      writeFile(k, 'dir/d2.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d2}\ndata: {x: "y"}\n');
      const out = await ok('create', '-f', path.join(k.dir, 'dir'));
      expect(out.split('\n').sort()).toEqual(['', 'configmap/d2 created', 'pod/d1 created']);
    });

    it('get -o yaml|json|name|jsonpath|custom-columns', async () => {
      await ok('create', '-f', writeFile(k, 'p.yaml', podYaml('p1')));
      expect(await ok('get', 'pod', 'p1', '-o', 'yaml')).toMatch(/^apiVersion: v1\nkind: Pod\nmetadata:\n/);
      const obj = JSON.parse(await ok('get', 'pod', 'p1', '-o', 'json'));
      expect([obj.kind, obj.metadata.name, obj.metadata.namespace, obj.spec.containers[0].image]).toEqual(['Pod', 'p1', ns, 'nginx']);
      const list = JSON.parse(await ok('get', 'pods', '-o', 'json'));
      expect(list.kind).toBe('List');
      expect(list.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['p1']);
      expect(await ok('get', 'pods', '-o', 'name')).toBe('pod/p1\n');
      expect(await ok('get', 'pod', 'p1', '-o', 'jsonpath={.spec.containers[0].image}')).toBe('nginx');
      expect(rows(await ok('get', 'pods', '-o', 'custom-columns=N:.metadata.name,IMG:.spec.containers[0].image'))).toEqual([['N', 'IMG'], ['p1', 'nginx']]);
    });

    it('get -A, -l, --field-selector, --show-labels and --sort-by', async () => {
      await ok('create', '-f', writeFile(k, 'a.yaml', `${podYaml('b-pod', { app: 'b' })}---\n${podYaml('a-pod', { app: 'a' })}`));
      const all = rows((await k('get', 'pods', '-A')).stdout);
      expect(all[0]!.slice(0, 2)).toEqual(['NAMESPACE', 'NAME']);
      expect(all).toContainEqual(expect.arrayContaining([ns, 'a-pod']));
      expect(rows(await ok('get', 'pods', '-l', 'app=b')).map((r) => r[0])).toEqual(['NAME', 'b-pod']);
      expect(rows(await ok('get', 'pods', '--field-selector', 'metadata.name=a-pod')).map((r) => r[0])).toEqual(['NAME', 'a-pod']);
      const labels = rows(await ok('get', 'pods', '--show-labels'));
      expect(labels[0]!.at(-1)).toBe('LABELS');
      expect(labels.find((r) => r[0] === 'b-pod')!.at(-1)).toBe('app=b');
      expect(rows(await ok('get', 'pods', '--sort-by', '.metadata.name')).map((r) => r[0])).toEqual(['NAME', 'a-pod', 'b-pod']);
    });

    it("prints kube's error lines: NotFound, AlreadyExists, unknown field under strict validation", async () => {
      const nf = await inNs('get', 'pod', 'nope');
      expect(nf.code).toBe(1);
      expect(nf.stderr).toContain('Error from server (NotFound): pods "nope" not found');
      const f = writeFile(k, 'dup.yaml', podYaml('dup'));
      await ok('create', '-f', f);
      const ae = await inNs('create', '-f', f);
      expect(ae.stderr).toContain(`Error from server (AlreadyExists): error when creating "${f}": pods "dup" already exists`);
      const bad = writeFile(k, 'bad.yaml', podYaml('bad').replace('    image: nginx\n', '    image: nginx\n    imagePullPolcy: Always\n'));
      const uf = await inNs('create', '-f', bad);
      expect(uf.code).toBe(1);
      if (newer) expect(uf.stderr).toContain('strict decoding error: unknown field "spec.containers[0].imagePullPolcy"');
      else expect(uf.stderr).toContain('unknown field "imagePullPolcy" in io.k8s.api.core.v1.Container');
    });

    it(`create namespace|configmap|secret generic|service (${sendsProtobuf ? 'protobuf' : 'JSON'} bodies)`, async () => {
      expect(await ok('create', 'configmap', 'cfg', '--from-literal=a=1', '--from-literal=b=2')).toBe('configmap/cfg created\n');
      expect(await ok('create', 'secret', 'generic', 'sec', '--from-literal=user=admin')).toBe('secret/sec created\n');
      expect(await ok('create', 'service', 'externalname', 'ext', '--external-name=example.com')).toBe('service/ext created\n');
      expect(JSON.parse(await ok('get', 'secret', 'sec', '-o', 'json')).data).toEqual({ user: Buffer.from('admin').toString('base64') });
      expect(rows(await ok('get', 'configmap', 'cfg'))).toEqual([['NAME', 'DATA', 'AGE'], ['cfg', '2', expect.any(String)]]);
      const svc = rows(await ok('get', 'svc', 'ext'));
      expect(svc[0]).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
      expect(svc[1]!.slice(0, 4)).toEqual(['ext', 'ExternalName', '<none>', 'example.com']);
    });

    it('create service clusterip with ports, and headless', async () => {
      expect(await ok('create', 'service', 'clusterip', 'web', '--tcp=80:8080')).toBe('service/web created\n');
      const svc = rows(await ok('get', 'svc', 'web', '-o', 'wide'));
      expect(svc[1]![1]).toBe('ClusterIP');
      expect(svc[1]![2]).toMatch(/^10\.0\.0\.\d+$/);
      expect(svc[1]!.slice(3, 5)).toEqual(['<none>', '80/TCP']);
      expect(svc[1]![6]).toBe('app=web');
      expect(JSON.parse(await ok('get', 'svc', 'web', '-o', 'json')).spec.ports).toEqual([
        expect.objectContaining({ name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080 }),
      ]);
      expect(await ok('create', 'service', 'clusterip', 'hl', '--clusterip=None')).toBe('service/hl created\n');
      expect(rows(await ok('get', 'svc', 'hl'))[1]!.slice(1, 5)).toEqual(['ClusterIP', 'None', '<none>', '<none>']);
    });

    it('apply -f: created, unchanged, configured; removing a field from the file removes it', async () => {
      const f = writeFile(k, 'cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata: {a: "1", b: "2"}\n');
      expect(await ok('apply', '-f', f)).toBe('configmap/app created\n');
      expect(await ok('apply', '-f', f)).toBe('configmap/app unchanged\n');
      fs.writeFileSync(f, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata: {a: "10"}\n');
      expect(await ok('apply', '-f', f)).toBe('configmap/app configured\n');
      expect(JSON.parse(await ok('get', 'cm', 'app', '-o', 'json')).data).toEqual({ a: '10' });
    });

    it('apply merges container and env lists by their merge keys', async () => {
      const rc = (img: string, env: string): string =>
        [
          'apiVersion: v1',
          'kind: ReplicationController',
          'metadata: {name: mrg}',
          'spec:',
          '  replicas: 0',
          '  selector: {app: mrg}',
          '  template:',
          '    metadata: {labels: {app: mrg}}',
          '    spec:',
          '      containers:',
          `      - {name: a, image: ${img}, env: [${env}]}`,
          '      - {name: b, image: redis}',
          '',
        ].join('\n');
      const f = writeFile(k, 'mrg.yaml', rc('nginx', '{name: E1, value: "1"}, {name: E2, value: "2"}'));
      expect(await ok('apply', '-f', f)).toBe('replicationcontroller/mrg created\n');
      fs.writeFileSync(f, rc('nginx:2', '{name: E1, value: "1"}, {name: E3, value: "3"}'));
      expect(await ok('apply', '-f', f)).toBe('replicationcontroller/mrg configured\n');
      const containers = JSON.parse(await ok('get', 'rc', 'mrg', '-o', 'json')).spec.template.spec.containers as Array<{ name: string; image: string; env?: unknown[] }>;
      expect(containers.map((c) => [c.name, c.image, c.env])).toEqual([
        ['a', 'nginx:2', [{ name: 'E1', value: '1' }, { name: 'E3', value: '3' }]],
        ['b', 'redis', undefined],
      ]);
    });

    it('apply --server-side creates and updates', async () => {
      const f = writeFile(k, 'ssa.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa}\ndata: {a: "1"}\n');
      expect(await ok('apply', '--server-side', '-f', f)).toBe('configmap/ssa serverside-applied\n');
      fs.writeFileSync(f, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa}\ndata: {a: "2"}\n');
      expect(await ok('apply', '--server-side', '-f', f)).toBe('configmap/ssa serverside-applied\n');
      expect(JSON.parse(await ok('get', 'cm', 'ssa', '-o', 'json')).data).toEqual({ a: '2' });
    });

    it('apply --server-side conflicts with another field manager, and --force-conflicts takes the field', async () => {
      const f = writeFile(k, 'own.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: own}\ndata: {a: "1"}\n');
      await ok('create', '-f', f);
      fs.writeFileSync(f, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: own}\ndata: {a: "2"}\n');
      const r = await inNs('apply', '--server-side', '-f', f);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/conflict/i);
      expect(r.stderr).toContain('.data.a');
      expect(JSON.parse(await ok('get', 'cm', 'own', '-o', 'json')).data).toEqual({ a: '1' });
      expect(await ok('apply', '--server-side', '--force-conflicts', '-f', f)).toBe('configmap/own serverside-applied\n');
      expect(JSON.parse(await ok('get', 'cm', 'own', '-o', 'json')).data).toEqual({ a: '2' });
    });

    it('scale rc sets spec.replicas through the scale subresource', async () => {
      const f = writeFile(
        k,
        'rc.yaml',
        'apiVersion: v1\nkind: ReplicationController\nmetadata: {name: sc}\nspec:\n  replicas: 1\n  selector: {app: sc}\n  template:\n    metadata: {labels: {app: sc}}\n    spec: {containers: [{name: c, image: nginx}]}\n',
      );
      await ok('create', '-f', f);
      expect(await ok('scale', 'rc', 'sc', '--replicas=3')).toBe('replicationcontroller/sc scaled\n');
      expect(JSON.parse(await ok('get', 'rc', 'sc', '-o', 'json')).spec.replicas).toBe(3);
    });

    it('replace -f and edit with EDITOR set to a script', async () => {
      const f = writeFile(k, 'r.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: r}\ndata: {a: "1"}\n');
      await ok('create', '-f', f);
      fs.writeFileSync(f, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: r}\ndata: {a: "2"}\n');
      expect(await ok('replace', '-f', f)).toBe('configmap/r replaced\n');
      const editor = writeFile(k, 'editor.sh', '#!/bin/sh\nsed -i \'s/a: "2"/a: "3"/\' "$1"\n');
      fs.chmodSync(editor, 0o755);
      const r = await k.withInput(undefined, { EDITOR: editor, KUBE_EDITOR: editor }, '-n', ns, 'edit', 'cm', 'r');
      expect([r.code, r.stdout]).toEqual([0, 'configmap/r edited\n']);
      expect(JSON.parse(await ok('get', 'cm', 'r', '-o', 'json')).data).toEqual({ a: '3' });
    });

    it('patch with --type strategic, merge and json', async () => {
      await ok('create', '-f', writeFile(k, 'p.yaml', podYaml('pp')));
      expect(await ok('patch', 'pod', 'pp', '-p', '{"spec":{"containers":[{"name":"main","image":"nginx:2"}]}}')).toBe('pod/pp patched\n');
      expect(await ok('patch', 'pod', 'pp', '--type', 'merge', '-p', '{"metadata":{"labels":{"m":"1"}}}')).toBe('pod/pp patched\n');
      expect(await ok('patch', 'pod', 'pp', '--type', 'json', '-p', '[{"op":"add","path":"/metadata/labels/j","value":"2"}]')).toBe('pod/pp patched\n');
      const obj = JSON.parse(await ok('get', 'pod', 'pp', '-o', 'json'));
      expect(obj.spec.containers.map((c: { name: string; image: string }) => `${c.name}=${c.image}`)).toEqual(['main=nginx:2']);
      expect(obj.metadata.labels).toEqual({ app: 'pp', m: '1', j: '2' });
    });

    it('label and annotate: add, --overwrite, remove with key-', async () => {
      await ok('create', '-f', writeFile(k, 'l.yaml', podYaml('lp')));
      expect(await ok('label', 'pod', 'lp', 'tier=web')).toBe('pod/lp labeled\n');
      const again = await inNs('label', 'pod', 'lp', 'tier=db');
      expect(again.code).toBe(1);
      expect(await ok('label', 'pod', 'lp', 'tier=db', '--overwrite')).toBe('pod/lp labeled\n');
      // kubectl 1.27 prints "annotate" where the others print "annotated"; 1.20 prints "labeled" for a removal.
      const annotated = version === '1.27' ? 'pod/lp annotate\n' : 'pod/lp annotated\n';
      expect(await ok('annotate', 'pod', 'lp', 'note=hello')).toBe(annotated);
      expect(await ok('label', 'pod', 'lp', 'tier-')).toBe(newer ? 'pod/lp unlabeled\n' : 'pod/lp labeled\n');
      expect(await ok('annotate', 'pod', 'lp', 'note-')).toBe(annotated);
      const meta = JSON.parse(await ok('get', 'pod', 'lp', '-o', 'json')).metadata;
      expect(meta.labels).toEqual({ app: 'lp' });
      expect(meta.annotations?.note).toBeUndefined();
    });

    it('delete by name, -l, --all and --grace-period=0 --force', async () => {
      await ok('create', '-f', writeFile(k, 'd.yaml', ['d1', 'd2', 'd3', 'd4'].map((n) => podYaml(n, { grp: n === 'd2' ? 'gx' : 'gy' })).join('---\n')));
      expect(await ok('delete', 'pod', 'd1')).toBe('pod "d1" deleted\n');
      expect(await ok('delete', 'pods', '-l', 'grp=gx')).toBe('pod "d2" deleted\n');
      const forced = await inNs('delete', 'pod', 'd3', '--grace-period=0', '--force');
      expect(forced.code).toBe(0);
      expect(forced.stdout).toContain('pod "d3" force deleted');
      expect(await ok('delete', 'pods', '--all')).toBe('pod "d4" deleted\n');
      const none = await inNs('get', 'pods');
      expect(none.stderr).toContain(`No resources found in ${ns} namespace.`);
    });

    it('run and expose', async () => {
      expect(await ok('run', 'nginx', '--image=nginx')).toBe('pod/nginx created\n');
      expect(await ok('expose', 'pod', 'nginx', '--port=80')).toBe('service/nginx exposed\n');
      const svc = JSON.parse(await ok('get', 'svc', 'nginx', '-o', 'json'));
      expect(svc.spec.selector).toEqual({ run: 'nginx' });
    });

    it('explain pods.spec.containers', async () => {
      const r = await k('explain', 'pods.spec.containers');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('KIND:');
      expect(r.stdout).toMatch(newer ? /FIELD: +containers <\[\]Container>/ : /RESOURCE: +containers <\[\]Object>/);
      expect(r.stdout).toMatch(/image\s+<string>/);
      expect(r.stdout).toMatch(/name\s+<string> -required-/);
    });

    it('get -w prints a new line as objects change, and the stream stays open', async () => {
      await ok('create', '-f', writeFile(k, 'w.yaml', podYaml('w1')));
      const watch = k.spawn('-n', ns, 'get', 'pods', '-w');
      try {
        await watch.waitFor(/w1\s+0\/1\s+Pending/);
        await ok('label', 'pod', 'w1', 'seen=yes');
        await ok('create', '-f', writeFile(k, 'w2.yaml', podYaml('w2')));
        await watch.waitFor(/w2\s+0\/1\s+Pending/);
        const lines = watch.output().split('\n').filter((l) => l.trim() !== '');
        expect(lines[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
        expect(lines.filter((l) => l.startsWith('NAME'))).toHaveLength(1);
        expect(lines.filter((l) => l.startsWith('w1')).length).toBeGreaterThanOrEqual(2);
      } finally {
        await watch.stop();
      }
    });

    it('describe pod, service and namespace', async () => {
      await ok('create', '-f', writeFile(k, 'dp.yaml', podYaml('dp')));
      const pod = await ok('describe', 'pod', 'dp');
      expect(pod).toMatch(/^Name:\s+dp$/m);
      expect(pod).toMatch(/^Namespace:\s+t\d+$/m);
      expect(pod).toMatch(/^Events:/m);
      await ok('create', 'service', 'externalname', 'dsvc', '--external-name=example.com');
      expect(await ok('describe', 'svc', 'dsvc')).toMatch(/^Type:\s+ExternalName$/m);
      expect(await ok('describe', 'namespace', ns)).toMatch(/^Status:\s+Active$/m);
    });

    it('get events prints the event columns', async () => {
      const ev = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'ev1' },
        involvedObject: { kind: 'Pod', name: 'web', namespace: ns },
        reason: 'Testing',
        message: 'hello from the e2e test',
        type: 'Normal',
        source: { component: 'e2e' },
        firstTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        lastTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        count: 1,
      };
      await ok('create', '-f', writeFile(k, 'ev.json', JSON.stringify(ev)));
      const table = rows(await ok('get', 'events'));
      expect(table[0]).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
      expect(table[1]!.slice(1)).toEqual(['Normal', 'Testing', 'pod/web', 'hello from the e2e test']);
    });

    it('wait --for=jsonpath and --for=delete', async () => {
      await ok('create', '-f', writeFile(k, 'wt.yaml', podYaml('wt')));
      const jp = await inNs('wait', '--for=jsonpath={.metadata.labels.app}=wt', 'pod/wt', '--timeout=20s');
      if (newer) expect([jp.code, jp.stdout]).toEqual([0, 'pod/wt condition met\n']);
      // Start waiting while the pod exists (kubectl 1.20 exits 1 if it is already gone), then delete it.
      const waiter = k.spawn('-n', ns, 'wait', '--for=delete', 'pod/wt', '--timeout=30s', '-v=6');
      try {
        await waiter.waitFor(/watch=true/);
        await ok('delete', 'pod', 'wt', '--wait=false');
        expect(await waiter.exitCode(30_000)).toBe(0);
      } finally {
        await waiter.stop();
      }
    });

    it('nodes: get -o wide and describe node (with its events section)', async () => {
      const name = `node-${ns}`;
      const node = [
        'apiVersion: v1',
        'kind: Node',
        'metadata:',
        `  name: ${name}`,
        '  labels: {node-role.kubernetes.io/worker: ""}',
        'status:',
        '  conditions: [{type: Ready, status: "True", reason: KubeletReady, message: ready}]',
        '  addresses: [{type: InternalIP, address: 10.9.0.1}]',
        '  nodeInfo: {kubeletVersion: v1.32.0, osImage: Debian, kernelVersion: "6.1", containerRuntimeVersion: "mesos://1.0", machineID: "", systemUUID: "", bootID: "", kubeProxyVersion: "", operatingSystem: linux, architecture: amd64}',
        '',
      ].join('\n');
      expect(await ok('create', '-f', writeFile(k, 'node.yaml', node))).toBe(`node/${name} created\n`);
      const table = rows(await ok('get', 'node', name, '-o', 'wide'));
      expect(table[0]).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME']);
      expect(table[1]).toEqual([name, 'Ready', 'worker', expect.any(String), 'v1.32.0', '10.9.0.1', '<none>', 'Debian', '6.1', 'mesos://1.0']);
      const d = await ok('describe', 'node', name);
      expect(d).toMatch(new RegExp(`^Name:\\s+${name}$`, 'm'));
      expect(d).toMatch(/^\s+InternalIP:\s+10\.9\.0\.1$/m);
      expect(d).toMatch(/^Events:/m);
      expect(await ok('delete', 'node', name)).toBe(`node "${name}" deleted\n`);
    });

    it('get all lists pods, services and replication controllers', async () => {
      await ok('create', '-f', writeFile(k, 'p.yaml', podYaml('ap')));
      await ok('create', 'service', 'externalname', 'asvc', '--external-name=example.com');
      const rc = 'apiVersion: v1\nkind: ReplicationController\nmetadata: {name: arc}\nspec:\n  replicas: 2\n  selector: {app: arc}\n  template:\n    metadata: {labels: {app: arc}}\n    spec: {containers: [{name: c, image: nginx}]}\n';
      await ok('create', '-f', writeFile(k, 'rc.yaml', rc));
      const out = await ok('get', 'all');
      expect(out).toMatch(/^pod\/ap\s+0\/1\s+Pending/m);
      expect(out).toMatch(/^service\/asvc\s+ExternalName\s+<none>\s+example\.com/m);
      expect(out).toMatch(/^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE$/m);
      expect(out).toMatch(/^replicationcontroller\/arc\s+2\s/m);
    });

    it('--dry-run=server reports creation without storing', async () => {
      const f = writeFile(k, 'dry.yaml', podYaml('dry'));
      expect(await ok('create', '-f', f, '--dry-run=server')).toBe('pod/dry created (server dry run)\n');
      expect((await inNs('get', 'pod', 'dry')).stderr).toContain('pods "dry" not found');
    });

    if (newer) {
      it('wait --for=condition=Ready returns once the status says Ready', async () => {
        await ok('run', 'rdy', '--image=nginx');
        const waiter = k.spawn('-n', ns, 'wait', '--for=condition=Ready', 'pod/rdy', '--timeout=30s', '-v=6');
        try {
          await waiter.waitFor(/watch=true/);
          await ok('patch', 'pod', 'rdy', '--subresource=status', '--type=merge', '-p', '{"status":{"conditions":[{"type":"Ready","status":"True"}]}}');
          expect(await waiter.exitCode(30_000)).toBe(0);
          expect(waiter.output()).toContain('pod/rdy condition met');
        } finally {
          await waiter.stop();
        }
      });
    }

    it('get -w --watch-only prints only changes', async () => {
      await ok('create', '-f', writeFile(k, 'wo.yaml', podYaml('wo1')));
      const watch = k.spawn('-n', ns, 'get', 'pods', '--watch-only', '-v=6');
      try {
        await watch.waitFor(/watch=true/);
        await ok('create', '-f', writeFile(k, 'wo2.yaml', podYaml('wo2')));
        await watch.waitFor(/wo2\s+0\/1\s+Pending/);
        expect(watch.output()).not.toMatch(/^wo1\s/m);
      } finally {
        await watch.stop();
      }
    });

    it('diff -f shows the change without applying it', async () => {
      const f = writeFile(k, 'df.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: df}\ndata: {a: "1"}\n');
      await ok('apply', '-f', f);
      fs.writeFileSync(f, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: df}\ndata: {a: "2"}\n');
      const d = await inNs('diff', '-f', f);
      expect(d.code).toBe(1);
      expect(d.stdout).toMatch(/^-\s+a: "1"$/m);
      expect(d.stdout).toMatch(/^\+\s+a: "2"$/m);
      expect(JSON.parse(await ok('get', 'cm', 'df', '-o', 'json')).data).toEqual({ a: '1' });
    });
  });
}

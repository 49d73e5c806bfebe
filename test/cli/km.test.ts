import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parse } from '../../src/cli/km';

const root = path.resolve(__dirname, '../..');

/** Runs the real `km` entry point (TypeScript sources through tsx) and returns its exit and output. */
function km(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'test/cli/km-entry.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function flagsOf(args: string[]): Record<string, unknown> {
  const r = parse(args);
  if (!('flags' in r)) throw new Error('expected a command');
  return r.flags;
}

describe('km command line', () => {
  it("accepts the seed's apiserver command line verbatim (underscore spellings)", () => {
    const f = flagsOf([
      'apiserver',
      '--address=127.0.0.1',
      '--etcd_servers=http://127.0.0.1:4001',
      '--portal_net=10.10.10.0/24',
      '--port=8888',
      '--cloud_provider=mesos',
      '--v=1',
    ]);
    expect(f['etcd-servers']).toEqual(['http://127.0.0.1:4001']);
    expect(f['portal-net']).toBe('10.10.10.0/24');
    expect(f['port']).toBe(8888);
    expect(f['cloud-provider']).toBe('mesos');
    expect(f['v']).toBe(1);
  });

  it('treats dash and underscore spellings as the same flag, and today\'s names as aliases', () => {
    const f = flagsOf(['apiserver', '--service-cluster-ip-range=10.0.0.0/16', '--etcd-servers=h1:2379,https://h2:2379']);
    expect(f['portal-net']).toBe('10.0.0.0/16');
    expect(f['etcd-servers']).toEqual(['http://h1:2379', 'https://h2:2379']);
  });

  it("accepts the seed's scheduler and proxy command lines", () => {
    const s = flagsOf([
      'scheduler',
      '--address=127.0.0.1',
      '--mesos_master=127.0.0.1:5050',
      '--etcd_servers=http://127.0.0.1:4001',
      '--mesos_user=root',
      '--api_servers=127.0.0.1:8888',
      '--v=2',
    ]);
    expect(s['api-servers']).toEqual(['http://127.0.0.1:8888']);
    expect(s['mesos-user']).toBe('root');
    const p = flagsOf(['proxy', '--bind_address=127.0.0.1', '--etcd_servers=http://127.0.0.1:4001', '--logtostderr=true']);
    expect(p['bind-address']).toBe('127.0.0.1');
    expect(p['logtostderr']).toBe(true);
    const c = flagsOf(['controller-manager', '--master=127.0.0.1:8888', '--mesos_master=127.0.0.1:5050', '--v=1']);
    expect(c['master']).toEqual(['http://127.0.0.1:8888']);
  });

  it('rejects an unknown flag with one line naming it and exit code 2', () => {
    const r = km(['apiserver', '--no-such-flag=1']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no-such-flag/);
  });

  it('rejects a bad flag value with one line naming the flag and exit code 2', () => {
    const r = km(['apiserver', '--port=eighty']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--port/);
    const r2 = km(['apiserver', '--portal_net=10.10.10.0']);
    expect(r2.status).toBe(2);
    expect(r2.stderr).toMatch(/--portal-net/);
  });

  it('lists every flag with its default in `km apiserver --help`', () => {
    const r = km(['apiserver', '--help']);
    expect(r.status).toBe(0);
    for (const flag of ['--address', '--port', '--etcd-servers', '--etcd_servers', '--portal-net', '--data-dir', '--etcd-prefix']) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stdout).toContain('[default: "8888"]');
  });

  it('`km --help` lists every component', () => {
    const r = km(['--help']);
    expect(r.status).toBe(0);
    for (const c of ['apiserver', 'controller-manager', 'scheduler', 'proxy', 'local']) expect(r.stdout).toContain(`km ${c}`);
  });
});

/**
 * A real standalone ZooKeeper (Debian's zookeeperd jars) on a free loopback port with a temporary
 * data dir, for tests of Mesos master detection. Killed and cleaned up by `stop()`.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const JARS = ['/usr/share/java/zookeeper.jar', '/usr/share/java/zookeeper-jute.jar', '/usr/share/java/slf4j-api.jar', '/usr/share/java/slf4j-nop.jar'];

export interface ZooKeeperProcess {
  port: number;
  connectString: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** ZooKeeper answers the `srvr` four-letter word once it serves clients. */
function probe(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let data = '';
    sock.setTimeout(1000);
    sock.on('connect', () => sock.write('srvr'));
    sock.on('data', (d) => (data += d.toString()));
    sock.on('close', () => resolve(data.includes('Mode:')));
    sock.on('error', () => resolve(false));
    sock.on('timeout', () => sock.destroy());
  });
}

export async function startZooKeeper(): Promise<ZooKeeperProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-zk-'));
  const port = await freePort();
  const cfg = path.join(dir, 'zoo.cfg');
  fs.writeFileSync(
    cfg,
    [
      'tickTime=500',
      'minSessionTimeout=1000',
      `dataDir=${path.join(dir, 'data')}`,
      `clientPort=${port}`,
      'clientPortAddress=127.0.0.1',
      'admin.enableServer=false',
      '4lw.commands.whitelist=srvr',
      '',
    ].join('\n'),
  );
  const classpath = JARS.filter((j) => fs.existsSync(j)).join(':');
  const child: ChildProcess = spawn('java', ['-Xmx128m', '-cp', classpath, 'org.apache.zookeeper.server.ZooKeeperServerMain', cfg], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    if (await probe(port)) return { port, connectString: `127.0.0.1:${port}`, stop };
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error(`ZooKeeper did not start on port ${port}: ${stderr}`);
}

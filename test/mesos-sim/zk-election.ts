/**
 * Master leader election through ZooKeeper, as Mesos masters do it: each master owns an ephemeral
 * sequential znode `<path>/json.info_NNNNNNNNNN` holding its MasterInfo as JSON; the lowest sequence
 * number leads. Closing a master's ZooKeeper session removes its znode and hands leadership on.
 */
import zookeeper from 'node-zookeeper-client';
import type { Client } from 'node-zookeeper-client';
import type { SimCluster } from './cluster';
import type { SimMaster } from './master';

function connect(connectString: string): Promise<Client> {
  const client = zookeeper.createClient(connectString, { sessionTimeout: 4000, retries: 3 });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cannot connect to ZooKeeper at ${connectString}`)), 10_000);
    client.once('connected', () => {
      clearTimeout(timer);
      resolve(client);
    });
    client.connect();
  });
}

function mkdirp(client: Client, path: string): Promise<void> {
  return new Promise((resolve, reject) => client.mkdirp(path, (err) => (err ? reject(err) : resolve())));
}

export class ZkElection {
  private sessions = new Map<string, Client>();
  private znodes = new Map<string, string>(); // znode name → master id
  private watcher: Client | null = null;
  private stopped = false;

  constructor(
    private readonly connectString: string,
    private readonly path: string,
    private readonly cluster: SimCluster,
  ) {}

  async start(): Promise<void> {
    this.watcher = await connect(this.connectString);
    await mkdirp(this.watcher, this.path);
    this.watch();
  }

  /** The master enters the election with its own ZooKeeper session. */
  async join(master: SimMaster): Promise<string> {
    const client = await connect(this.connectString);
    await mkdirp(client, this.path);
    const created = await new Promise<string>((resolve, reject) =>
      client.create(
        `${this.path}/json.info_`,
        Buffer.from(JSON.stringify(master.info())),
        zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL,
        (err, p) => (err ? reject(err) : resolve(p)),
      ),
    );
    this.sessions.set(master.id, client);
    this.znodes.set(created.slice(created.lastIndexOf('/') + 1), master.id);
    this.watch();
    return created;
  }

  /** The master's session ends (crash or abdication); ZooKeeper deletes its znode. */
  leave(master: SimMaster): void {
    const client = this.sessions.get(master.id);
    this.sessions.delete(master.id);
    client?.close();
  }

  private watch(): void {
    const w = this.watcher;
    if (!w || this.stopped) return;
    w.getChildren(
      this.path,
      () => this.watch(),
      (err, children) => {
        if (err || this.stopped) return;
        const candidates = children.filter((c) => c.startsWith('json.info_')).sort();
        const leaderZnode = candidates.find((c) => this.znodes.has(c));
        this.cluster.setLeader(leaderZnode ? (this.znodes.get(leaderZnode) ?? null) : null);
      },
    );
  }

  stop(): void {
    this.stopped = true;
    for (const c of this.sessions.values()) c.close();
    this.sessions.clear();
    this.watcher?.close();
    this.watcher = null;
  }
}

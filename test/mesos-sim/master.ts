/**
 * One simulated Mesos master: a real HTTP server answering `POST /api/v1/scheduler` (and its
 * `/master/...` alias) the way the v1 scheduler API does. Several masters share one SimCluster;
 * only the leader serves calls, the others answer 307 with the leader's address.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { MasterInfo } from '../../src/scheduler/mesos/types';
import type { SimCluster, SimFramework, StreamSink } from './cluster';
import { validateCall } from './call-validator';

const SCHEDULER_PATHS = new Set(['/api/v1/scheduler', '/master/api/v1/scheduler']);

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function idOf(v: unknown): string | undefined {
  return isRecord(v) && typeof v.value === 'string' ? v.value : undefined;
}

export class SimMaster {
  readonly id: string;
  private server: http.Server;
  private streams = new Set<http.ServerResponse>();
  port = 0;

  constructor(
    private readonly cluster: SimCluster,
    private readonly masters: () => SimMaster[],
    id?: string,
  ) {
    this.id = id ?? `master-${randomUUID().slice(0, 8)}`;
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  info(): MasterInfo {
    return {
      id: this.id,
      // Packed IPv4 in network byte order as Mesos stores it; read little-endian on x86 (127.0.0.1 → 16777343).
      ip: Buffer.from([127, 0, 0, 1]).readUInt32LE(0),
      port: this.port,
      pid: `master@127.0.0.1:${this.port}`,
      hostname: '127.0.0.1',
      version: '1.11.0',
      address: { hostname: '127.0.0.1', ip: '127.0.0.1', port: this.port },
    };
  }

  async stop(): Promise<void> {
    for (const s of this.streams) s.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private leader(): SimMaster | undefined {
    return this.masters().find((m) => m.id === this.cluster.leaderId);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && (url.pathname === '/master/state.json' || url.pathname === '/state.json' || url.pathname === '/master/state')) {
      this.state(res);
      return;
    }
    if (!SCHEDULER_PATHS.has(url.pathname)) return this.reply(res, 404, 'Not found');
    if (req.method !== 'POST') return this.reply(res, 405, 'Expecting a POST request');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => this.onCall(req, res, url.pathname, Buffer.concat(chunks).toString('utf8')));
  }

  private reply(res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
    res.end(text);
  }

  private record(type: string, body: unknown, status: number): void {
    this.cluster.calls.push({ masterId: this.id, type, body, status });
  }

  private onCall(req: http.IncomingMessage, res: http.ServerResponse, path: string, raw: string): void {
    if (this.cluster.leaderId !== this.id) {
      const leader = this.leader();
      this.record('(not leader)', raw, leader ? 307 : 503);
      if (!leader) return this.reply(res, 503, 'No leader elected');
      return this.reply(res, 307, '', { Location: `//${leader.address}${path}` });
    }
    const ctype = (req.headers['content-type'] ?? '').split(';')[0].trim();
    if (ctype !== 'application/json') return this.reply(res, 415, `Expecting 'Content-Type' of application/json or application/x-protobuf`);
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch (e) {
      this.record('(bad json)', raw, 400);
      this.cluster.violations.push({ callType: '(bad json)', errors: [String(e)], body: raw });
      return this.reply(res, 400, `Failed to parse body into JSON: ${String(e)}`);
    }
    const type = isRecord(body) && typeof body.type === 'string' ? body.type : '(none)';
    const errors = validateCall(body);
    if (errors.length > 0) {
      this.record(type, body, 400);
      this.cluster.violations.push({ callType: type, errors, body });
      return this.reply(res, 400, `Failed to validate scheduler::Call: ${errors.join('; ')}`);
    }
    const call = body as Json;
    if (type === 'SUBSCRIBE') return this.subscribe(req, res, call);

    const streamId = req.headers['mesos-stream-id'];
    const fw = this.cluster.frameworks.get(idOf(call.framework_id) ?? '');
    if (!fw || !fw.stream) {
      this.record(type, body, 403);
      return this.reply(res, 403, 'Framework is not subscribed');
    }
    if (typeof streamId !== 'string') {
      this.record(type, body, 400);
      this.cluster.violations.push({ callType: type, errors: ['missing Mesos-Stream-Id header'], body });
      return this.reply(res, 400, "All non-subscribe calls should include the 'Mesos-Stream-Id' header");
    }
    if (streamId !== fw.stream.streamId) {
      // A stale stream id is the normal race after a failover, not a malformed call: 400, not a violation.
      this.record(type, body, 400);
      return this.reply(res, 400, `The stream ID '${streamId}' included in this request didn't match the stream ID currently associated with framework ID ${fw.id}`);
    }
    this.record(type, body, 202);
    res.writeHead(202);
    res.end();
    this.dispatch(fw, type, call);
  }

  private subscribe(req: http.IncomingMessage, res: http.ServerResponse, call: Json): void {
    const accept = req.headers.accept ?? 'application/json';
    if (!/application\/json|\*\/\*/.test(accept)) return this.reply(res, 406, 'Expecting Accept of application/json');
    if (req.headers['mesos-stream-id'] !== undefined) {
      this.record('SUBSCRIBE', call, 400);
      this.cluster.violations.push({ callType: 'SUBSCRIBE', errors: ['SUBSCRIBE must not carry Mesos-Stream-Id'], body: call });
      return this.reply(res, 400, 'Subscribe calls should not include the \'Mesos-Stream-Id\' header');
    }
    const info = (call.subscribe as Json).framework_info as Parameters<SimCluster['subscribe']>[0];
    const streamId = randomUUID();
    res.writeHead(200, { 'Content-Type': 'application/json', 'Mesos-Stream-Id': streamId });
    res.flushHeaders();
    this.streams.add(res);
    const sink: StreamSink = {
      streamId,
      masterId: this.id,
      write: (bytes) => {
        if (!res.writableEnded && !res.destroyed) res.write(bytes);
      },
      close: () => {
        this.streams.delete(res);
        res.destroy();
      },
    };
    res.on('close', () => {
      this.streams.delete(res);
      this.cluster.streamClosed(streamId);
    });
    const result = this.cluster.subscribe(info, sink);
    this.record('SUBSCRIBE', call, 200);
    if (typeof result === 'string') {
      const err = JSON.stringify({ type: 'ERROR', error: { message: result } });
      res.end(`${Buffer.byteLength(err)}\n${err}`);
    }
  }

  private dispatch(fw: SimFramework, type: string, call: Json): void {
    const c = this.cluster;
    const payload = (isRecord(call[type.toLowerCase()]) ? call[type.toLowerCase()] : {}) as Json;
    const ids = (v: unknown): string[] => (Array.isArray(v) ? v.map(idOf).filter((x): x is string => !!x) : []);
    const refuse = (f: unknown): number | undefined => (isRecord(f) && typeof f.refuse_seconds === 'number' ? f.refuse_seconds : undefined);
    switch (type) {
      case 'ACCEPT': {
        const ops = Array.isArray(payload.operations) ? (payload.operations as Json[]) : [];
        const launches = ops.flatMap((op) => (op.type === 'LAUNCH' && isRecord(op.launch) && Array.isArray(op.launch.task_infos) ? op.launch.task_infos : []));
        c.accept(fw, ids(payload.offer_ids), launches, refuse(payload.filters));
        break;
      }
      case 'DECLINE':
        c.decline(fw, ids(payload.offer_ids), refuse(payload.filters));
        break;
      case 'REVIVE':
        c.revive(fw);
        break;
      case 'SUPPRESS':
        c.suppress(fw);
        break;
      case 'KILL':
        c.kill(fw, idOf(payload.task_id) ?? '');
        break;
      case 'ACKNOWLEDGE':
        c.acknowledge(fw, idOf(payload.task_id) ?? '', String(payload.uuid));
        break;
      case 'RECONCILE': {
        const tasks = Array.isArray(payload.tasks) ? (payload.tasks as Json[]).map((t) => ({ taskId: idOf(t.task_id) ?? '' })) : [];
        c.reconcile(fw, tasks);
        break;
      }
      case 'TEARDOWN':
        c.teardown(fw);
        break;
      default:
        // SHUTDOWN, MESSAGE, REQUEST: no custom executors run in the simulator; accepted and recorded.
        break;
    }
  }

  private state(res: http.ServerResponse): void {
    const leader = this.leader();
    const body = {
      id: this.id,
      pid: `master@${this.address}`,
      hostname: '127.0.0.1',
      leader: leader ? `master@${leader.address}` : undefined,
      cluster: 'km-sim',
      slaves: [...this.cluster.agents.values()]
        .filter((a) => a.active)
        .map((a) => ({
          id: a.id,
          hostname: a.hostname,
          pid: `slave(1)@${a.ip}:5051`,
          active: a.active,
          resources: { cpus: a.total.cpus, mem: a.total.mem, disk: 0, ports: `[${a.total.ports.map((p) => `${p.begin}-${p.end}`).join(', ')}]` },
          attributes: Object.fromEntries(a.attributes.map((x) => [x.name, x.text?.value ?? x.scalar?.value ?? ''])),
        })),
    };
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

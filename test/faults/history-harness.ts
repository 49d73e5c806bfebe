/**
 * A history-keeping writer and a raw watch client, for checking watch streams and list snapshots
 * exactly: one writer (creates, updates with resourceVersion, deletes of configmaps, and secret
 * creates) records every acknowledged write with its resourceVersion, in order, which is the
 * ground truth the events a watcher received are compared with.
 */
import http from 'node:http';
import { call, onWatchLines, sleep, type Answer } from './fault-harness';

export interface Write {
  resource: 'configmaps' | 'secrets';
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  name: string;
  rv: number;
  data: Record<string, string> | undefined;
}

export const rvOf = (a: Answer): number => Number((a.json?.metadata as { resourceVersion?: string } | undefined)?.resourceVersion);

/** One writer; every acknowledged write is appended to `history`, in resourceVersion order. */
export class Writer {
  readonly history: Write[] = [];
  readonly failures: string[] = [];
  private readonly live = new Map<string, number>();
  private stopped = false;
  private running: Promise<void> | undefined;
  private n = 0;

  private readonly cm: string;
  private readonly secrets: string;

  /** Writes under namespace `ns` of the server at `base`, pausing `pauseMs` between writes. */
  constructor(
    private readonly base: string,
    ns: string,
    private readonly pauseMs = 5,
  ) {
    this.cm = `/api/v1/namespaces/${ns}/configmaps`;
    this.secrets = `/api/v1/namespaces/${ns}/secrets`;
  }

  start(): void {
    this.running = (async () => {
      while (!this.stopped) {
        await this.step();
        await sleep(this.pauseMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  /** The resourceVersion of the newest acknowledged write. */
  get head(): number {
    return Math.floor(this.history.at(-1)?.rv ?? 0);
  }

  async step(): Promise<void> {
    const i = this.n++;
    const names = [...this.live.keys()];
    if (i % 4 === 3) {
      await this.write('secrets', 'ADDED', `s-${i}`, () => this.call('POST', this.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: `s-${i}` }, data: { k: Buffer.from(String(i)).toString('base64') } }), { k: Buffer.from(String(i)).toString('base64') });
    } else if (names.length > 8 && i % 7 === 0) {
      const name = names[i % names.length]!;
      await this.write('configmaps', 'DELETED', name, () => this.call('DELETE', `${this.cm}/${name}`), undefined);
    } else if (names.length > 4 && i % 3 === 0) {
      const name = names[(i * 7) % names.length]!;
      const data = { v: String(i) };
      await this.write('configmaps', 'MODIFIED', name, () =>
        this.call('PUT', `${this.cm}/${name}`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, resourceVersion: String(this.live.get(name)) }, data }), data);
    } else {
      const name = `c-${i}`;
      const data = { v: String(i) };
      await this.write('configmaps', 'ADDED', name, () => this.call('POST', this.cm, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data }), data);
    }
  }

  /** Longer than the server's 5 s storage deadline, so its 504 arrives before the client gives up. */
  private call(method: string, path: string, body?: unknown): Promise<Answer> {
    return call(this.base, method, path, body, 10_000);
  }

  private async write(resource: Write['resource'], type: Write['type'], name: string, send: () => Promise<Answer>, data: Write['data']): Promise<void> {
    let r: Answer;
    try {
      r = await send();
    } catch (err) {
      this.failures.push(`${type} ${name}: no answer (${String(err)})`);
      return;
    }
    if (r.status !== 200 && r.status !== 201) {
      this.failures.push(`${type} ${name}: ${r.status} ${r.body.slice(0, 200)}`);
      return;
    }
    // kube answers a configmap DELETE with a Success Status, which carries no resourceVersion. The
    // writer is the only one, so the delete's revision lies between the previous write's and the
    // next one's: head + 0.5 sorts it there (watch sequences compare deletes by name).
    const rv = type === 'DELETED' ? this.head + 0.5 : rvOf(r);
    this.history.push({ resource, type, name, rv, data });
    if (resource === 'configmaps') {
      if (type === 'DELETED') this.live.delete(name);
      else this.live.set(name, rv);
    }
  }
}

/** What the history says a resource looked like at revision `rv`: name -> [resourceVersion, data]. */
export function stateAt(history: Write[], resource: Write['resource'], rv: number): Map<string, [number, unknown]> {
  const state = new Map<string, [number, unknown]>();
  for (const w of history) {
    if (w.rv > rv) break;
    if (w.resource !== resource) continue;
    if (w.type === 'DELETED') state.delete(w.name);
    else state.set(w.name, [w.rv, w.data]);
  }
  return state;
}

export const eventKey = (type: string, name: string, rv: number): string => (type === 'DELETED' ? `${type}/${name}` : `${type}/${name}/${rv}`);

export const expectedAfter = (history: Write[], resource: Write['resource'], rv: number): string[] =>
  history.filter((w) => w.resource === resource && w.rv > rv).map((w) => eventKey(w.type, w.name, w.rv));

/** A raw watch stream: what the client sees, line by line. */
export class RawWatch {
  status = 0;
  readonly events: Array<{ type: string; name: string; rv: number; code?: number; reason?: string }> = [];
  ended = false;
  private readonly req: http.ClientRequest;

  constructor(
    base: string,
    path: string,
    /** The resourceVersion the watch starts from (it gets the changes after it). */
    readonly from: number,
  ) {
    this.req = http.get(`${base}${path}?watch=1&resourceVersion=${from}`, { agent: false }, (res) => {
      this.status = res.statusCode ?? 0;
      onWatchLines(res, (ev: { type: string; object: { metadata?: { name?: string; resourceVersion?: string }; code?: number; reason?: string } }) => {
        this.events.push({
          type: ev.type,
          name: ev.object.metadata?.name ?? '',
          rv: Number(ev.object.metadata?.resourceVersion ?? 0),
          ...(ev.type === 'ERROR' ? { code: ev.object.code, reason: ev.object.reason } : {}),
        });
      });
      res.on('end', () => (this.ended = true));
      res.on('error', () => (this.ended = true));
    });
    this.req.on('error', () => (this.ended = true));
  }

  get sequence(): string[] {
    return this.events.filter((e) => e.type !== 'BOOKMARK').map((e) => eventKey(e.type, e.name, e.rv));
  }

  /** Events whose resourceVersion does not increase (a repeat or a reordering). */
  get outOfOrder(): string[] {
    const bad: string[] = [];
    let prev = this.from;
    for (const e of this.events) {
      if (e.type === 'BOOKMARK' || e.type === 'ERROR') continue;
      if (!(e.rv > prev)) bad.push(`${e.type} ${e.name} ${e.rv} after ${prev}`);
      prev = Math.max(prev, e.rv);
    }
    return bad;
  }

  get lastRv(): number {
    return this.events.reduce((m, e) => Math.max(m, e.rv), 0);
  }

  close(): void {
    this.req.destroy();
  }
}

/**
 * MesosSchedulerClient: one framework's connection to the leading Mesos master over the v1 HTTP
 * scheduler API. It keeps a SUBSCRIBE stream open (RecordIO-framed JSON events), re-subscribes with
 * the same framework id whenever the stream ends, heartbeats stop, an ERROR arrives, a bad frame is
 * read or the detected leader changes, follows 307 redirects to the leader, and sends every other
 * call on its own connection with `Mesos-Stream-Id`. Bad input is logged and survived, never thrown.
 */
import http from 'node:http';
import type { FrameworkInfo, SchedulerCall, SchedulerEvent } from './types';
import { RecordIODecoder, RecordIOError } from './recordio';
import { parseEvent } from './events';
import type { MasterDetector } from './master-detector';
import { detectorFor } from './master-detector';
import type { Logger } from './logger';
import { defaultLogger } from './logger';

export interface SchedulerHandlers {
  /** Every well-formed event, SUBSCRIBED included, in stream order. */
  event(event: SchedulerEvent): void;
  /** The stream is gone (offers are void); the client is already reconnecting. */
  disconnected(reason: string): void;
}

export interface MesosClientOptions {
  /** `host:port`, `master@host:port`, or `zk://h1:2181,h2:2181/mesos`. */
  master: string | MasterDetector;
  frameworkInfo: Omit<FrameworkInfo, 'id'>;
  frameworkId?: string;
  handlers: SchedulerHandlers;
  logger?: Logger;
  /** Reconnect when no event arrived for this many heartbeat intervals (Mesos guidance: 5). */
  missedHeartbeats?: number;
  /** Heartbeat interval assumed until SUBSCRIBED says otherwise. */
  defaultHeartbeatSeconds?: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  callTimeoutMs?: number;
  maxRedirects?: number;
}

export interface CallResult {
  ok: boolean;
  status: number;
  body: string;
}

interface Connection {
  address: string;
  streamId: string;
  req: http.ClientRequest;
}

const SCHEDULER_PATH = '/api/v1/scheduler';

export class MesosSchedulerClient {
  private readonly detector: MasterDetector;
  private readonly log: Logger;
  private frameworkIdValue: string | undefined;
  private conn: Connection | null = null;
  private pendingReq: http.ClientRequest | null = null;
  private stopped = true;
  private wake: (() => void) | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private heartbeatSeconds: number;
  private loop: Promise<void> | null = null;
  /** Subscriptions established so far (observability and tests). */
  subscriptions = 0;

  constructor(private readonly opts: MesosClientOptions) {
    this.log = opts.logger ?? defaultLogger;
    this.detector = typeof opts.master === 'string' ? detectorFor(opts.master, this.log) : opts.master;
    this.frameworkIdValue = opts.frameworkId;
    this.heartbeatSeconds = opts.defaultHeartbeatSeconds ?? 15;
  }

  get frameworkId(): string | undefined {
    return this.frameworkIdValue;
  }

  /** Forget the framework id (after the master said the framework was removed): next SUBSCRIBE registers anew. */
  resetFrameworkId(): void {
    this.frameworkIdValue = undefined;
  }

  get connected(): boolean {
    return this.conn !== null;
  }

  get masterAddress(): string | null {
    return this.conn?.address ?? null;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.detector.start((leader) => this.onLeader(leader));
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.detector.stop();
    this.dropStream('client stopped');
    this.pendingReq?.destroy();
    this.wake?.();
    await this.loop;
  }

  /** Sends a call to the master holding our stream. Failures are logged and reported, not thrown. */
  async call(call: SchedulerCall): Promise<CallResult> {
    const conn = this.conn;
    if (!conn || !this.frameworkIdValue) return { ok: false, status: 0, body: 'not subscribed' };
    const body = JSON.stringify({ framework_id: { value: this.frameworkIdValue }, ...call });
    const res = await this.post(conn.address, body, { 'Mesos-Stream-Id': conn.streamId });
    if (res.status !== 202) {
      this.log.warn('Mesos master refused call', { call: call.type, status: res.status, body: res.body.slice(0, 300) });
    }
    return { ok: res.status === 202, status: res.status, body: res.body };
  }

  private onLeader(leader: string | null): void {
    if (this.conn && leader && this.conn.address !== leader) {
      this.log.info('leading master changed; re-subscribing', { from: this.conn.address, to: leader });
      this.dropStream('leader changed');
    }
    this.wake?.();
  }

  private async run(): Promise<void> {
    const min = this.opts.backoffMinMs ?? 250;
    const max = this.opts.backoffMaxMs ?? 15_000;
    let backoff = min;
    while (!this.stopped) {
      const leader = this.detector.current();
      if (leader) {
        const subscribed = await this.subscribeOnce(leader);
        if (subscribed) backoff = min;
      }
      if (this.stopped) break;
      await this.sleep(leader ? backoff : max);
      backoff = Math.min(backoff * 2, max);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }

  /** One subscription attempt; resolves when the stream is over. True if SUBSCRIBED was received. */
  private subscribeOnce(initialAddress: string): Promise<boolean> {
    const info: FrameworkInfo = { ...this.opts.frameworkInfo };
    const call: Record<string, unknown> = { type: 'SUBSCRIBE', subscribe: { framework_info: info } };
    if (this.frameworkIdValue) {
      info.id = { value: this.frameworkIdValue };
      call.framework_id = { value: this.frameworkIdValue };
    }
    const body = JSON.stringify(call);
    return new Promise<boolean>((resolve) => {
      let subscribed = false;
      let done = false;
      const finish = (reason: string): void => {
        if (done) return;
        done = true;
        this.pendingReq = null;
        const wasConnected = this.conn !== null;
        this.conn = null;
        this.clearHeartbeat();
        if (wasConnected) {
          this.log.warn('Mesos event stream closed', { reason });
          this.opts.handlers.disconnected(reason);
        }
        resolve(subscribed);
      };
      const attempt = (address: string, hops: number): void => {
        const [host, port] = splitHostPort(address);
        const req = http.request({
          host,
          port,
          path: SCHEDULER_PATH,
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Content-Length': Buffer.byteLength(body) },
        });
        this.pendingReq = req;
        req.on('error', (err) => {
          if (!done) this.log.warn('SUBSCRIBE connection failed', { master: address, error: err.message });
          finish(`connection error: ${err.message}`);
        });
        req.on('response', (res) => {
          if (res.statusCode === 307) {
            res.resume();
            const target = redirectTarget(res.headers.location, address);
            if (!target || hops >= (this.opts.maxRedirects ?? 5)) {
              this.log.error('bad or endless redirect from Mesos master', { master: address, location: res.headers.location });
              finish('bad redirect');
              return;
            }
            this.log.info('following redirect to leading master', { from: address, to: target });
            attempt(target, hops + 1);
            return;
          }
          if (res.statusCode !== 200) {
            let text = '';
            res.on('data', (d: Buffer) => (text += d.toString('utf8')));
            res.on('end', () => {
              this.log.warn('SUBSCRIBE refused', { master: address, status: res.statusCode, body: text.slice(0, 300) });
              finish(`subscribe refused with ${res.statusCode}`);
            });
            res.on('error', () => finish('subscribe response error'));
            return;
          }
          const streamId = res.headers['mesos-stream-id'];
          if (typeof streamId !== 'string' || streamId.length === 0) {
            this.log.error('SUBSCRIBE answer has no Mesos-Stream-Id header', { master: address });
            req.destroy();
            finish('missing Mesos-Stream-Id');
            return;
          }
          this.conn = { address, streamId, req };
          this.armHeartbeat();
          const decoder = new RecordIODecoder();
          res.on('data', (chunk: Buffer) => {
            if (done) return;
            let records: Buffer[];
            try {
              records = decoder.push(chunk);
            } catch (e) {
              const received = e instanceof RecordIOError ? e.received : '';
              this.log.error('bad RecordIO frame from Mesos master; reconnecting', { master: address, error: String(e), received });
              req.destroy();
              finish('bad RecordIO frame');
              return;
            }
            for (const record of records) {
              if (done) return;
              this.armHeartbeat();
              const parsed = parseEvent(record);
              if (!parsed.ok) {
                if (parsed.kind === 'not-json') {
                  // The frame boundary held but its content is garbage: our view of the stream is suspect.
                  this.log.error('undecodable event from Mesos master; reconnecting', { detail: parsed.detail, received: parsed.received });
                  req.destroy();
                  finish('undecodable event');
                  return;
                }
                this.log.warn('ignoring event from Mesos master', { kind: parsed.kind, detail: parsed.detail, received: parsed.received });
                continue;
              }
              const ev = parsed.event;
              if (!subscribed && ev.type !== 'SUBSCRIBED') {
                // A master always opens the stream with SUBSCRIBED; anything else means we lost its start.
                this.log.error('event before SUBSCRIBED; re-subscribing', { type: ev.type, received: record.toString('utf8').slice(0, 200) });
                req.destroy();
                finish('event before SUBSCRIBED');
                return;
              }
              if (ev.type === 'SUBSCRIBED') {
                subscribed = true;
                this.subscriptions++;
                this.frameworkIdValue = ev.subscribed.framework_id.value;
                const hb = ev.subscribed.heartbeat_interval_seconds;
                if (typeof hb === 'number' && hb > 0) this.heartbeatSeconds = hb;
                this.armHeartbeat();
                this.log.info('subscribed to Mesos master', { master: address, frameworkId: this.frameworkIdValue });
              }
              try {
                this.opts.handlers.event(ev);
              } catch (e) {
                this.log.error('scheduler failed handling a Mesos event', { type: ev.type, error: String(e) });
              }
              if (ev.type === 'ERROR') {
                this.log.error('Mesos master sent ERROR; re-subscribing', { message: ev.error.message });
                req.destroy();
                finish(`ERROR: ${ev.error.message}`);
                return;
              }
            }
          });
          res.on('end', () => {
            if (decoder.pending > 0) this.log.error('event stream ended inside a RecordIO frame', { master: address, pendingBytes: decoder.pending });
            finish('stream ended');
          });
          res.on('close', () => finish('stream closed'));
          res.on('error', (err) => finish(`stream error: ${err.message}`));
        });
        req.end(body);
      };
      attempt(initialAddress, 0);
    });
  }

  private armHeartbeat(): void {
    this.clearHeartbeat();
    const factor = this.opts.missedHeartbeats ?? 5;
    this.heartbeatTimer = setTimeout(() => {
      this.log.warn('no heartbeat from Mesos master; reconnecting', { seconds: this.heartbeatSeconds * factor });
      this.dropStream('heartbeat timeout');
    }, this.heartbeatSeconds * factor * 1000);
  }

  private clearHeartbeat(): void {
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private dropStream(reason: string): void {
    const conn = this.conn;
    if (!conn) return;
    this.log.debug('dropping Mesos event stream', { reason });
    conn.req.destroy(new Error(reason));
  }

  private post(address: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
    const [host, port] = splitHostPort(address);
    return new Promise((resolve) => {
      const req = http.request({
        host,
        port,
        path: SCHEDULER_PATH,
        method: 'POST',
        timeout: this.opts.callTimeoutMs ?? 75_000,
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Content-Length': Buffer.byteLength(body), ...headers },
      });
      req.on('timeout', () => req.destroy(new Error('call timed out')));
      req.on('error', (err) => resolve({ status: 0, body: err.message }));
      req.on('response', (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', (err) => resolve({ status: 0, body: err.message }));
      });
      req.end(body);
    });
  }
}

function splitHostPort(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i).replace(/^\[|\]$/g, ''), Number(address.slice(i + 1))];
}

/** Location is protocol-relative (`//host:port/path`) in Mesos; absolute URLs are accepted too. */
export function redirectTarget(location: string | undefined, current: string): string | null {
  if (!location) return null;
  try {
    const url = new URL(location, `http://${current}`);
    if (!url.port) return `${url.hostname}:${url.protocol === 'https:' ? 443 : 80}`;
    return `${url.hostname}:${url.port}`;
  } catch {
    return null;
  }
}

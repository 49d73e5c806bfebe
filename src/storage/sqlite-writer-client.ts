/**
 * The main-thread end of SqliteStorage's writer worker (sqlite-writer.ts): starts the worker,
 * matches its answers to requests (it answers in order), and keeps the process alive only while a
 * request is outstanding, so an idle store does not hold the process open.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FromWriter, ToWriter, WriterInit } from './sqlite-writer-protocol';

interface Outstanding {
  resolve: (msg: FromWriter) => void;
  reject: (err: Error) => void;
}

/**
 * The worker's garbage is per-batch and short-lived: a small young generation keeps its heap (and the
 * process's RSS) from growing to V8's default; measured, it does not slow the writer.
 */
const LIMITS = { maxYoungGenerationSizeMb: 2 };

/** The worker module next to this one: .js when built, .ts when run from source (tests, tsx). */
function startWorker(init: WriterInit): Worker {
  const ext = path.extname(__filename);
  const entry = path.join(__dirname, `sqlite-writer${ext}`);
  if (ext === '.ts') {
    // From source the worker needs a TypeScript loader; tsx's require hook is what the tests use.
    const loader = require.resolve('tsx/cjs');
    return new Worker(`require(${JSON.stringify(loader)}); require(${JSON.stringify(entry)});`, { eval: true, workerData: init, resourceLimits: LIMITS });
  }
  return new Worker(entry, { workerData: init, resourceLimits: LIMITS });
}

export class SqliteWriterClient {
  private readonly worker: Worker;
  private readonly outstanding = new Map<number, Outstanding>();
  private nextId = 1;
  private exited: Error | undefined;
  private closing = false;
  private readonly exitPromise: Promise<void>;

  /** `onExit` is called once if the worker ends while it was expected to run (crash or error). */
  constructor(init: WriterInit, onExit: (err: Error) => void) {
    this.worker = startWorker(init);
    this.worker.unref();
    this.worker.on('message', (msg: FromWriter) => {
      const o = this.outstanding.get(msg.id);
      if (o === undefined) return;
      this.outstanding.delete(msg.id);
      // While closing, the worker stays referenced until it has exited (see close()).
      if (this.outstanding.size === 0 && !this.closing) this.worker.unref();
      o.resolve(msg);
    });
    let workerError: Error | undefined;
    this.worker.on('error', (err) => {
      workerError = err;
    });
    this.exitPromise = new Promise((resolve) => {
      this.worker.on('exit', (code) => {
        const err = workerError ?? new Error(`sqlite writer exited with code ${code}`);
        const expected = this.closing;
        this.exited ??= err;
        for (const o of this.outstanding.values()) o.reject(err);
        this.outstanding.clear();
        if (!expected) onExit(err);
        resolve();
      });
    });
  }

  /** Sends one request; resolves with the worker's answer, rejects if the worker is gone. */
  request(msg: ToWriter, transfer: ArrayBuffer[] = []): Promise<FromWriter> {
    if (this.exited !== undefined) return Promise.reject(this.exited);
    return new Promise<FromWriter>((resolve, reject) => {
      if (this.outstanding.size === 0) this.worker.ref();
      this.outstanding.set(msg.id, { resolve, reject });
      this.worker.postMessage(msg, transfer);
    });
  }

  newId(): number {
    return this.nextId++;
  }

  /**
   * Asks the worker to close its connection (after everything sent before) and waits for its thread
   * to end by itself. It is never terminated here: terminate() stops a thread wherever it is, and
   * racing the worker's own exit (it exits right after answering) is not a safe shutdown for a
   * thread holding a native database connection.
   */
  async close(): Promise<void> {
    if (this.exited === undefined && !this.closing) {
      this.closing = true;
      // Referenced until it has exited, so `await close()` cannot be cut short by the process
      // running out of other work while the worker is still closing its connection.
      this.worker.ref();
      const closed = this.request({ t: 'close', id: this.newId() });
      this.exited = new Error('sqlite writer closed');
      try {
        await closed;
      } catch {
        // The worker is gone already; its exit has been (or is being) reported.
      }
    }
    await this.exitPromise;
  }
}

/**
 * Force a full GC in another Node process through its inspector (started with --inspect), so an
 * RSS reading is of live data, not of garbage V8 has not yet collected (benchmarks.md P14:
 * "server RSS after GC").
 */
import WebSocket from 'ws';
import { rssBytes } from './proc';

export interface AfterGc {
  /** V8 heap in use, bytes. */
  heap: number | undefined;
  /** Bytes of ArrayBuffers (Buffers): outside the V8 heap, in the C heap or their own mappings. */
  arrayBuffers: number | undefined;
}

type Result = { usedSize?: number; result?: { value?: unknown } } | undefined;

/** The main thread's V8 heap and ArrayBuffer bytes after the GC, or undefined when the inspector is unavailable. */
export async function collectGarbage(inspectPort: number, timeoutMs = 20_000): Promise<AfterGc | undefined> {
  try {
    const list = (await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`, { signal: AbortSignal.timeout(5000) })).json()) as Array<{
      webSocketDebuggerUrl?: string;
    }>;
    const url = list[0]?.webSocketDebuggerUrl;
    if (!url) return undefined;
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    // HeapProfiler.collectGarbage answers once its collection ran (V8 runs it as a task of its own),
    // so each request waits for the previous answer: sent together, getHeapUsage can be answered
    // before either collection and reports the garbage too.
    const answers = new Map<number, (result: Result) => void>();
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString()) as { id?: number; result?: Result };
      if (msg.id !== undefined) answers.get(msg.id)?.(msg.result);
    });
    const call = (id: number, method: string, params?: object): Promise<Result> =>
      new Promise((resolve) => {
        answers.set(id, resolve);
        ws.send(JSON.stringify({ id, method, params }));
      });
    const done = (async () => {
      // Twice, as V8 may need a second pass for weak references and finalizers.
      await call(1, 'HeapProfiler.collectGarbage');
      await call(2, 'HeapProfiler.collectGarbage');
      const heap = (await call(3, 'Runtime.getHeapUsage'))?.usedSize;
      const ab = (await call(4, 'Runtime.evaluate', { expression: 'process.memoryUsage().arrayBuffers', returnByValue: true }))?.result?.value;
      return { heap, arrayBuffers: typeof ab === 'number' ? ab : undefined };
    })();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
    const ok = await Promise.race([done, timeout]);
    clearTimeout(timer);
    ws.close();
    return ok;
  } catch {
    return undefined;
  }
}

/**
 * Settle after the forced GC for longer than km's memory returner may wait before it gives the freed
 * C heap back (src/util/return-freed-memory.ts: at most one trim per 5 s, after a major GC).
 */
const SETTLE_AFTER_GC_MS = 6000;

/** RSS (from /proc), V8 heap in use and ArrayBuffer bytes after a forced full GC through the inspector and a settle. */
export async function settledRss(s: { km: { proc: { pid?: number } }; inspectPort: number }): Promise<{ rss: number } & AfterGc> {
  await new Promise((r) => setTimeout(r, 1000));
  const after = await collectGarbage(s.inspectPort);
  await new Promise((r) => setTimeout(r, SETTLE_AFTER_GC_MS));
  return { rss: rssBytes(s.km.proc.pid), heap: after?.heap, arrayBuffers: after?.arrayBuffers };
}

/**
 * Force a full GC in another Node process through its inspector (started with --inspect), so an
 * RSS reading is of live data, not of garbage V8 has not yet collected (benchmarks.md P14:
 * "server RSS after GC").
 */
import WebSocket from 'ws';
import { rssBytes } from './proc';

/** Resolves the V8 heap in use after the GC (bytes), or undefined when the inspector is unavailable. */
export async function collectGarbage(inspectPort: number, timeoutMs = 20_000): Promise<number | undefined> {
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
    const done = new Promise<number | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      ws.on('message', (data: Buffer) => {
        const msg = JSON.parse(data.toString()) as { id?: number; result?: { usedSize?: number } };
        if (msg.id === 3) {
          clearTimeout(timer);
          resolve(msg.result?.usedSize);
        }
      });
    });
    // Twice, as V8 may need a second pass for weak references and finalizers.
    ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
    ws.send(JSON.stringify({ id: 2, method: 'HeapProfiler.collectGarbage' }));
    ws.send(JSON.stringify({ id: 3, method: 'Runtime.getHeapUsage' }));
    const ok = await done;
    ws.close();
    return ok;
  } catch {
    return undefined;
  }
}

/** RSS (from /proc) and V8 heap in use after a forced full GC through the inspector and a short settle. */
export async function settledRss(s: { km: { proc: { pid?: number } }; inspectPort: number }): Promise<{ rss: number; heap: number | undefined }> {
  await new Promise((r) => setTimeout(r, 1000));
  const heap = await collectGarbage(s.inspectPort);
  await new Promise((r) => setTimeout(r, 1000));
  return { rss: rssBytes(s.km.proc.pid), heap };
}

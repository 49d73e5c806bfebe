/**
 * Gives the C heap's free pages back to the operating system, as Go's scavenger does for
 * kube-apiserver.
 *
 * Every request allocates Buffers outside the V8 heap (bodies, HTTP/2 frames of the etcd client,
 * stored bytes). glibc keeps the memory they leave when freed, and returns only what sits at the very
 * top of its heap: after a burst of writes the process stays at its peak (10k pod creates on etcd
 * left ~47 MiB of free C heap resident, more than the watch cache's bytes) and, under overload, grew
 * by hundreds of MiB that nothing used. glibc's malloc_trim(0) releases the free pages anywhere in
 * its arenas; Node has no binding for it, so it is called through koffi (FFI). Where that is not
 * possible (no glibc, no koffi binary) this is a no-op.
 *
 * When: after a major GC (that is when the Buffers V8 held are freed), at most once per
 * `minIntervalMs`, and every `periodMs` for a process that has gone quiet.
 */
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import type Koffi from 'koffi';
import { realClock, type Clock } from '../client/work-queue';

export interface MemoryReturnerOptions {
  /** The trim itself (default: glibc's malloc_trim through koffi). */
  trim?: () => void;
  clock?: Clock;
  /** At most one trim per this many ms (default 5 s). */
  minIntervalMs?: number;
  /** A trim at least this often while the process runs (default 60 s). */
  periodMs?: number;
  /** Subscribe to major GCs (default: a PerformanceObserver on 'gc' entries). */
  onMajorGc?: (listener: () => void) => () => void;
}

export interface MemoryReturner {
  /** Trims now (the timers call this). */
  trimNow(): void;
  readonly trims: number;
  stop(): void;
}

/** glibc's malloc_trim(0) through koffi, or undefined where it cannot be had. */
export function loadMallocTrim(): (() => void) | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    // Loaded lazily: the native module is only needed by servers, never by tests of other parts.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const koffi = require('koffi') as typeof Koffi;
    const fn = koffi.load('libc.so.6').func('int malloc_trim(size_t)') as (pad: number) => number;
    return () => void fn(0);
  } catch {
    return undefined; // musl, or no prebuilt koffi binary for this platform
  }
}

function observeMajorGc(listener: () => void): () => void {
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as { detail?: { kind?: number } }).detail?.kind;
      if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) {
        listener();
        return;
      }
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  return () => obs.disconnect();
}

export function startMemoryReturner(opts: MemoryReturnerOptions = {}): MemoryReturner | undefined {
  const trim = opts.trim ?? loadMallocTrim();
  if (!trim) return undefined;
  const clock = opts.clock ?? realClock;
  const minIntervalMs = opts.minIntervalMs ?? 5_000;
  const periodMs = opts.periodMs ?? 60_000;
  let last = -Infinity;
  let trims = 0;
  let pending: { cancel(): void } | undefined;
  let periodic: { cancel(): void } | undefined;
  let stopped = false;

  const trimNow = (): void => {
    if (stopped) return;
    pending?.cancel();
    pending = undefined;
    last = clock.now();
    trim();
    trims++;
  };
  // A GC callback must not do the work itself (it runs inside V8's GC epilogue): schedule it.
  const afterMajorGc = (): void => {
    if (stopped || pending) return;
    pending = clock.setTimeout(trimNow, Math.max(0, last + minIntervalMs - clock.now()));
  };
  const arm = (): void => {
    periodic = clock.setTimeout(() => {
      if (clock.now() - last >= periodMs) trimNow();
      if (!stopped) arm();
    }, periodMs);
  };
  const unsubscribe = (opts.onMajorGc ?? observeMajorGc)(afterMajorGc);
  arm();
  return {
    trimNow,
    get trims() {
      return trims;
    },
    stop() {
      stopped = true;
      unsubscribe();
      pending?.cancel();
      periodic?.cancel();
    },
  };
}

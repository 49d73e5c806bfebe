/**
 * Where the watch cache keeps its objects' JSON bytes: packed into shared 1 MiB slabs rather than
 * one allocation each.
 *
 * Ten thousand separately allocated ~4 KB buffers interleave in the C heap with the request and
 * storage buffers that come and go while they are written, and the holes those leave behind are
 * never given back: on a 10k-pod fill about a third of the cache's resident memory was such slack.
 * Slabs hold nothing but cached bytes, so the resident size stays close to the data.
 *
 * Bytes of versions that left the cache (replaced, deleted, aged out of the history) stay in their
 * slab until a sweep finds too many of them: the cache then passes the objects it still holds, their
 * bytes are copied into fresh slabs, and the old slabs are freed once nothing (say a response still
 * being written) uses them. Sweeps run when the arena has doubled since the last one, so their cost
 * is proportional to what was written.
 */
import type { CachedObject } from './cached-object';

const SLAB_BYTES = 1 << 20;
/** Objects larger than this get an allocation of their own (a slab would waste its tail). */
const LARGEST_PACKED = 64 * 1024;
/** Below this share of live bytes a sweep compacts. */
const COMPACT_BELOW = 2 / 3;
const MIN_SWEEP_GROWTH = 8 * SLAB_BYTES;

/**
 * Bump allocation over 1 MiB slabs, never reusing a byte: a slab is freed by the garbage collector
 * once no buffer taken from it is referenced.
 */
class Slabs {
  private slab: Buffer | null = null;
  private used = 0;

  /** `n` bytes (uninitialised); n at most one slab. */
  take(n: number): Buffer {
    if (this.slab === null || this.used + n > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.used = 0;
    }
    const out = this.slab.subarray(this.used, this.used + n);
    // 8-byte alignment keeps typed-array views over the bytes possible.
    this.used += (n + 7) & ~7;
    return out;
  }

  /** Forget the current slab (what was taken stays valid). */
  reset(): void {
    this.slab = null;
    this.used = 0;
  }
}

export class JsonArena {
  private readonly slabs = new Slabs();
  /** Bytes handed out from the slabs still held (live or not). */
  private resident = 0;
  private residentAfterSweep = 0;

  /** Move `obj`'s bytes into the arena (obj must not be shared yet). */
  adopt(obj: CachedObject): CachedObject {
    const n = obj.json.length;
    if (n > LARGEST_PACKED) return obj;
    const into = this.take(n);
    obj.json.copy(into);
    obj.rehome(into);
    return obj;
  }

  /** Bytes in the arena's slabs, dead ones included. */
  get residentBytes(): number {
    return this.resident;
  }

  /** True when the arena grew enough since the last sweep that one is worth it. */
  get sweepDue(): boolean {
    return this.resident > 2 * this.residentAfterSweep + MIN_SWEEP_GROWTH;
  }

  /**
   * `live` is every object whose bytes are still needed. Compacts when too much of the arena is
   * dead; either way the next sweep waits for the arena to double again.
   */
  sweep(live: ReadonlySet<CachedObject>): void {
    let liveBytes = 0;
    for (const obj of live) if (obj.json.length <= LARGEST_PACKED) liveBytes += obj.json.length;
    if (liveBytes < COMPACT_BELOW * this.resident) {
      this.slabs.reset();
      this.resident = 0;
      for (const obj of live) this.adopt(obj);
    }
    this.residentAfterSweep = this.resident;
  }

  private take(n: number): Buffer {
    this.resident += n;
    return this.slabs.take(n);
  }
}

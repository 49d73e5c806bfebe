/**
 * UTF-8 bytes of a string, carved from shared 64 KiB slabs.
 *
 * `Buffer.from(string)` pools only strings under 4 KiB; every larger one (a typical pod is ~4.3 KiB
 * stored) gets its own C++ backing store, which costs an allocation, external-memory accounting and
 * GC pressure per request. Write paths encode one object per request and hand the bytes to storage,
 * which copies them (protobuf, the SQLite writer's batch): a bump allocator over slabs fits that use.
 * Like Node's own pool, a slice keeps its whole slab alive, so never keep these bytes long-term:
 * copy them if they must outlive the request.
 */
const SLAB_BYTES = 64 * 1024;
/** Larger strings get a buffer of their own: a slab would hold few of them. */
const MAX_POOLED_BYTES = 16 * 1024;

let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
let offset = 0;

export function utf8Bytes(text: string): Buffer {
  // Each UTF-16 unit is at most 3 UTF-8 bytes: most strings need no exact count.
  const bound = text.length * 3;
  const length = bound <= MAX_POOLED_BYTES ? bound : Buffer.byteLength(text, 'utf8');
  if (length > MAX_POOLED_BYTES) return Buffer.from(text, 'utf8');
  if (length > SLAB_BYTES - offset) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    offset = 0;
  }
  const written = slab.write(text, offset, 'utf8');
  const out = slab.subarray(offset, offset + written);
  // Keep slices 8-byte aligned, as Node's pool does.
  offset = (offset + written + 7) & ~7;
  return out;
}

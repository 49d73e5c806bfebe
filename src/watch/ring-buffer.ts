/**
 * A fixed-capacity FIFO addressed by absolute sequence numbers.
 *
 * The watch cache appends events and never removes them except by overwriting the oldest, so each
 * watcher can hold a plain integer cursor into the shared history instead of a private queue: a
 * thousand idle watchers cost a thousand integers, not a thousand buffers.
 */
export class RingBuffer<T> {
  private readonly slots: (T | undefined)[];
  /** Sequence number the next push gets. */
  private head = 0;
  /** Sequence number of the oldest item held. */
  private tail = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
    this.slots = new Array<T | undefined>(capacity);
  }

  /** Sequence number of the next item to be pushed (one past the newest). */
  get headSeq(): number {
    return this.head;
  }

  /** Sequence number of the oldest item still held (== headSeq when empty). */
  get tailSeq(): number {
    return this.tail;
  }

  get size(): number {
    return this.head - this.tailSeq;
  }

  /** Appends and returns the evicted item, if the buffer was full. */
  push(item: T): T | undefined {
    const i = this.head % this.capacity;
    let evicted: T | undefined;
    if (this.head - this.tail === this.capacity) {
      evicted = this.slots[i];
      this.tail++;
    }
    this.slots[i] = item;
    this.head++;
    return evicted;
  }

  /** The item with sequence number `seq`, or undefined when it was evicted or not yet pushed. */
  at(seq: number): T | undefined {
    if (seq < this.tailSeq || seq >= this.head) return undefined;
    return this.slots[seq % this.capacity];
  }

  /**
   * The smallest sequence number in [tailSeq, headSeq] whose item does not satisfy `before`
   * (items must be ordered so that `before` holds for a prefix). Binary search.
   */
  lowerBound(before: (item: T) => boolean): number {
    let lo = this.tailSeq;
    let hi = this.head;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.slots[mid % this.capacity] as T)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Removes and returns the oldest item (undefined when empty). */
  shift(): T | undefined {
    if (this.tail === this.head) return undefined;
    const i = this.tail % this.capacity;
    const item = this.slots[i];
    this.slots[i] = undefined;
    this.tail++;
    return item;
  }

  /** Drops everything; sequence numbers keep increasing so stale cursors stay detectable. */
  clear(): void {
    this.slots.fill(undefined);
    this.tail = this.head;
  }
}

/**
 * Order-independent digests of event sets, so a soak can compare what each of 1,000 watchers saw
 * over an hour with the storage's history without keeping the events: a count and two 32-bit sums
 * of FNV-1a hashes with different offsets. Order and duplicates are checked separately (strictly
 * increasing resourceVersions per watcher); with those, equal digests mean equal sequences, up to a
 * ~2^-64 chance of a collision.
 */
export interface Digest {
  n: number;
  a: number;
  b: number;
}

export const emptyDigest = (): Digest => ({ n: 0, a: 0, b: 0 });

function fnv1a(s: string, offset: number): number {
  let h = offset;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Adds (sign 1) or removes (sign -1) `s`. */
export function digestAdd(d: Digest, s: string, sign: 1 | -1 = 1): void {
  d.n += sign;
  d.a = (d.a + sign * fnv1a(s, 0x811c9dc5) + 0x100000000) % 0x100000000;
  d.b = (d.b + sign * fnv1a(s, 0x050c5d1f) + 0x100000000) % 0x100000000;
}

export const sameDigest = (x: Digest, y: Digest): boolean => x.n === y.n && x.a === y.a && x.b === y.b;

/** The key a watch event is digested under (the same on the watcher's and the storage's side). */
export const eventKey = (type: string, name: string, rv: number): string => `${type}/${name}/${rv}`;

/** The key one item of a list or state is digested under. */
export const itemKey = (name: string, rv: string | number): string => `${name}@${rv}`;

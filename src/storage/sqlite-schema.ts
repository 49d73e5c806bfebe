/**
 * The kine-like log table behind SqliteStorage, and the conversions from its rows.
 *
 * Every write appends one row whose `id` is the global revision; the latest row of a name is the
 * key's state (a row with deleted = 1 is a tombstone). History older than the compaction point is
 * pruned by `compact`. The (name, id) index serves point reads, keyset-paginated range reads at any
 * revision and compaction; all prefix predicates are sargable byte ranges (`name >= ? AND name < ?`).
 *
 * Unlike kine there is no old_value column: it would double the bytes written per update. A put's
 * previous value is the row at prev_revision, which compaction never prunes while its successor is
 * above the compaction point (the only rows a watch replays). A tombstone's value is the last value.
 */
import type { WatchEvent } from './interface';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS kine (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  value BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS kine_name_id ON kine (name, id);
CREATE TABLE IF NOT EXISTS km_meta (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
`;

/** km_meta keys. `compact_rev` is the logical compaction point; `compact_done` how far pruning got. */
export const META_COMPACT_REV = 'compact_rev';
export const META_COMPACT_DONE = 'compact_done';

export interface LogRow {
  id: number;
  name: string;
  created: number;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  value: Buffer;
  /** Not a column: the value of the row at prev_revision for a non-create put (joined or known). */
  old_value: Buffer | null;
}

export function rowToEvent(row: LogRow): WatchEvent {
  const deleted = row.deleted === 1;
  return {
    type: deleted ? 'delete' : 'put',
    key: row.name,
    value: row.value,
    prevValue: deleted ? row.value : (row.old_value ?? undefined),
    modRevision: row.id,
    createRevision: row.create_revision,
    isCreate: !deleted && row.created === 1,
  };
}

/**
 * The smallest string greater than every string that starts with `prefix`, in UTF-8 byte order
 * (SQLite's BINARY collation), or undefined when there is none (empty prefix). UTF-8 preserves code
 * point order, so bumping the last code point is enough; surrogates are skipped.
 */
export function prefixEnd(prefix: string): string | undefined {
  const cps = Array.from(prefix);
  while (cps.length > 0) {
    const last = cps.pop() as string;
    const cp = last.codePointAt(0) as number;
    if (cp < 0x10ffff) {
      const next = cp + 1 === 0xd800 ? 0xe000 : cp + 1;
      return cps.join('') + String.fromCodePoint(next);
    }
  }
  return undefined;
}

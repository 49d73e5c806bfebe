/**
 * Field paths as server-side apply tracks them, one element per step, spelled exactly like the
 * keys of a managedFields `fieldsV1` tree: `f:<field>`, `k:{"name":"x"}` (associative-list item,
 * key fields sorted by name), `v:<json>` (set item), `i:<n>` (list index).
 */

export type PathElement = string;
export type FieldPath = readonly PathElement[];

export const fieldElement = (name: string): PathElement => `f:${name}`;
export const valueElement = (v: unknown): PathElement => `v:${JSON.stringify(v)}`;
export const indexElement = (i: number): PathElement => `i:${i}`;

/** `k:` element for an associative-list item: the key fields, sorted by name like structured-merge-diff. */
export function keyElement(keyValues: Readonly<Record<string, unknown>>): PathElement {
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(keyValues).sort()) sorted[k] = keyValues[k];
  return `k:${JSON.stringify(sorted)}`;
}

/** Joins a path into one string usable as a Set member (NUL never appears in JSON-encoded elements). */
export const SEP = '\u0000';
export const pathKey = (path: FieldPath): string => path.join(SEP);
export const splitPathKey = (key: string): PathElement[] => (key === '' ? [] : key.split(SEP));

/**
 * kube's fieldpath.Path.String(), used in conflict messages and causes:
 * `.spec.containers[name="x"].image`, `.metadata.finalizers[="a"]`, `.x[0]`.
 */
export function displayPath(path: FieldPath): string {
  return path.map(displayElement).join('');
}

function displayElement(e: PathElement): string {
  const body = e.slice(2);
  switch (e.slice(0, 2)) {
    case 'f:':
      return `.${body}`;
    case 'k:': {
      try {
        const keys = JSON.parse(body) as Record<string, unknown>;
        return `[${Object.keys(keys)
          .map((k) => `${k}=${displayValue(keys[k])}`)
          .join(',')}]`;
      } catch {
        return `[${body}]`;
      }
    }
    case 'v:':
      return `[=${body}]`;
    case 'i:':
      return `[${body}]`;
    default:
      return '{{invalid path element}}';
  }
}

function displayValue(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : v === null ? 'null' : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** kube's fieldsV1 member rank of an element: f:, k:, v:, i: (by first letter; ':' second), else -1. */
export function elementRank(e: PathElement): number {
  if (e.charCodeAt(1) !== 0x3a) return -1;
  switch (e.charCodeAt(0)) {
    case 0x66:
      return 0;
    case 0x6b:
      return 1;
    case 0x76:
      return 2;
    case 0x69:
      return 3;
    default:
      return -1;
  }
}

/** kube's fieldsV1 member order: by rank, then bytewise. */
export const elementOrder = (a: PathElement, b: PathElement): number => elementRank(a) - elementRank(b) || (a < b ? -1 : a > b ? 1 : 0);

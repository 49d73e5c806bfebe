/**
 * Whether a request asks for a Table: kubectl's `get` sends
 * `application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json`.
 * Ranges are tried in order; protobuf Table ranges are skipped (km answers JSON), a plain JSON or
 * wildcard range means the ordinary object.
 */
import { parseMediaRanges, rangeMatches } from '../discovery/media-ranges';

export type OutputForm = { as: 'Table'; version: 'v1' | 'v1beta1' } | { as: 'Object' };

export function negotiateTable(accept: string | undefined): OutputForm {
  for (const r of parseMediaRanges(accept)) {
    const as = r.params.as;
    if (as === undefined) {
      if (rangeMatches(r, 'application/json') || r.mediaType.includes('protobuf') || r.mediaType.includes('yaml')) return { as: 'Object' };
      continue;
    }
    if (as === 'Table' && r.params.g === 'meta.k8s.io' && (r.params.v === 'v1' || r.params.v === 'v1beta1') && rangeMatches(r, 'application/json')) {
      return { as: 'Table', version: r.params.v };
    }
  }
  return { as: 'Object' };
}

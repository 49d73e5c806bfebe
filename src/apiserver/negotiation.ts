/**
 * Content negotiation: responses are JSON unless the client asks for YAML (or a Table); a
 * protobuf-first Accept that also allows JSON is answered in JSON, protobuf-only is 406. Request
 * bodies: JSON (also when no Content-Type), YAML, the four patch types; anything else 415.
 */
import { errors } from '../api/errors';
import type { PatchType } from '../registry/rest';

export type ResponseFormat = { type: 'json' } | { type: 'yaml' } | { type: 'table'; version: 'v1' | 'v1beta1' };

interface MediaRange {
  type: string;
  params: Record<string, string>;
  q: number;
}

export function parseAccept(accept: string | undefined): MediaRange[] {
  if (!accept || accept.trim() === '') return [];
  return accept
    .split(',')
    .map((part) => {
      const [t, ...ps] = part.split(';').map((s) => s.trim());
      const params: Record<string, string> = {};
      for (const p of ps) {
        const eq = p.indexOf('=');
        if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"|"$/g, '');
      }
      const q = params['q'] !== undefined ? Number(params['q']) : 1;
      return { type: (t ?? '').toLowerCase(), params, q: Number.isFinite(q) ? q : 1 };
    })
    .filter((r) => r.type !== '' && r.q > 0);
}

/** Pick the response format. `tableOk` says whether this request can be answered as a Table. */
export function negotiateResponse(accept: string | undefined, tableOk: boolean): ResponseFormat {
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return { type: 'json' };
  for (const r of ranges) {
    const as = r.params['as'];
    if (as !== undefined) {
      if (as === 'Table' && tableOk && (r.type === 'application/json' || r.type === 'application/*' || r.type === '*/*') && (r.params['g'] ?? 'meta.k8s.io') === 'meta.k8s.io') {
        const v = r.params['v'] === 'v1beta1' ? 'v1beta1' : 'v1';
        return { type: 'table', version: v };
      }
      // Other conversions (PartialObjectMetadata, ...) are not served: try the next range.
      continue;
    }
    if (r.type === 'application/json' || r.type === 'application/*' || r.type === '*/*' || r.type === 'json') return { type: 'json' };
    if (r.type === 'application/yaml' || r.type === 'text/yaml' || r.type === 'application/x-yaml') return { type: 'yaml' };
  }
  throw errors.notAcceptable(accept ?? '');
}

export type BodyFormat = 'json' | 'yaml' | 'protobuf';

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

export function requestBodyFormat(contentType: string | undefined): BodyFormat {
  const t = mediaType(contentType);
  if (t === '' || t === 'application/json' || t === '*/*') return 'json';
  if (t === 'application/yaml' || t === 'text/yaml' || t === 'application/x-yaml') return 'yaml';
  if (t === 'application/vnd.kubernetes.protobuf') return 'protobuf';
  throw errors.unsupportedMediaType(contentType ?? '');
}

export function patchTypeOf(contentType: string | undefined): PatchType {
  switch (mediaType(contentType)) {
    case 'application/json-patch+json':
      return 'json';
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
    case 'application/apply-patch+cbor':
      if (mediaType(contentType) === 'application/apply-patch+cbor') break;
      return 'apply';
  }
  throw errors.unsupportedMediaType(contentType ?? '');
}

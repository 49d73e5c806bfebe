/**
 * Accept header parsing. Kubernetes clients negotiate with media-type parameters, not only types:
 * `application/json;as=Table;v=v1;g=meta.k8s.io` or `application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`,
 * so each range keeps its parameters (lower-cased names, raw values) in header order, stable-sorted by q.
 */
export interface MediaRange {
  /** `type/subtype`, lower-cased (`*` wildcards kept). */
  mediaType: string;
  params: Record<string, string>;
  q: number;
}

export function parseMediaRanges(header: string | undefined): MediaRange[] {
  if (!header || !header.trim()) return [{ mediaType: '*/*', params: {}, q: 1 }];
  const ranges: MediaRange[] = [];
  for (const part of splitOutsideQuotes(header, ',')) {
    const [type, ...rawParams] = splitOutsideQuotes(part, ';').map((s) => s.trim());
    if (!type) continue;
    const params: Record<string, string> = {};
    let q = 1;
    for (const p of rawParams) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      const name = p.slice(0, eq).trim().toLowerCase();
      const value = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
      if (name === 'q') {
        const n = Number(value);
        q = Number.isFinite(n) ? Math.min(Math.max(n, 0), 1) : 1;
      } else {
        params[name] = value;
      }
    }
    ranges.push({ mediaType: type.toLowerCase(), params, q });
  }
  // Array.prototype.sort is stable: equal q keeps the client's order.
  return ranges.filter((r) => r.q > 0).sort((a, b) => b.q - a.q);
}

/** True when the range accepts `type/subtype` (with `*` wildcards). */
export function rangeMatches(range: MediaRange, mediaType: string): boolean {
  if (range.mediaType === '*/*' || range.mediaType === '*') return true;
  const [t, s] = range.mediaType.split('/');
  const [wt, ws] = mediaType.toLowerCase().split('/');
  return t === wt && (s === '*' || s === ws);
}

function splitOutsideQuotes(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of s) {
    if (ch === '"') quoted = !quoted;
    if (ch === sep && !quoted) {
      out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter((x) => x.length > 0);
}

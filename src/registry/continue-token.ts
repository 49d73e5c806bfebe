/**
 * The opaque list continue token, shaped like kube's: base64 of
 * `{"v":"meta.k8s.io/v1","rv":<snapshot revision>,"start":"<next key after the prefix>"}`.
 * rv -1 (any negative, as kube decodes it) is kube's inconsistent continuation, handed out with the
 * 410 for a compacted token: the rest of the list at the latest revision.
 */

/** The revision of a token that continues at the latest revision instead of a snapshot. */
export const CONTINUE_AT_LATEST = -1;
import { errors } from '../api/errors';

export interface ContinueState {
  /** Snapshot revision, or CONTINUE_AT_LATEST. */
  revision: number;
  /** Key (relative to the list prefix) to continue strictly after. */
  lastKey: string;
}

export function encodeContinue(revision: number, lastKeyRelative: string): string {
  // kube stores the next start key (last key + "\0"); decoding strips it back.
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: revision, start: `${lastKeyRelative}\u0000` })).toString('base64');
}

export function decodeContinue(token: string): ContinueState {
  const bad = (): never => {
    throw errors.badRequest(`continue key is not valid: ${token}`);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    return bad();
  }
  if (typeof parsed !== 'object' || parsed === null) return bad();
  const p = parsed as { v?: unknown; rv?: unknown; start?: unknown };
  if (p.v !== 'meta.k8s.io/v1' || typeof p.rv !== 'number' || typeof p.start !== 'string') return bad();
  // As kube: 0 is invalid; any negative revision means "at the latest" (kube hands out -1).
  const rv = p.rv;
  if (rv === 0 || !Number.isSafeInteger(rv)) return bad();
  const start = p.start.endsWith('\u0000') ? p.start.slice(0, -1) : p.start;
  if (start.includes('..') || start.startsWith('/')) return bad();
  return { revision: rv < 0 ? CONTINUE_AT_LATEST : rv, lastKey: start };
}

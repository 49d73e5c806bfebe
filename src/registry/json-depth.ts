/**
 * Nesting depth of JSON text, scanned iteratively before parsing, so a hostile body cannot drive
 * the recursive steps after it (validation, cloning, encoding) into a stack overflow.
 */
import { errors } from '../api/errors';

/** Deeper bodies are refused (Go's decoder stops at 10000; real objects nest a few dozen levels). */
export const MAX_JSON_DEPTH = 2000;

export function jsonDepth(text: string): number {
  return jsonShape(text).depth;
}

/**
 * One pass over JSON text: the nesting depth, and how many object members it spells out (every
 * ':' outside a string separates a key from its value). A parsed object with fewer members than
 * that had duplicate keys, which JSON.parse drops silently.
 */
export function jsonShape(text: string): { depth: number; members: number } {
  let depth = 0;
  let max = 0;
  let members = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x3a) members++;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return { depth: max, members };
}

/** Object members in a decoded JSON value (the count `jsonShape` predicts when no key repeats). */
export function memberCount(v: unknown): number {
  if (typeof v !== 'object' || v === null) return 0;
  let n = 0;
  if (Array.isArray(v)) {
    for (const x of v) n += memberCount(x);
    return n;
  }
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    n += 1 + memberCount((v as Record<string, unknown>)[k]);
  }
  return n;
}

/** 400 when `text` nests deeper than MAX_JSON_DEPTH; `what` prefixes the message like kube's decode errors. */
export function checkJsonDepth(text: string, what: string): void {
  if (jsonDepth(text) > MAX_JSON_DEPTH) throw errors.badRequest(`${what}: exceeded max depth of ${MAX_JSON_DEPTH}`);
}

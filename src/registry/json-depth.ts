/**
 * Nesting depth of JSON text, scanned iteratively before parsing, so a hostile body cannot drive
 * the recursive steps after it (validation, cloning, encoding) into a stack overflow.
 */
import { errors } from '../api/errors';

/** Deeper bodies are refused (Go's decoder stops at 10000; real objects nest a few dozen levels). */
export const MAX_JSON_DEPTH = 2000;

export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/** 400 when `text` nests deeper than MAX_JSON_DEPTH; `what` prefixes the message like kube's decode errors. */
export function checkJsonDepth(text: string, what: string): void {
  if (jsonDepth(text) > MAX_JSON_DEPTH) throw errors.badRequest(`${what}: exceeded max depth of ${MAX_JSON_DEPTH}`);
}

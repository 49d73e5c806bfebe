/**
 * Label selectors as kube parses them (k8s.io/apimachinery/pkg/labels): comma-separated requirements
 * `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k` (exists), `!k` (does not exist),
 * `k>n`, `k<n`. Syntax errors are 400 BadRequest.
 */
import { errors } from '../../api/errors';
import { isQualifiedName, isValidLabelValue } from '../validation/names';

export type LabelOp = '=' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  op: LabelOp;
  values: string[];
}

export type Labels = Record<string, string> | undefined | null;

type Token = { kind: 'id' | 'op' | 'comma' | 'lparen' | 'rparen' | 'not' | 'end'; text: string };

const SPECIAL = new Set([' ', '\t', '\n', '\r', ',', '(', ')', '=', '!', '<', '>']);

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === ',') {
      out.push({ kind: 'comma', text: c });
      i++;
    } else if (c === '(') {
      out.push({ kind: 'lparen', text: c });
      i++;
    } else if (c === ')') {
      out.push({ kind: 'rparen', text: c });
      i++;
    } else if (c === '=' || c === '!' || c === '<' || c === '>') {
      const two = s.slice(i, i + 2);
      if (two === '==' || two === '!=') {
        out.push({ kind: 'op', text: two });
        i += 2;
      } else if (c === '!') {
        out.push({ kind: 'not', text: c });
        i++;
      } else {
        out.push({ kind: 'op', text: c });
        i++;
      }
    } else {
      let j = i;
      while (j < s.length && !SPECIAL.has(s[j]!)) j++;
      out.push({ kind: 'id', text: s.slice(i, j) });
      i = j;
    }
  }
  out.push({ kind: 'end', text: '' });
  return out;
}

function fail(msg: string): never {
  throw errors.badRequest(`unable to parse requirement: ${msg}`);
}

function checkKey(key: string): void {
  const errs = isQualifiedName(key);
  if (errs.length > 0) fail(`Invalid value: ${JSON.stringify(key)}: ${errs.join('; ')}`);
}

function checkValue(v: string): void {
  const errs = isValidLabelValue(v);
  if (errs.length > 0) fail(`Invalid value: ${JSON.stringify(v)}: ${errs.join('; ')}`);
}

export class LabelSelector {
  constructor(readonly requirements: LabelRequirement[]) {}

  get empty(): boolean {
    return this.requirements.length === 0;
  }

  matches(labels: Labels): boolean {
    const l = labels ?? {};
    return this.requirements.every((r) => {
      const has = Object.prototype.hasOwnProperty.call(l, r.key);
      const v = has ? l[r.key]! : undefined;
      switch (r.op) {
        case '=':
          return has && v === r.values[0];
        case '!=':
          return !has || v !== r.values[0];
        case 'in':
          return has && r.values.includes(v!);
        case 'notin':
          return !has || !r.values.includes(v!);
        case 'exists':
          return has;
        case '!':
          return !has;
        case 'gt':
        case 'lt': {
          if (!has || !/^-?\d+$/.test(v!)) return false;
          const n = Number(v);
          const bound = Number(r.values[0]);
          return r.op === 'gt' ? n > bound : n < bound;
        }
      }
    });
  }

  toString(): string {
    return this.requirements
      .map((r) => {
        switch (r.op) {
          case 'exists':
            return r.key;
          case '!':
            return `!${r.key}`;
          case 'in':
          case 'notin':
            return `${r.key} ${r.op} (${r.values.join(',')})`;
          case 'gt':
            return `${r.key}>${r.values[0]}`;
          case 'lt':
            return `${r.key}<${r.values[0]}`;
          default:
            return `${r.key}${r.op}${r.values[0]}`;
        }
      })
      .join(',');
  }
}

export function parseLabelSelector(selector: string | undefined): LabelSelector {
  if (selector === undefined || selector.trim() === '') return new LabelSelector([]);
  const toks = tokenize(selector);
  let pos = 0;
  // The token list always ends with an 'end' token; never read past it, however malformed the input.
  const peek = (): Token => toks[Math.min(pos, toks.length - 1)]!;
  const next = (): Token => toks[Math.min(pos++, toks.length - 1)]!;
  const reqs: LabelRequirement[] = [];
  for (;;) {
    let t = next();
    if (t.kind === 'not') {
      const k = next();
      if (k.kind !== 'id') fail(`found '${k.text}', expected: identifier after '!'`);
      checkKey(k.text);
      reqs.push({ key: k.text, op: '!', values: [] });
    } else if (t.kind === 'id') {
      const key = t.text;
      checkKey(key);
      const op = peek();
      if (op.kind === 'comma' || op.kind === 'end') {
        reqs.push({ key, op: 'exists', values: [] });
      } else if (op.kind === 'op') {
        next();
        const v = peek();
        let value = '';
        if (v.kind === 'id') {
          value = next().text;
        } else if (v.kind !== 'comma' && v.kind !== 'end') fail(`found '${v.text}', expected: identifier`);
        if (op.text === '>' || op.text === '<') {
          if (!/^-?\d+$/.test(value)) fail(`for 'Gt', 'Lt' operators, the value must be an integer`);
          reqs.push({ key, op: op.text === '>' ? 'gt' : 'lt', values: [value] });
        } else {
          checkValue(value);
          reqs.push({ key, op: op.text === '!=' ? '!=' : '=', values: [value] });
        }
      } else if (op.kind === 'id' && (op.text === 'in' || op.text === 'notin')) {
        next();
        const open = next();
        if (open.kind !== 'lparen') fail(`found '${open.kind === 'end' ? 'end of string' : open.text}', expected: '('`);
        const values: string[] = [];
        for (;;) {
          t = next();
          if (t.kind === 'rparen') break;
          if (t.kind === 'id') {
            checkValue(t.text);
            values.push(t.text);
            const sep = peek();
            if (sep.kind === 'comma') next();
            else if (sep.kind !== 'rparen') fail(`found '${sep.text}', expected: ',' or ')'`);
          } else if (t.kind === 'comma') {
            values.push('');
          } else fail(`found '${t.text}', expected: ',', ')' or identifier`);
        }
        if (values.length === 0) fail(`for 'in', 'notin' operators, values set can't be empty`);
        reqs.push({ key, op: op.text, values });
      } else fail(`found '${op.text}', expected: in, notin, =, ==, !=, gt, lt`);
    } else {
      fail(`found '${t.text}', expected: !, identifier, or 'end of string'`);
    }
    const sep = next();
    if (sep.kind === 'end') break;
    if (sep.kind !== 'comma') fail(`found '${sep.text}', expected: ',' or 'end of string'`);
  }
  return new LabelSelector(reqs);
}

/** A selector from a plain label map (RC / service selectors): every key must equal. */
export function selectorFromMap(m: Record<string, string> | undefined): LabelSelector {
  return new LabelSelector(Object.entries(m ?? {}).map(([key, v]) => ({ key, op: '=' as const, values: [v] })));
}

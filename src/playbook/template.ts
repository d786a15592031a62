// String templates: text with `{{ expression }}` blocks, as Ansible renders playbook values.
// Only expression blocks exist; `{% %}` statements and `{# #}` comments are rejected with a
// message saying so, since silently passing them through would hide a playbook bug.
import { ExprSyntaxError, evaluate, parseTemplateBlock, toText, type Expr, type Vars } from './expr.js';
import { isMapping, makeDict } from './expr-eval.js';

export type { Vars };

type Piece = string | Expr;

const DELIMITER = /\{[{%#]/;

/** Whether `s` contains template syntax (`{{`, or the unsupported `{%` / `{#`) to render. */
export function isTemplated(s: string): boolean {
  return DELIMITER.test(s);
}

const MAX_CACHE = 2000;
const cache = new Map<string, Piece[]>();

/** Split a template into literal text and parsed expressions. Throws ExprSyntaxError with an
 *  offset into `s`. */
function parseTemplate(s: string): Piece[] {
  const hit = cache.get(s);
  if (hit) return hit;
  const pieces: Piece[] = [];
  let text = '';
  let pos = 0;
  for (;;) {
    const opening = new RegExp(DELIMITER.source, 'g');
    opening.lastIndex = pos;
    const at = opening.exec(s)?.index;
    if (at === undefined) break;
    text += s.slice(pos, at);
    const opener = s.slice(at, at + 2);
    if (opener !== '{{') throw unsupported(opener, at);
    let start = at + 2;
    if (s[start] === '-') {
      text = text.replace(/\s+$/, ''); // `{{-` trims whitespace before the block
      start++;
    }
    const block = parseTemplateBlock(s, start, at);
    if (text) pieces.push(text);
    pieces.push(block.expr);
    text = '';
    pos = block.end;
    if (block.trimAfter) pos += (/^\s*/.exec(s.slice(pos))?.[0] ?? '').length;
  }
  text += s.slice(pos);
  if (text) pieces.push(text);
  if (cache.size >= MAX_CACHE) cache.clear();
  cache.set(s, pieces);
  return pieces;
}

function unsupported(opener: string, at: number): ExprSyntaxError {
  const what = opener === '{%' ? "'{% %}' statement blocks are" : "'{# #}' comments are";
  return new ExprSyntaxError(
    `${what} not supported, only '{{ expression }}' (use a filter or 'a if cond else b'); ` +
      `to write a literal '${opener}', use {{ '${opener}' }}`,
    at,
  );
}

/** The expression when `s` is exactly one `{{ }}` block with only whitespace around it. */
export function soleExpression(s: string): Expr | null {
  if (!s.trimStart().startsWith('{{')) return null;
  const pieces = parseTemplate(s);
  const exprs = pieces.filter((p): p is Expr => typeof p !== 'string');
  const onlyWhitespace = pieces.every((p) => typeof p !== 'string' || p.trim() === '');
  return exprs.length === 1 && onlyWhitespace ? (exprs[0] ?? null) : null;
}

/** Static syntax check of a template; `offset` is into `s`. */
export function checkTemplate(s: string): { offset: number; message: string } | null {
  if (!isTemplated(s)) return null;
  try {
    parseTemplate(s);
    return null;
  } catch (e) {
    if (e instanceof ExprSyntaxError) return { offset: e.offset, message: e.message };
    throw e;
  }
}

/**
 * Render a template. A lone `{{ expr }}` (whitespace around allowed) yields the native value
 * (list, number, dict, null…), as Ansible does; otherwise blocks are interpolated into text,
 * with None as '' and other values as Python's str() shows them (True, ['a', 'b']).
 */
export function renderString(s: string, vars: Vars): unknown {
  if (!isTemplated(s)) return s;
  const sole = soleExpression(s);
  if (sole) return evaluate(sole, vars);
  return parseTemplate(s)
    .map((p) => (typeof p === 'string' ? p : interpolated(evaluate(p, vars))))
    .join('');
}

function interpolated(value: unknown): string {
  return value === null ? '' : toText(value);
}

/** Render every string inside arrays and plain objects; keys and other values are kept. */
export function renderDeep<T>(value: T, vars: Vars): unknown {
  if (typeof value === 'string') return renderString(value, vars);
  if (Array.isArray(value)) return value.map((v: unknown) => renderDeep(v, vars));
  if (isMapping(value)) return makeDict(Object.entries(value).map(([k, v]) => [k, renderDeep(v, vars)]));
  return value;
}

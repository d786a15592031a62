// Tree-walking evaluator for expr-parse.ts ASTs, plus the Python-flavoured value semantics the
// language needs (truthiness, str(), ==, ordering). Values are plain data: strings, numbers,
// booleans, null (None), arrays and plain objects. Only own data properties of plain objects and
// array elements are reachable; nothing can reach a prototype or a constructor, and the only
// callables are the library's named tables (methods.ts, globals.ts), never a JS function of a value.
import type { Call, Expr } from './expr-parse.js';
import { PyFloat, floatRepr, isFloat, isNum, mkFloat, toNum } from './py-float.js';
import { FormatError, percentFormat as formatWith } from './py-format.js';

export type Vars = Record<string, unknown>;

export class ExprEvalError extends Error {
  override name = 'ExprEvalError';
}

/** Use of an undefined variable or key. `name` is the dotted path, e.g. `result.stdout`. */
export class UndefinedError extends ExprEvalError {
  constructor(
    override name: string,
    message = `'${name}' is undefined`,
  ) {
    super(message);
  }
}

/**
 * Jinja's Undefined: what a missing variable or key evaluates to. It flows through attribute
 * access (so `a.b.c is defined` works) and into `default`/`defined`, and raises anywhere else.
 */
export class Undef {
  constructor(
    readonly path: string,
    /** Why it is undefined, when that says more than the path ("'r' has no key 'x'"). Computed
     *  only if an error is raised: `x is defined` should not pay for "did you mean". */
    private readonly why?: string | (() => string | undefined),
  ) {}

  get hint(): string | undefined {
    return typeof this.why === 'function' ? this.why() : this.why;
  }

  error(): UndefinedError {
    return new UndefinedError(this.path, `'${this.path}' is undefined${this.hint ? ` (${this.hint})` : ''}`);
  }
}

/** The value, or throw if it is undefined. */
export function need<T>(value: T): Exclude<T, Undef> {
  if (value instanceof Undef) throw value.error();
  return value as Exclude<T, Undef>;
}

// ---------------------------------------------------------------------------------------------
// Value helpers

export function isMapping(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Build a dict without ever invoking the `__proto__` setter. */
export function makeDict(entries: Iterable<readonly [string, unknown]>): Record<string, unknown> {
  return Object.fromEntries(entries) as Record<string, unknown>;
}

/** An own property, or undefined. Never walks the prototype chain. */
export function ownValue(obj: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

export function typeName(v: unknown): string {
  if (v instanceof Undef) return 'undefined';
  if (v === null || v === undefined) return 'none';
  if (Array.isArray(v)) return 'list';
  if (isMapping(v)) return 'dict';
  if (v instanceof PyFloat) return 'number';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

/** Short description of a value for error messages: "string 'abc'", "list of 3 items". */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return `string ${pyRepr(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (isNum(v) || typeof v === 'boolean') return `${typeName(v)} ${pyStr(v)}`;
  if (Array.isArray(v)) return `list of ${v.length} item${v.length === 1 ? '' : 's'}`;
  if (isMapping(v)) {
    const keys = Object.keys(v);
    return keys.length ? `dict with keys ${listNames(keys)}` : 'empty dict';
  }
  return typeName(v);
}

function listNames(names: string[], max = 8): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown}, … (${names.length} in all)` : shown;
}

/** Python truthiness. Undefined raises, as Ansible does in conditionals. */
export function truthy(value: unknown): boolean {
  const v = need(value);
  if (v === null || v === undefined || v === false) return false;
  if (isNum(v)) return toNum(v) !== 0;
  if (typeof v === 'string' || Array.isArray(v)) return v.length > 0;
  if (isMapping(v)) return Object.keys(v).length > 0;
  return true;
}

function pyNumber(n: number | PyFloat): string {
  if (isFloat(n)) return floatRepr(toNum(n));
  return String(n);
}

/** Lists that are Python tuples (from items(), zip, partition, `(a, b)`): they print as `(a, b)`. */
const tuples = new WeakSet<unknown[]>();

export function mkTuple<T>(items: T[]): T[] {
  tuples.add(items);
  return items;
}

export function isTuple(v: unknown): boolean {
  return Array.isArray(v) && tuples.has(v);
}

/** Python str(): what `~`, `| string` and `join` produce. Lists and dicts print as repr. */
export function pyStr(value: unknown): string {
  const v = need(value);
  if (typeof v === 'string') return v;
  return pyRepr(v);
}

/** Python repr(), as Ansible shows lists and dicts interpolated into strings. */
export function pyRepr(value: unknown): string {
  const v = need(value);
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (isNum(v)) return pyNumber(v);
  if (typeof v === 'string') return reprString(v);
  if (Array.isArray(v) && tuples.has(v)) return v.length === 1 ? `(${pyRepr(v[0])},)` : `(${v.map(pyRepr).join(', ')})`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (isMapping(v)) return `{${Object.entries(v).map(([k, x]) => `${reprString(k)}: ${pyRepr(x)}`).join(', ')}}`;
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

function reprString(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  const named: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  const body = s.replace(/[\x00-\x1f\x7f\\]/g, (c) => named[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return q + (q === "'" ? body.replace(/'/g, "\\'") : body) + q;
}

/** Python ==: deep for lists and dicts. */
export function pyEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((isNum(a) || typeof a === 'boolean') && (isNum(b) || typeof b === 'boolean')) return Number(a) === Number(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => pyEquals(x, b[i]));
  if (isMapping(a) && isMapping(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && pyEquals(a[k], b[k]));
  }
  return false;
}

/** Python ordering: numbers with numbers, strings with strings, lists lexicographically. */
export function pyCompare(a: unknown, b: unknown): number {
  if ((isNum(a) || typeof a === 'boolean') && (isNum(b) || typeof b === 'boolean')) {
    return Number(a) - Number(b);
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = pyCompare(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  const mixed = new Set([typeName(a), typeName(b)]);
  const hint =
    mixed.has('string') && mixed.has('number')
      ? " (convert with '| int' or '| float' first; compare versions with 'is version(...)')"
      : '';
  throw new ExprEvalError(`cannot compare ${typeName(a)} with ${typeName(b)}${hint}`);
}

/** Python `item in container`. */
export function pyContains(container: unknown, item: unknown): boolean {
  if (typeof container === 'string') {
    if (typeof item !== 'string') {
      throw new ExprEvalError(`'in <string>' needs a string on the left, got ${describeValue(item)}`);
    }
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((x) => pyEquals(x, item));
  if (isMapping(container)) {
    return (typeof item === 'string' || typeof item === 'number') && Object.hasOwn(container, String(item));
  }
  throw new ExprEvalError(`'in' needs a list, dict or string on the right, got ${describeValue(container)}`);
}

/** Closest candidate by edit distance, for "did you mean" hints. */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

// ---------------------------------------------------------------------------------------------
// Member access

/** How a key is appended to a path: `a.b`, `a[0]`, `a['odd key']`. */
export function pathWithKey(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${base}.${key}` : `${base}[${reprString(key)}]`;
}

/**
 * `base.key` / `base[key]`: array elements (negative indexes count from the end, as in Python),
 * string characters, and own keys of plain objects. Anything else is undefined, never an
 * inherited property: `x.constructor`, `x.__proto__` and `list.length` are all undefined.
 */
export function getMember(base: unknown, key: unknown, basePath: string): unknown {
  if (base instanceof Undef) {
    return new Undef(pathWithKey(base.path, keyForPath(key)), () => base.hint ?? `'${base.path}' is undefined`);
  }
  const path = pathWithKey(basePath, keyForPath(key));
  if (Array.isArray(base) || typeof base === 'string') {
    const index = toIndex(key);
    if (index === undefined) return new Undef(path, `'${basePath}' is a ${typeName(base)}, which only has integer indexes`);
    const i = index < 0 ? base.length + index : index;
    const item: unknown = i >= 0 && i < base.length ? base[i] : undefined;
    if (item !== undefined) return item;
    return new Undef(path, `index ${index} is out of range for '${basePath}' (length ${base.length})`);
  }
  if (isMapping(base)) {
    const name = String(key);
    const value = typeof key === 'string' || typeof key === 'number' ? ownValue(base, name) : undefined;
    if (value !== undefined) return value;
    return new Undef(path, () => missingKeyHint(base, name, basePath));
  }
  const what = base === null ? 'none' : `a ${typeName(base)}`;
  return new Undef(path, `'${basePath}' is ${what}, which has no keys`);
}

function keyForPath(key: unknown): string | number {
  return typeof key === 'number' ? key : String(key);
}

function toIndex(key: unknown): number | undefined {
  if (typeof key === 'number' && Number.isInteger(key)) return key;
  if (typeof key === 'string' && /^-?\d+$/.test(key)) return Number(key);
  return undefined;
}

function missingKeyHint(obj: Record<string, unknown>, key: string, basePath: string): string {
  const keys = Object.keys(obj);
  const guess = suggest(key, keys);
  if (guess) return `'${basePath}' has no key '${key}'; did you mean '${guess}'?`;
  return keys.length ? `'${basePath}' has no key '${key}'; it has: ${listNames(keys)}` : `'${basePath}' is an empty dict`;
}

// ---------------------------------------------------------------------------------------------
// Filters and tests are supplied by a library (filters.ts), so this file knows no names.

/**
 * The calling convention of one filter or test. `params` are named after the subject, in
 * positional order; a `*rest` entry collects extra positional arguments, and names after it are
 * keyword-only. Missing optional arguments arrive as JS `undefined`.
 */
export interface Callable {
  params: readonly string[];
  required: number;
  rest?: string;
  keywordOnly: readonly string[];
  /** Receives undefined subjects and arguments as `Undef` instead of raising (default, defined…). */
  lazy: boolean;
  call(value: unknown, args: Record<string, unknown>, rest: unknown[]): unknown;
}

export interface Library {
  filter(name: string): Callable | undefined;
  test(name: string): Callable | undefined;
  names(kind: 'filter' | 'test'): string[];
  /** `self.name(...)`; throws for a method the value's type lacks. */
  method(self: unknown, name: string, args: unknown[], kwargs: Record<string, unknown>): unknown;
  isMethod(name: string): boolean;
  /** A global function (`range`, `lookup`…). */
  func(name: string): ((args: unknown[], kwargs: Record<string, unknown>, vars: Vars) => unknown) | undefined;
}

/** Match positional and keyword arguments to a signature; returns an error message on mismatch. */
export function bindArgs<V>(
  sig: Callable,
  positional: V[],
  keywords: readonly (readonly [string, V])[],
): { args: Record<string, V>; rest: V[] } | string {
  const args: Record<string, V> = {};
  const all = [...sig.params, ...sig.keywordOnly];
  if (positional.length > sig.params.length && !sig.rest) {
    if (sig.params.length === 0) return 'takes no arguments';
    const n = sig.params.length;
    return `takes at most ${n} argument${n === 1 ? '' : 's'} (${sig.params.join(', ')}), got ${positional.length}`;
  }
  sig.params.forEach((p, i) => {
    if (i < positional.length) args[p] = positional[i] as V;
  });
  for (const [name, value] of keywords) {
    if (!all.includes(name)) {
      return all.length ? `has no parameter '${name}' (parameters: ${all.join(', ')})` : 'takes no arguments';
    }
    if (Object.hasOwn(args, name)) return `got argument '${name}' twice`;
    args[name] = value;
  }
  const missing = sig.params.slice(0, sig.required).filter((p) => !Object.hasOwn(args, p));
  if (missing.length) return `needs argument${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')}`;
  return { args, rest: positional.slice(sig.params.length) };
}

export type CallLibrary = Pick<Library, 'filter' | 'test' | 'names'>;

export function unknownCallMessage(kind: 'filter' | 'test', name: string, lib: CallLibrary): string {
  const guess = suggest(name.split('.').pop() ?? name, lib.names(kind));
  return `unknown ${kind} '${name}'${guess ? ` (did you mean '${guess}'?)` : ''}`;
}

/** Run a filter or test by name on already-evaluated values (used by select, map, …). */
export function invoke(
  lib: CallLibrary,
  kind: 'filter' | 'test',
  name: string,
  value: unknown,
  positional: unknown[],
  keywords: readonly (readonly [string, unknown])[] = [],
): unknown {
  const sig = kind === 'filter' ? lib.filter(name) : lib.test(name);
  if (!sig) throw new ExprEvalError(unknownCallMessage(kind, name, lib));
  if (!sig.lazy) [value, ...positional, ...keywords.map(([, v]) => v)].forEach(need);
  const bound = bindArgs(sig, positional, keywords);
  if (typeof bound === 'string') throw new ExprEvalError(`${kind} '${name}' ${bound}`);
  try {
    const result = sig.call(value, bound.args, bound.rest);
    return kind === 'test' ? truthy(result) : result;
  } catch (e) {
    if (e instanceof UndefinedError || (e instanceof ExprEvalError && e.message.startsWith(`${kind} '`))) throw e;
    const message = e instanceof Error ? e.message : String(e);
    throw new ExprEvalError(`${kind} '${name}': ${message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Evaluation

export interface Scope {
  vars: Vars;
  /** Names bound by `{% set %}` and `{% for %}`, shadowing `vars`. */
  locals?: Map<string, unknown>;
  lib: Library;
  /** The text the AST was parsed from, to name sub-expressions in messages. */
  source: string | undefined;
}

/** Evaluate a node. May return an `Undef`; callers that use the value call `need`. */
export function evalNode(node: Expr, scope: Scope): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'name': {
      const local = scope.locals?.get(node.name);
      if (local !== undefined) return local;
      const value = ownValue(scope.vars, node.name);
      if (value !== undefined) return value;
      return new Undef(node.name, () => {
        const guess = suggest(node.name, Object.keys(scope.vars));
        return guess ? `did you mean '${guess}'?` : undefined;
      });
    }
    case 'list': {
      const items = node.items.map((item) => need(evalNode(item, scope)));
      return node.tuple ? mkTuple(items) : items;
    }
    case 'dict':
      return makeDict(node.entries.map((e) => [dictKey(need(evalNode(e.key, scope))), need(evalNode(e.value, scope))]));
    case 'attr':
      return getMember(evalNode(node.object, scope), node.key, pathOf(node.object, scope));
    case 'index': {
      const base = evalNode(node.object, scope);
      return getMember(base, need(evalNode(node.index, scope)), pathOf(node.object, scope));
    }
    case 'slice':
      return evalSlice(node, scope);
    case 'unary':
      return evalUnary(node.op, evalNode(node.operand, scope));
    case 'binary':
      return binary(node.op, need(evalNode(node.left, scope)), need(evalNode(node.right, scope)));
    case 'logical': {
      // Python returns the deciding operand, not a boolean.
      const left = evalNode(node.left, scope);
      if (node.op === 'and') return truthy(left) ? evalNode(node.right, scope) : left;
      return truthy(left) ? left : evalNode(node.right, scope);
    }
    case 'compare':
      return evalCompare(node, scope);
    case 'filter':
    case 'test':
      return evalCall(node, scope);
    case 'call':
      return evalFunctionCall(node, scope);
    case 'cond':
      if (truthy(evalNode(node.test, scope))) return evalNode(node.then, scope);
      if (node.else) return evalNode(node.else, scope);
      return new Undef(sourceOf(node, scope), 'the inline if was false and it has no else');
  }
}

function dictKey(key: unknown): string {
  if (typeof key === 'string') return key;
  if (isNum(key)) return pyNumber(key);
  throw new ExprEvalError(`dict keys must be strings or numbers, got ${describeValue(key)}`);
}

/** A readable name for a node in messages: the variable path, else its source text. */
function pathOf(node: Expr, scope: Scope): string {
  if (node.kind === 'name') return node.name;
  if (node.kind === 'attr') return pathWithKey(pathOf(node.object, scope), node.key);
  if (node.kind === 'index' && node.index.kind === 'literal') {
    const key = node.index.value;
    if (typeof key === 'string' || typeof key === 'number') return pathWithKey(pathOf(node.object, scope), key);
  }
  return `(${sourceOf(node, scope)})`;
}

function sourceOf(node: Expr, scope: Scope): string {
  return scope.source?.slice(node.start, node.end) ?? 'expression';
}

function evalUnary(op: '-' | '+' | 'not', value: unknown): unknown {
  if (op === 'not') return !truthy(value);
  const v = need(value);
  if (typeof v === 'boolean') return op === '-' ? -Number(v) : Number(v);
  if (!isNum(v)) throw new ExprEvalError(`unary '${op}' needs a number, got ${describeValue(v)}`);
  if (op === '+') return v;
  return isFloat(v) ? mkFloat(-toNum(v)) : -v;
}

function evalCompare(node: Extract<Expr, { kind: 'compare' }>, scope: Scope): boolean {
  // Chained like Python: `a < b < c` is `a < b and b < c`.
  let left = need(evalNode(node.first, scope));
  for (const { op, right: rightNode } of node.rest) {
    const right = need(evalNode(rightNode, scope));
    if (!compare(op, left, right)) return false;
    left = right;
  }
  return true;
}

function compare(op: string, a: unknown, b: unknown): boolean {
  switch (op) {
    case '==':
      return pyEquals(a, b);
    case '!=':
      return !pyEquals(a, b);
    case 'in':
      return pyContains(b, a);
    case 'not in':
      return !pyContains(b, a);
    case '<':
      return pyCompare(a, b) < 0;
    case '<=':
      return pyCompare(a, b) <= 0;
    case '>':
      return pyCompare(a, b) > 0;
    default:
      return pyCompare(a, b) >= 0;
  }
}

function binary(op: string, a: unknown, b: unknown): unknown {
  if (op === '~') return pyStr(a) + pyStr(b);
  const numeric = (x: unknown) => isNum(x) || typeof x === 'boolean';
  if (numeric(a) && numeric(b)) {
    const result = arithmetic(op, Number(a), Number(b));
    const float = isFloat(a) || isFloat(b) || op === '/' || (op === '**' && Number(b) < 0);
    return float ? mkFloat(result) : result;
  }
  if (op === '%' && typeof a === 'string') return percentFormat(a, b);
  if (op === '+') {
    if (typeof a === 'string' && typeof b === 'string') return a + b;
    if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  }
  if (op === '*') {
    const [seq, n] = typeof b === 'number' ? [a, b] : [b, a];
    if (typeof seq === 'string' && typeof n === 'number' && !Number.isInteger(n)) throw new ExprEvalError("can't multiply sequence by non-int of type 'float'");
    if (typeof n === 'number' && Number.isInteger(n) && (typeof seq === 'string' || Array.isArray(seq))) {
      return repeat(seq, n);
    }
  }
  let hint = '';
  if (op === '+' && (typeof a === 'string' || typeof b === 'string')) {
    hint = " (use '~' to join text, or '| int' to convert)";
  }
  throw new ExprEvalError(`unsupported operand types for '${op}': ${typeName(a)} and ${typeName(b)}${hint}`);
}

export const PRINTERS = { str: (v: unknown) => pyStr(v), repr: (v: unknown) => pyRepr(v) };

/** Python `fmt % args`. */
export function percentFormat(fmt: string, args: unknown): string {
  try {
    return formatWith(fmt, args, PRINTERS);
  } catch (e) {
    if (e instanceof FormatError) throw new ExprEvalError(e.message);
    throw e;
  }
}

const MAX_REPEAT_LENGTH = 1_000_000;

function repeat(seq: string | unknown[], n: number): string | unknown[] {
  const count = Math.max(0, n);
  if (seq.length * count > MAX_REPEAT_LENGTH) {
    throw new ExprEvalError(`repetition result too long (limit ${MAX_REPEAT_LENGTH})`);
  }
  return typeof seq === 'string' ? seq.repeat(count) : Array.from({ length: count }, () => seq).flat(1);
}

function arithmetic(op: string, a: number, b: number): number {
  if (b === 0 && ['/', '//', '%'].includes(op)) throw new ExprEvalError(`division by zero in '${op}'`);
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '//':
      return Math.floor(a / b);
    case '%':
      return a - b * Math.floor(a / b); // Python: the result takes the divisor's sign
    default:
      return a ** b;
  }
}

function evalSlice(node: Extract<Expr, { kind: 'slice' }>, scope: Scope): unknown {
  const seq = need(evalNode(node.object, scope));
  if (typeof seq !== 'string' && !Array.isArray(seq)) {
    throw new ExprEvalError(`cannot slice ${describeValue(seq)}; slicing needs a list or string`);
  }
  const bound = (e: Expr | undefined, what: string): number | undefined => {
    if (!e) return undefined;
    const v = need(evalNode(e, scope));
    if (v === null) return undefined;
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    throw new ExprEvalError(`slice ${what} must be an integer, got ${describeValue(v)}`);
  };
  const step = bound(node.step, 'step') ?? 1;
  if (step === 0) throw new ExprEvalError('slice step cannot be zero');
  const items = typeof seq === 'string' ? [...seq] : seq;
  const picked = pySlice(items, bound(node.lower, 'start'), bound(node.upper, 'end'), step);
  return typeof seq === 'string' ? picked.join('') : picked;
}

function pySlice<T>(items: T[], lower: number | undefined, upper: number | undefined, step: number): T[] {
  const n = items.length;
  const clamp = (i: number, lo: number, hi: number) => Math.min(Math.max(i < 0 ? i + n : i, lo), hi);
  const out: T[] = [];
  if (step > 0) {
    const end = upper === undefined ? n : clamp(upper, 0, n);
    for (let i = lower === undefined ? 0 : clamp(lower, 0, n); i < end; i += step) out.push(items[i] as T);
  } else {
    const end = upper === undefined ? -1 : clamp(upper, -1, n - 1);
    for (let i = lower === undefined ? n - 1 : clamp(lower, -1, n - 1); i > end; i += step) out.push(items[i] as T);
  }
  return out;
}

function evalFunctionCall(node: Extract<Expr, { kind: 'call' }>, scope: Scope): unknown {
  const args = node.call.args.map((a) => need(evalNode(a, scope)));
  const kwargs = makeDict(node.call.kwargs.map((k) => [k.name, need(evalNode(k.value, scope))] as const));
  if (node.callee.kind === 'attr') {
    const self = need(evalNode(node.callee.object, scope));
    const member = isMapping(self) ? ownValue(self, node.call.name) : undefined;
    if (member instanceof Macro) return member.call(args, kwargs);
    return scope.lib.method(self, node.call.name, args, kwargs);
  }
  const fn = scope.lib.func(node.call.name);
  if (!fn) throw new ExprEvalError(`'${node.call.name}' is not a function`);
  return fn(args, kwargs, scope.vars);
}

/** A callable value bound in a template (the `loop.cycle` helper). */
export class Macro {
  constructor(readonly call: (args: unknown[], kwargs: Record<string, unknown>) => unknown) {}
}

function evalCall(node: Extract<Expr, { kind: 'filter' | 'test' }>, scope: Scope): unknown {
  const call: Call = node.call;
  const subject = evalNode(node.subject, scope);
  const args = call.args.map((a) => evalNode(a, scope));
  const kwargs = call.kwargs.map((k) => [k.name, evalNode(k.value, scope)] as const);
  const result = invoke(scope.lib, node.kind, call.name, subject, args, kwargs);
  if (node.kind === 'test') return node.negated ? !result : result;
  // A filter that finds nothing (e.g. `first` of []) returns an anonymous Undef; name it here.
  if (result instanceof Undef && result.path === '') return new Undef(sourceOf(node, scope), result.hint);
  return result;
}

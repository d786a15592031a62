// The filters (`x | f(...)`) and tests (`x is t(...)`) remedy supports: the Jinja2 and Ansible
// ones playbooks use, with Ansible's semantics where they differ from Jinja's. Each entry is a
// signature string plus a function of plain values; expr-eval.ts does the argument binding and
// undefined checks, and prefixes errors with the filter's name.
import semver from 'semver';
import { PyFloat, isNum, mkFloat, pyToFixed } from './py-float.js';
import { EXTRA_FILTERS, EXTRA_TESTS } from './filters-extra.js';
import { def } from './signature.js';
import { quote } from '../shell.js';
import { ansibleBoolean } from './bool.js';
import {
  ExprEvalError,
  Undef,
  UndefinedError,
  describeValue,
  getMember,
  invoke,
  isMapping,
  makeDict,
  need,
  ownValue,
  pyCompare,
  pyContains,
  pyEquals,
  pyRepr,
  pyStr,
  truthy,
  typeName,
  type Callable,
  type CallLibrary,
} from './expr-eval.js';


// ---------------------------------------------------------------------------------------------
// Argument coercion. Messages name the parameter; the evaluator adds the filter's name.

function str(v: unknown, what = 'the value'): string {
  if (typeof v === 'string') return v;
  throw new ExprEvalError(`${what} must be a string, got ${describeValue(v)}`);
}

function num(v: unknown, what: string): number {
  if (typeof v === 'number') return v;
  throw new ExprEvalError(`${what} must be a number, got ${describeValue(v)}`);
}

function int(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw new ExprEvalError(`${what} must be an integer, got ${describeValue(v)}`);
}

function list(v: unknown, what = 'the value'): unknown[] {
  if (Array.isArray(v)) return v;
  throw new ExprEvalError(`${what} must be a list, got ${describeValue(v)}`);
}

function dict(v: unknown, what = 'the value'): Record<string, unknown> {
  if (isMapping(v)) return v;
  throw new ExprEvalError(`${what} must be a dict, got ${describeValue(v)}`);
}

/** Lists as they are, strings as characters, dicts as their keys: Python iteration. */
function iterate(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (isMapping(v)) return Object.keys(v);
  throw new ExprEvalError(`expected a list, string or dict, got ${describeValue(v)}`);
}

const flag = (v: unknown): boolean => v !== undefined && truthy(v);

/** An optional integer argument (absent or None means `fallback`). */
function optInt<T>(v: unknown, what: string, fallback: T): number | T {
  return v === undefined || v === null ? fallback : int(v, what);
}

/** `attribute='a.b'` lookups used by sort, map, selectattr…; missing keys raise. */
function attr(item: unknown, path: unknown, label: string): unknown {
  let value = item;
  let where = label;
  for (const part of str(path, 'attribute').split('.')) {
    value = getMember(value, /^\d+$/.test(part) ? Number(part) : part, where);
    where = value instanceof Undef ? value.path : `${where}.${part}`;
  }
  return need(value);
}

/** The item itself, or its `attribute=` when one was given. */
function pick(item: unknown, attribute: unknown): unknown {
  return attribute === undefined ? item : attr(item, attribute, 'item');
}

/** Sort key for Jinja's case-insensitive defaults. */
function foldCase(v: unknown, caseSensitive: unknown): unknown {
  return typeof v === 'string' && !flag(caseSensitive) ? v.toLowerCase() : v;
}

function uniqueBy(items: unknown[], key: (v: unknown) => unknown): unknown[] {
  const seen: unknown[] = [];
  return items.filter((item) => {
    const k = key(item);
    if (seen.some((s) => pyEquals(s, k))) return false;
    seen.push(k);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// Conversions with Python's and Jinja's rules

/** Python int(s, base), which allows whitespace, a sign, underscores and a 0x/0o/0b prefix. */
function parsePyInt(s: string, base: number): number | undefined {
  const m = /^\s*([+-]?)(?:0([xob]))?([0-9a-z](?:_?[0-9a-z])*)\s*$/i.exec(s);
  if (!m) return undefined;
  const prefixBase = { x: 16, o: 8, b: 2 }[(m[2] ?? '').toLowerCase() as 'x' | 'o' | 'b'];
  if (prefixBase !== undefined && prefixBase !== base && base !== 0) return undefined;
  const b = prefixBase ?? (base === 0 ? 10 : base);
  const digits = (m[3] ?? '').replace(/_/g, '').toLowerCase();
  const valid = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, b);
  if (![...digits].every((d) => valid.includes(d))) return undefined;
  const n = parseInt(digits, b);
  return m[1] === '-' ? -n : n;
}

/** Python float(s). */
function parsePyFloat(s: string): number | undefined {
  const t = s.trim().replace(/(\d)_(?=\d)/g, '$1');
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return Number(t);
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(t);
  if (!special) return undefined;
  const n = special[2]?.toLowerCase() === 'nan' ? NaN : Infinity;
  return special[1] === '-' ? -n : n;
}

/** Jinja's `int`: int(value), else int(float(value)), else the default. */
function toInt(v: unknown, fallback: unknown = 0, base: unknown = 10): unknown {
  if (typeof v === 'boolean') return Number(v);
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : fallback;
  if (typeof v !== 'string') return fallback;
  const n = parsePyInt(v, int(base, 'base')) ?? parsePyFloat(v);
  return n === undefined || !Number.isFinite(n) ? fallback : Math.trunc(n);
}

function toFloat(v: unknown, fallback: unknown = 0): unknown {
  if (typeof v === 'boolean' || isNum(v)) return mkFloat(Number(v));
  if (typeof v !== 'string') return fallback === 0 ? new PyFloat(0) : fallback;
  const parsed = parsePyFloat(v);
  return parsed === undefined ? (fallback === 0 ? new PyFloat(0) : fallback) : mkFloat(parsed);
}

/** Ansible's `bool`: 'yes', 'on', 'true', 'y', 't', '1' (any case) and 1 are true. */
/**
 * Ansible 2.14's `bool` filter (plugins/filter/core.py to_bool): only yes/on/1/true (any case,
 * not trimmed) and the number 1 are true; None stays None; everything else is false. Narrower
 * than module_utils' boolean(): `y` and `t` are false here.
 */
function toBool(v: unknown): boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return v;
  if (isNum(v)) return Number(v) === 1;
  if (typeof v === 'string') return ['yes', 'on', '1', 'true'].includes(v.toLowerCase());
  return false;
}

/** The `truthy`/`falsy` tests with convert_bool: module_utils' strict boolean() when it knows the value, else Python's bool(). */
function convertedTruth(v: unknown): boolean {
  return ansibleBoolean(v instanceof PyFloat ? v.n : v) ?? truthy(v);
}

/** Python str.split(sep, maxsplit): no separator means runs of whitespace, ends trimmed. */
export function pySplit(s: string, sep: unknown, maxsplit: unknown): string[] {
  let limit = maxsplit === undefined ? -1 : int(maxsplit, 'maxsplit');
  if (limit < 0) limit = Infinity;
  if (sep === undefined || sep === null) {
    const out: string[] = [];
    let rest = s.replace(/^\s+/, '');
    while (rest && out.length < limit) {
      const m = /\s+/.exec(rest);
      if (!m) break;
      out.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    if (rest) out.push(out.length >= limit ? rest.replace(/\s+$/, '') : rest);
    return out;
  }
  const separator = str(sep, 'separator');
  if (separator === '') throw new ExprEvalError('empty separator');
  const parts = s.split(separator);
  return limit >= parts.length - 1 ? parts : [...parts.slice(0, limit), parts.slice(limit).join(separator)];
}

/** Python str.replace(old, new, count), including the empty-`old` case. */
export function pyReplace(s: string, old: string, replacement: string, count: number): string {
  const pieces = old === '' ? ['', ...s, ''] : s.split(old);
  if (old === '' && s === '') return count === 0 ? '' : replacement;
  const n = count < 0 ? pieces.length - 1 : Math.min(count, pieces.length - 1);
  const joined = pieces.slice(0, n + 1).join(replacement);
  const tail = pieces.slice(n + 1);
  return tail.length ? joined + old + tail.join(old) : joined;
}

/** Python str.strip(chars). */
export function pyStrip(s: string, chars: unknown): string {
  if (chars === undefined || chars === null) return s.trim();
  const set = new Set(str(chars, 'chars'));
  const cs = [...s];
  let a = 0;
  let b = cs.length;
  while (a < b && set.has(cs[a] ?? '')) a++;
  while (b > a && set.has(cs[b - 1] ?? '')) b--;
  return cs.slice(a, b).join('');
}

/** posixpath.basename / dirname (so '/a/b/' has basename ''). */
function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

function dirname(p: string): string {
  const head = p.slice(0, p.lastIndexOf('/') + 1);
  return head && !/^\/+$/.test(head) ? head.replace(/\/+$/, '') : head;
}

// ---------------------------------------------------------------------------------------------
// JSON in Python's json.dumps layout (", " and ": " separators), which Ansible's to_json uses.

/** Python's json.dumps(value), as Ansible writes a list or dict given to `copy: content`. */
export function jsonDumps(value: unknown): string {
  return toJson(value, undefined, false);
}

function toJson(value: unknown, indent: number | undefined, sortKeys: boolean, depth = 0): string {
  if (depth > 200) throw new ExprEvalError('value nested too deeply for JSON');
  const v = need(value);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return Number.isFinite(v) || Number.isNaN(v) ? String(v) : v > 0 ? 'Infinity' : '-Infinity';
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  let items: string[];
  let open: string;
  let close: string;
  if (Array.isArray(v)) {
    items = v.map((x) => toJson(x, indent, sortKeys, depth + 1));
    [open, close] = ['[', ']'];
  } else if (isMapping(v)) {
    const keys = Object.keys(v);
    if (sortKeys) keys.sort();
    items = keys.map((k) => `${JSON.stringify(k)}: ${toJson(v[k], indent, sortKeys, depth + 1)}`);
    [open, close] = ['{', '}'];
  } else {
    throw new ExprEvalError(`${typeName(v)} is not JSON serializable`);
  }
  if (items.length === 0) return open + close;
  if (indent === undefined) return open + items.join(', ') + close;
  const pad = (n: number) => '\n' + ' '.repeat(indent * n);
  return open + pad(depth + 1) + items.join(',' + pad(depth + 1)) + pad(depth) + close;
}

// ---------------------------------------------------------------------------------------------
// Regular expressions: Python syntax translated to JavaScript's, with size limits because a
// backtracking engine on a huge command output can hang the run.

const MAX_REGEX_INPUT = 1_000_000;
const MAX_PATTERN = 10_000;

/** Compile a Python regex: `(?P<n>…)`, `(?P=n)`, `\A`, `\Z` and leading `(?ims)` flags. */
function compileRegex(pattern: unknown, opts: { ignorecase?: unknown; multiline?: unknown }, extraFlags = ''): RegExp {
  let src = str(pattern, 'pattern');
  if (src.length > MAX_PATTERN) {
    throw new ExprEvalError(`pattern is too long (${src.length} characters, limit ${MAX_PATTERN})`);
  }
  let flags = extraFlags + (flag(opts.ignorecase) ? 'i' : '') + (flag(opts.multiline) ? 'm' : '');
  const inline = /^\(\?([aiLmsux]+)\)/.exec(src);
  if (inline) {
    for (const f of inline[1] ?? '') {
      if ('ims'.includes(f)) flags += f;
      else if (f !== 'a' && f !== 'u') throw new ExprEvalError(`regex flag '(?${f})' is not supported`);
    }
    src = src.slice(inline[0].length);
  }
  try {
    return new RegExp(translatePythonRegex(src), [...new Set(flags)].join(''));
  } catch (e) {
    throw new ExprEvalError(`invalid regular expression ${pyRepr(src)}: ${(e as Error).message}`);
  }
}

function translatePythonRegex(src: string): string {
  let out = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i] ?? '';
    if (c === '\\') {
      const e = src[i + 1] ?? '';
      out += e === 'A' ? '(?<![\\s\\S])' : e === 'Z' ? '(?![\\s\\S])' : c + e;
      i++;
    } else if (src.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
    } else if (src.startsWith('(?P=', i)) {
      const end = src.indexOf(')', i);
      out += `\\k<${src.slice(i + 4, end)}>`;
      i = end;
    } else {
      out += c;
    }
  }
  return out;
}

function regexInput(v: unknown): string {
  const s = pyStr(v);
  if (s.length > MAX_REGEX_INPUT) {
    throw new ExprEvalError(`input is too long for a regular expression (${s.length} characters, limit ${MAX_REGEX_INPUT})`);
  }
  return s;
}

/** A match group by number or name; unmatched groups are '' as in Python 3.5+. */
function group(m: RegExpExecArray, ref: string): string {
  const numbered = /^\d+$/.test(ref);
  const exists = numbered ? Number(ref) < m.length : m.groups !== undefined && Object.hasOwn(m.groups, ref);
  if (!exists) throw new ExprEvalError(`invalid group reference '${ref}'`);
  return (numbered ? m[Number(ref)] : m.groups?.[ref]) ?? '';
}

/** Expand a Python re.sub replacement: `\1`, `\g<1>`, `\g<name>`, `\n`, `\\`. */
function expandReplacement(template: string, m: RegExpExecArray): string {
  const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\' };
  const expand = (whole: string, digits?: string, name?: string, other?: string): string => {
    if (digits !== undefined) return group(m, digits);
    if (name !== undefined) return group(m, name);
    return escapes[other ?? ''] ?? whole;
  };
  return template.replace(/\\(?:(\d{1,2})|g<([^>]*)>|(.))/gs, expand);
}

function regexSearch(value: unknown, a: Record<string, unknown>, groups: unknown[]): unknown {
  const m = compileRegex(a.pattern, a).exec(regexInput(value));
  if (!m) return null;
  if (groups.length === 0) return m[0];
  // Ansible's group arguments are written '\\1' or '\\g<name>'.
  return groups.map((g) => {
    const ref = /^\\(?:(\d+)|g<(\S+)>)$/.exec(str(g, 'group'));
    if (!ref) throw new ExprEvalError(`group arguments look like '\\\\1' or '\\\\g<name>', got ${pyRepr(g)}`);
    return group(m, ref[1] ?? ref[2] ?? '');
  });
}

function regexReplace(value: unknown, a: Record<string, unknown>): string {
  const input = regexInput(value);
  const re = compileRegex(a.pattern ?? '', a, 'g');
  const replacement = pyStr(a.replacement ?? '');
  const count = a.count === undefined ? 0 : int(a.count, 'count');
  let out = '';
  let last = 0;
  let n = 0;
  for (const m of input.matchAll(re)) {
    if (count > 0 && n >= count) break;
    out += input.slice(last, m.index) + expandReplacement(replacement, m as RegExpExecArray);
    last = m.index + m[0].length;
    n++;
  }
  return out + input.slice(last);
}

function regexFindall(value: unknown, a: Record<string, unknown>): unknown[] {
  const matches = [...regexInput(value).matchAll(compileRegex(a.pattern, a, 'g'))];
  return matches.map((m) => (m.length === 1 ? m[0] : m.length === 2 ? (m[1] ?? '') : m.slice(1).map((g) => g ?? '')));
}

/** Python re.match (anchored at the start), re.search, re.fullmatch. */
function regexTest(value: unknown, a: Record<string, unknown>, matchType: unknown): boolean {
  const type = matchType ?? 'search';
  if (type === 'search') return compileRegex(a.pattern, a).test(regexInput(value));
  const re = compileRegex(a.pattern, a, 'y');
  const m = re.exec(regexInput(value));
  if (type === 'match') return m !== null;
  if (type === 'fullmatch') return m !== null && m[0].length === regexInput(value).length;
  throw new ExprEvalError(`match_type must be 'search', 'match' or 'fullmatch', got ${pyRepr(type)}`);
}

// ---------------------------------------------------------------------------------------------
// Versions: coerced to semver ('9.2p1' and 'OpenSSH_9.2' read as 9.2.0), never compared as text.

const VERSION_OPERATORS: ReadonlyMap<string, (c: number) => boolean> = new Map([
  ...['==', '=', 'eq'].map((o) => [o, (c: number) => c === 0] as const),
  ...['!=', '<>', 'ne'].map((o) => [o, (c: number) => c !== 0] as const),
  ...['<', 'lt'].map((o) => [o, (c: number) => c < 0] as const),
  ...['<=', 'le'].map((o) => [o, (c: number) => c <= 0] as const),
  ...['>', 'gt'].map((o) => [o, (c: number) => c > 0] as const),
  ...['>=', 'ge'].map((o) => [o, (c: number) => c >= 0] as const),
]);

function toVersion(v: unknown): semver.SemVer {
  const text = typeof v === 'number' ? pyStr(v) : str(v, 'version');
  const parsed = semver.coerce(text);
  if (!parsed) throw new ExprEvalError(`cannot read a version number from ${describeValue(v)}`);
  return parsed;
}

function versionTest(value: unknown, other: unknown, operator: unknown): boolean {
  const op = operator === undefined ? 'eq' : str(operator, 'operator');
  const check = VERSION_OPERATORS.get(op);
  if (!check) {
    const known = [...VERSION_OPERATORS.keys()].join(' ');
    throw new ExprEvalError(`unknown version operator ${pyRepr(op)} (use one of ${known})`);
  }
  return check(semver.compare(toVersion(value), toVersion(other)));
}

// ---------------------------------------------------------------------------------------------
// Task result tests, reading the fields Ansible's do.

function resultFlag(result: unknown, field: string): boolean {
  const r = dict(result, 'a registered task result');
  return flag(ownValue(r, field));
}

/** `changed`, also true when a loop result has any changed item. */
function resultChanged(result: unknown): boolean {
  const r = dict(result, 'a registered task result');
  if (Object.hasOwn(r, 'changed')) return flag(r.changed);
  const items = ownValue(r, 'results');
  return Array.isArray(items) && items.some((i) => isMapping(i) && flag(ownValue(i, 'changed')));
}

// ---------------------------------------------------------------------------------------------
// Collections

function combine(dicts: unknown[], recursive: boolean, listMerge: string): Record<string, unknown> {
  if (!['replace', 'keep', 'append', 'prepend'].includes(listMerge)) {
    throw new ExprEvalError(`list_merge must be 'replace', 'keep', 'append' or 'prepend', got ${pyRepr(listMerge)}`);
  }
  const merge = (a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> => {
    const out = new Map(Object.entries(a));
    for (const [k, bv] of Object.entries(b)) {
      const av = out.get(k);
      if (recursive && isMapping(av) && isMapping(bv)) out.set(k, merge(av, bv));
      else if (Array.isArray(av) && Array.isArray(bv) && listMerge !== 'replace') {
        out.set(k, listMerge === 'keep' ? av : listMerge === 'append' ? [...av, ...bv] : [...bv, ...av]);
      } else out.set(k, bv);
    }
    return makeDict(out);
  };
  return dicts.map((d, i) => dict(d, `argument ${i + 1}`)).reduce(merge, {});
}

function flatten(items: unknown[], levels: number | undefined): unknown[] {
  return items.flatMap((item) => {
    if (item === null || item === 'None' || item === 'null') return []; // Ansible's skip_nulls
    if (Array.isArray(item) && (levels === undefined || levels > 0)) return flatten(item, levels && levels - 1);
    return [item];
  });
}

function extreme(items: unknown[], a: Record<string, unknown>, sign: 1 | -1): unknown {
  const key = (v: unknown) => foldCase(pick(v, a.attribute), a.case_sensitive);
  let best: unknown = undefined;
  for (const item of items) {
    if (best === undefined || sign * pyCompare(key(item), key(best)) > 0) best = item;
  }
  return best === undefined ? new Undef('', 'the list is empty') : best;
}

function pyRound(v: number, precision: number, method: unknown): number | PyFloat {
  return mkFloat(roundTo(v, precision, method));
}

function roundTo(v: number, precision: number, method: unknown): number {
  const f = 10 ** precision;
  switch (method ?? 'common') {
    case 'common':
      return Number(pyToFixed(v, Math.max(0, precision))); // Python's round(): ties to even
    case 'ceil':
      return Math.ceil(v * f) / f;
    case 'floor':
      return Math.floor(v * f) / f;
    default:
      throw new ExprEvalError(`method must be 'common', 'ceil' or 'floor', got ${pyRepr(method)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The tables

const defaultFilter = def(
  'default_value? boolean?',
  (v, { default_value = '', boolean }) => (v instanceof Undef || (flag(need(boolean)) && !truthy(v)) ? default_value : v),
  { lazy: true },
);

/** Whether `value` passes the named test (truthiness when no test is named). */
function passes(value: unknown, test: unknown, args: unknown[]): boolean {
  return test === undefined ? truthy(value) : truthy(invoke(FILTERS_AND_TESTS, 'test', str(test, 'test'), value, args));
}

const selectFilter = (keep: boolean) =>
  def('test? *args', (v, { test }, rest) => iterate(v).filter((item) => passes(item, test, rest) === keep));

const selectAttrFilter = (keep: boolean) =>
  def('attribute test? *args', (v, { attribute, test }, rest) =>
    list(v).filter((item) => {
      // As in Jinja, an item without the attribute fails the test rather than raising.
      const value = getMember(item, str(attribute, 'attribute'), 'item');
      const takesUndefined = test !== undefined && FILTERS_AND_TESTS.test(str(test, 'test'))?.lazy;
      const passed = value instanceof Undef && !takesUndefined ? false : passes(value, test, rest);
      return passed === keep;
    }),
  );

const FILTERS: Record<string, Callable> = {
  default: defaultFilter,
  d: defaultFilter,
  mandatory: def(
    'msg?',
    (v, { msg }) => {
      if (!(v instanceof Undef)) return v;
      if (msg !== undefined) throw new UndefinedError(v.path, pyStr(msg));
      throw new UndefinedError(v.path, `mandatory variable '${v.path}' is not defined`);
    },
    { lazy: true },
  ),
  ternary: def(
    'true_val false_val none_val?',
    (v, { true_val, false_val, none_val }) => {
      if (need(v) === null && none_val !== undefined) return none_val;
      return truthy(v) ? true_val : false_val;
    },
    { lazy: true },
  ),

  // text
  lower: def('', (v) => pyStr(v).toLowerCase()),
  upper: def('', (v) => pyStr(v).toUpperCase()),
  capitalize: def('', (v) => {
    const s = pyStr(v);
    return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
  }),
  trim: def('chars?', (v, { chars }) => pyStrip(pyStr(v), chars)),
  replace: def('old new count?', (v, a) =>
    pyReplace(pyStr(v), pyStr(a.old), pyStr(a.new), optInt(a.count, 'count', -1)),
  ),
  split: def('sep? maxsplit?', (v, { sep, maxsplit }) => pySplit(str(v), sep, maxsplit)),
  quote: def('', (v) => quote(v === null ? '' : pyStr(v))),
  basename: def('', (v) => basename(str(v))),
  dirname: def('', (v) => dirname(str(v))),
  b64encode: def('', (v) => Buffer.from(pyStr(v), 'utf8').toString('base64')),
  b64decode: def('', (v) => Buffer.from(str(v), 'base64').toString('utf8')),

  // regular expressions
  regex_search: def('pattern *groups ignorecase? multiline?', regexSearch),
  regex_replace: def('pattern? replacement? ignorecase? multiline? count?', regexReplace),
  regex_findall: def('pattern ignorecase? multiline?', regexFindall),
  regex_escape: def('', (v) => str(v).replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')),

  // conversions
  int: def('default? base?', (v, a) => toInt(v, a.default, a.base)),
  float: def('default?', (v, a) => toFloat(v, a.default)),
  string: def('', (v) => pyStr(v)),
  bool: def('', (v) => toBool(v)),
  list: def('', (v) => [...iterate(v)]),
  to_json: def('indent? sort_keys?', (v, a) => toJson(v, optInt(a.indent, 'indent', undefined), flag(a.sort_keys))),
  to_nice_json: def('indent? sort_keys?', (v, a) =>
    toJson(v, optInt(a.indent, 'indent', 4), a.sort_keys === undefined || flag(a.sort_keys)),
  ),
  from_json: def('', (v) => {
    try {
      return JSON.parse(str(v)) as unknown;
    } catch (e) {
      throw new ExprEvalError(`invalid JSON: ${(e as Error).message}`);
    }
  }),
  dict2items: def('key_name? value_name?', (v, { key_name = 'key', value_name = 'value' }) =>
    Object.entries(dict(v)).map(([k, x]) => makeDict([[str(key_name, 'key_name'), k], [str(value_name, 'value_name'), x]])),
  ),
  items2dict: def('key_name? value_name?', (v, { key_name = 'key', value_name = 'value' }) =>
    makeDict(
      list(v).map((item, i) => {
        const d = dict(item, `item ${i}`);
        const k = need(getMember(d, str(key_name, 'key_name'), `item[${i}]`));
        if (typeof k !== 'string' && typeof k !== 'number') {
          throw new ExprEvalError(`item ${i} has a ${typeName(k)} key; keys must be strings or numbers`);
        }
        return [String(k), need(getMember(d, str(value_name, 'value_name'), `item[${i}]`))];
      }),
    ),
  ),

  // numbers
  abs: def('', (v) => Math.abs(num(v, 'the value'))),
  round: def('precision? method?', (v, a) => pyRound(num(v, 'the value'), optInt(a.precision, 'precision', 0), a.method)),

  // sequences
  length: def('', (v) => (typeof v === 'string' ? [...v].length : iterate(v).length)),
  count: def('', (v) => (typeof v === 'string' ? [...v].length : iterate(v).length)),
  first: def('', (v) => {
    const items = iterate(v);
    return items.length ? items[0] : new Undef('', 'it is empty');
  }),
  last: def('', (v) => {
    const items = iterate(v);
    return items.length ? items[items.length - 1] : new Undef('', 'it is empty');
  }),
  join: def('d? attribute?', (v, { d = '', attribute }) =>
    iterate(v)
      .map((x) => pyStr(pick(x, attribute)))
      .join(pyStr(d)),
  ),
  unique: def('case_sensitive? attribute?', (v, a) =>
    uniqueBy(list(v), (x) => foldCase(pick(x, a.attribute), a.case_sensitive)),
  ),
  sort: def('reverse? case_sensitive? attribute?', (v, a) => {
    const key = (x: unknown) => foldCase(pick(x, a.attribute), a.case_sensitive);
    const sorted = [...iterate(v)].sort((x, y) => pyCompare(key(x), key(y)));
    return flag(a.reverse) ? sorted.reverse() : sorted;
  }),
  reverse: def('', (v) => (typeof v === 'string' ? [...v].reverse().join('') : [...list(v)].reverse())),
  min: def('case_sensitive? attribute?', (v, a) => extreme(list(v), a, -1)),
  max: def('case_sensitive? attribute?', (v, a) => extreme(list(v), a, 1)),
  sum: def('attribute? start?', (v, a) => {
    const start = a.start === undefined ? 0 : num(a.start, 'start');
    return list(v).reduce((acc: number, x, i) => acc + num(pick(x, a.attribute), `item ${i}`), start);
  }),
  flatten: def('levels?', (v, a) => flatten(list(v), optInt(a.levels, 'levels', undefined))),
  union: def('other', (v, a) => uniqueBy([...list(v), ...list(a.other, 'other')], (x) => x)),
  intersect: def('other', (v, a) => uniqueBy(list(v).filter((x) => pyContains(list(a.other, 'other'), x)), (x) => x)),
  difference: def('other', (v, a) => uniqueBy(list(v).filter((x) => !pyContains(list(a.other, 'other'), x)), (x) => x)),
  combine: def('*dicts recursive? list_merge?', (v, a, rest) =>
    combine([v, ...rest], flag(a.recursive), a.list_merge === undefined ? 'replace' : str(a.list_merge, 'list_merge')),
  ),
  select: selectFilter(true),
  reject: selectFilter(false),
  selectattr: selectAttrFilter(true),
  rejectattr: selectAttrFilter(false),
  map: def('filter? *args attribute? default?', (v, a, rest) =>
    list(v).map((item, i) => {
      if (a.attribute !== undefined) {
        const value = getMember(item, str(a.attribute, 'attribute'), `item[${i}]`);
        return value instanceof Undef && a.default !== undefined ? a.default : need(value);
      }
      if (a.filter === undefined) throw new ExprEvalError("needs a filter name or attribute='…'");
      const name = str(a.filter, 'filter');
      const mapped = invoke(FILTERS_AND_TESTS, 'filter', name, item, rest);
      // Lists never hold undefined values; report it here, naming the item.
      if (mapped instanceof Undef) throw new Undef(`item[${i}] | ${name}`, mapped.hint).error();
      return mapped;
    }),
  ),
};

const eq = def('other', (v, a) => pyEquals(v, a.other));
const ne = def('other', (v, a) => !pyEquals(v, a.other));
const lt = def('other', (v, a) => pyCompare(v, a.other) < 0);
const le = def('other', (v, a) => pyCompare(v, a.other) <= 0);
const gt = def('other', (v, a) => pyCompare(v, a.other) > 0);
const ge = def('other', (v, a) => pyCompare(v, a.other) >= 0);
const version = def('version operator? strict? version_type?', (v, a) => versionTest(v, a.version, a.operator));
const succeeded = def('', (v) => !resultFlag(v, 'failed'));
const failed = def('', (v) => resultFlag(v, 'failed'));
const changed = def('', resultChanged);
const skipped = def('', (v) => resultFlag(v, 'skipped'));
const isSequence = def('', (v) => typeof v === 'string' || Array.isArray(v) || isMapping(v));

const TESTS: Record<string, Callable> = {
  defined: def('', (v) => !(v instanceof Undef), { lazy: true }),
  undefined: def('', (v) => v instanceof Undef, { lazy: true }),
  none: def('', (v) => v === null),
  string: def('', (v) => typeof v === 'string'),
  // Booleans are not numbers here (Python says they are; playbook authors do not expect it).
  number: def('', (v) => typeof v === 'number'),
  integer: def('', (v) => typeof v === 'number' && Number.isInteger(v)),
  float: def('', (v) => typeof v === 'number' && !Number.isInteger(v)),
  boolean: def('', (v) => typeof v === 'boolean'),
  true: def('', (v) => v === true),
  false: def('', (v) => v === false),
  mapping: def('', (v) => isMapping(v)),
  sequence: isSequence,
  iterable: isSequence,
  truthy: def('convert_bool?', (v, a) => (flag(a.convert_bool) ? convertedTruth(v) : truthy(v))),
  falsy: def('convert_bool?', (v, a) => !(flag(a.convert_bool) ? convertedTruth(v) : truthy(v))),
  lower: def('', (v) => str(v) === str(v).toLowerCase()),
  upper: def('', (v) => str(v) === str(v).toUpperCase()),
  even: def('', (v) => int(v, 'the value') % 2 === 0),
  odd: def('', (v) => Math.abs(int(v, 'the value') % 2) === 1),
  divisibleby: def('num', (v, a) => int(v, 'the value') % int(a.num, 'num') === 0),
  sameas: def('other', (v, a) => v === a.other),
  equalto: eq,
  eq,
  '==': eq,
  ne,
  '!=': ne,
  lt,
  '<': lt,
  le,
  '<=': le,
  gt,
  '>': gt,
  ge,
  '>=': ge,
  in: def('seq', (v, a) => pyContains(a.seq, v)),
  contains: def('item', (v, a) => pyContains(v, a.item)),
  match: def('pattern ignorecase? multiline?', (v, a) => regexTest(v, a, 'match')),
  search: def('pattern ignorecase? multiline?', (v, a) => regexTest(v, a, 'search')),
  regex: def('pattern ignorecase? multiline? match_type?', (v, a) => regexTest(v, a, a.match_type)),
  version,
  version_compare: version,
  succeeded,
  success: succeeded,
  successful: succeeded,
  failed,
  failure: failed,
  changed,
  change: changed,
  skipped,
  skip: skipped,
  unreachable: def('', (v) => resultFlag(v, 'unreachable')),
  reachable: def('', (v) => !resultFlag(v, 'unreachable')),
};

// ---------------------------------------------------------------------------------------------

const filterTable = new Map(Object.entries({ ...FILTERS, ...EXTRA_FILTERS }));
const testTable = new Map(Object.entries({ ...TESTS, ...EXTRA_TESTS }));

/** `ansible.builtin.quote` is `quote`; other collections are not available. */
function shortName(name: string): string {
  return name.startsWith('ansible.builtin.') ? name.slice('ansible.builtin.'.length) : name;
}

export const FILTERS_AND_TESTS: CallLibrary = {
  filter: (name) => filterTable.get(shortName(name)),
  test: (name) => testTable.get(shortName(name)),
  names: (kind) => [...(kind === 'filter' ? filterTable : testTable).keys()].filter((n) => /^\w+$/.test(n)),
};


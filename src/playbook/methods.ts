// Python methods of str, list and dict that Jinja lets templates call (`s.split(',')`,
// `d.items()`, `'{}'.format(x)`). Only these names are reachable; none mutates its receiver.
import { ExprEvalError, PRINTERS, isMapping, mkTuple, pyContains, pyEquals, pyStr, typeName } from './expr-eval.js';
import { pyReplace, pySplit, pyStrip } from './filters.js';
import { FormatError, braceFormat } from './py-format.js';

export type Method = (self: never, args: unknown[], kwargs: Record<string, unknown>) => unknown;

function s(v: unknown, what: string): string {
  if (typeof v === 'string') return v;
  throw new ExprEvalError(`${what} must be a string, got ${typeName(v)}`);
}

const optInt = (v: unknown, fallback: number): number => (typeof v === 'number' ? v : fallback);

function prefixes(v: unknown): string[] {
  return Array.isArray(v) ? v.map((x) => s(x, 'prefix')) : [s(v, 'prefix')];
}

function stripSide(str: string, chars: unknown, side: 'l' | 'r'): string {
  const set = chars === undefined || chars === null ? null : new Set(s(chars, 'chars'));
  const cs = [...str];
  const strip = (c: string | undefined) => (set ? set.has(c ?? '') : /\s/.test(c ?? ''));
  if (side === 'l') {
    let a = 0;
    while (a < cs.length && strip(cs[a])) a++;
    return cs.slice(a).join('');
  }
  let b = cs.length;
  while (b > 0 && strip(cs[b - 1])) b--;
  return cs.slice(0, b).join('');
}

function findIn(hay: string, needle: unknown, start: unknown, fromRight: boolean): number {
  const n = s(needle, 'sub');
  const from = optInt(start, 0);
  return fromRight ? hay.lastIndexOf(n) : hay.indexOf(n, from < 0 ? hay.length + from : from);
}

function pyTitle(str: string): string {
  return str.replace(/[A-Za-z]+/g, (w) => w[0]?.toUpperCase() + w.slice(1).toLowerCase());
}

function justify(str: string, width: unknown, fill: unknown, how: 'l' | 'r' | 'c'): string {
  const w = optInt(width, 0);
  const f = fill === undefined ? ' ' : s(fill, 'fillchar');
  const gap = w - [...str].length;
  if (gap <= 0) return str;
  if (how === 'l') return str + f.repeat(gap);
  if (how === 'r') return f.repeat(gap) + str;
  const left = Math.floor(gap / 2) + (gap % 2 && w % 2 ? 1 : 0);
  return f.repeat(left) + str + f.repeat(gap - left);
}

function rsplit(str: string, sep: unknown, maxsplit: unknown): string[] {
  const limit = optInt(maxsplit, -1);
  if (limit < 0) return pySplit(str, sep, undefined);
  if (sep === undefined || sep === null) {
    const reversed = pySplit([...str].reverse().join(''), undefined, limit);
    return reversed.map((x) => [...x].reverse().join('')).reverse();
  }
  const parts = str.split(s(sep, 'sep'));
  const keep = parts.length - 1 - limit;
  return keep <= 0 ? parts : [parts.slice(0, keep + 1).join(String(sep)), ...parts.slice(keep + 1)];
}

function format(str: string, args: unknown[], kwargs: Record<string, unknown>): string {
  try {
    return braceFormat(str, args, kwargs, PRINTERS);
  } catch (e) {
    if (e instanceof FormatError) throw new ExprEvalError(e.message);
    throw e;
  }
}

function index(found: number): number {
  if (found < 0) throw new ExprEvalError('substring not found');
  return found;
}

const STR: Record<string, (self: string, a: unknown[], k: Record<string, unknown>) => unknown> = {
  upper: (x) => x.toUpperCase(),
  lower: (x) => x.toLowerCase(),
  casefold: (x) => x.toLowerCase(),
  title: (x) => pyTitle(x),
  capitalize: (x) => (x ? (x[0] ?? '').toUpperCase() + x.slice(1).toLowerCase() : x),
  swapcase: (x) => [...x].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(''),
  strip: (x, [chars]) => pyStrip(x, chars),
  lstrip: (x, [chars]) => stripSide(x, chars, 'l'),
  rstrip: (x, [chars]) => stripSide(x, chars, 'r'),
  split: (x, [sep, max], k) => pySplit(x, sep ?? k.sep, max ?? k.maxsplit),
  rsplit: (x, [sep, max], k) => rsplit(x, sep ?? k.sep, max ?? k.maxsplit),
  splitlines: (x, [keep]) => (keep ? x.match(/[^\n]*\n|[^\n]+$/g) ?? [] : x.split(/\r\n|\r|\n/).filter((l, i, all) => i < all.length - 1 || l !== '')),
  startswith: (x, [p]) => prefixes(p).some((q) => x.startsWith(q)),
  endswith: (x, [p]) => prefixes(p).some((q) => x.endsWith(q)),
  replace: (x, [old, neu, count]) => pyReplace(x, s(old, 'old'), s(neu, 'new'), optInt(count, -1)),
  join: (x, [items]) => (Array.isArray(items) ? items.map((i) => s(i, 'each item')).join(x) : [...s(items, 'iterable')].join(x)),
  find: (x, [sub, start]) => findIn(x, sub, start, false),
  rfind: (x, [sub]) => findIn(x, sub, undefined, true),
  index: (x, [sub, start]) => index(findIn(x, sub, start, false)),
  rindex: (x, [sub]) => index(findIn(x, sub, undefined, true)),
  count: (x, [sub]) => (s(sub, 'sub') === '' ? x.length + 1 : x.split(String(sub)).length - 1),
  isdigit: (x) => /^\d+$/.test(x),
  isnumeric: (x) => /^\d+$/.test(x),
  isdecimal: (x) => /^\d+$/.test(x),
  isalpha: (x) => /^\p{L}+$/u.test(x),
  isalnum: (x) => /^[\p{L}\d]+$/u.test(x),
  isspace: (x) => /^\s+$/.test(x),
  islower: (x) => /\p{Ll}/u.test(x) && x === x.toLowerCase(),
  isupper: (x) => /\p{Lu}/u.test(x) && x === x.toUpperCase(),
  istitle: (x) => /[A-Za-z]/.test(x) && pyTitle(x) === x,
  zfill: (x, [w]) => {
    const sign = /^[-+]/.test(x) ? (x[0] ?? '') : '';
    return sign + x.slice(sign.length).padStart(optInt(w, 0) - sign.length, '0');
  },
  ljust: (x, [w, f]) => justify(x, w, f, 'l'),
  rjust: (x, [w, f]) => justify(x, w, f, 'r'),
  center: (x, [w, f]) => justify(x, w, f, 'c'),
  partition: (x, [sep]) => {
    const i = x.indexOf(s(sep, 'sep'));
    return mkTuple(i < 0 ? [x, '', ''] : [x.slice(0, i), String(sep), x.slice(i + String(sep).length)]);
  },
  rpartition: (x, [sep]) => {
    const i = x.lastIndexOf(s(sep, 'sep'));
    return mkTuple(i < 0 ? ['', '', x] : [x.slice(0, i), String(sep), x.slice(i + String(sep).length)]);
  },
  expandtabs: (x, [size]) => {
    const n = optInt(size, 8);
    let col = 0;
    return [...x].map((c) => {
      if (c === '\n') col = 0;
      if (c !== '\t') return col++, c;
      const spaces = n - (col % n);
      col += spaces;
      return ' '.repeat(spaces);
    }).join('');
  },
  format: (x, a, k) => format(x, a, k),
};

const LIST: Record<string, (self: unknown[], a: unknown[]) => unknown> = {
  index: (x, [item]) => {
    const i = x.findIndex((v) => pyEquals(v, item));
    if (i < 0) throw new ExprEvalError(`${pyStr(item)} is not in list`);
    return i;
  },
  count: (x, [item]) => x.filter((v) => pyEquals(v, item)).length,
  copy: (x) => [...x],
};

const DICT: Record<string, (self: Record<string, unknown>, a: unknown[]) => unknown> = {
  keys: (x) => Object.keys(x),
  values: (x) => Object.values(x),
  items: (x) => Object.entries(x).map((e) => mkTuple(e)),
  get: (x, [key, fallback = null]) => (pyContains(x, key) ? x[String(key)] : fallback),
  copy: (x) => ({ ...x }),
};

const ALL_NAMES = new Set([...Object.keys(STR), ...Object.keys(LIST), ...Object.keys(DICT)]);

/** Whether any type has a method of this name (for load-time checks). */
export function isMethodName(name: string): boolean {
  return ALL_NAMES.has(name);
}

/** Call `self.name(*args, **kwargs)`. */
export function callMethod(self: unknown, name: string, args: unknown[], kwargs: Record<string, unknown>): unknown {
  const table: Record<string, (self: never, a: unknown[], k: Record<string, unknown>) => unknown> | undefined =
    typeof self === 'string' ? STR : Array.isArray(self) ? LIST : isMapping(self) ? DICT : undefined;
  const fn = table && Object.hasOwn(table, name) ? table[name] : undefined;
  if (!fn) throw new ExprEvalError(`'${typeName(self)}' object has no method '${name}'`);
  return fn(self as never, args, kwargs);
}

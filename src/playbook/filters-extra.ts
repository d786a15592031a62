// Filters and tests beyond the core set of filters.ts: text layout (title, indent, truncate,
// center, wordcount, format), hashing, encoding, YAML, dict and list shaping (dictsort, zip,
// product, groupby, batch, slice), math (log, pow, root) and sizes (human_readable…).
import { createHash } from 'node:crypto';
import yaml from 'js-yaml';
import { ExprEvalError, isMapping, makeDict, mkTuple, percentFormat, pyCompare, pyContains, pyEquals, pyStr, truthy, type Callable } from './expr-eval.js';
import { PyFloat, isNum, mkFloat } from './py-float.js';
import { def } from './signature.js';

function text(v: unknown): string {
  return v === null ? 'None' : pyStr(v);
}

function list(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (isMapping(v)) return Object.keys(v);
  throw new ExprEvalError('expected a list');
}

function number(v: unknown): number {
  if (isNum(v) || typeof v === 'boolean') return Number(v);
  throw new ExprEvalError('expected a number');
}

/** Plain data for js-yaml: Python floats as numbers. */
function plain(v: unknown): unknown {
  if (v instanceof PyFloat) return v.n;
  if (Array.isArray(v)) return v.map(plain);
  if (isMapping(v)) return makeDict(Object.entries(v).map(([k, x]) => [k, plain(x)] as const));
  return v;
}

const isLeaf = (v: unknown) => (Array.isArray(v) ? v : isMapping(v) ? Object.values(v) : []).every((x) => !Array.isArray(x) && !isMapping(x));

function toYaml(v: unknown, indent: number, flowLeaves: boolean): string {
  const flowLevel = flowLeaves && isLeaf(v) && (Array.isArray(v) || isMapping(v)) ? 0 : -1;
  const out = yaml.dump(plain(v), { indent, sortKeys: true, flowLevel, lineWidth: -1 });
  // js-yaml quotes y/n (YAML 1.1 booleans to some parsers); PyYAML, which Ansible uses, does not.
  return out.replace(/(^|[\s{[,])'([yYnN])'(?=$|[\s,}\]:])/gm, '$1$2');
}

function title(s: string): string {
  // Jinja's title: a word starts after whitespace or an opening bracket or dash.
  return s.replace(/([-\s({[<]+|^)([^-\s({[<]*)/g, (_m, sep: string, w: string) => sep + (w[0] ?? '').toUpperCase() + w.slice(1).toLowerCase());
}

function indent(s: string, width: unknown, first: unknown, blank: unknown): string {
  const pad = typeof width === 'string' ? width : ' '.repeat(width === undefined ? 4 : number(width));
  const trailing = s.endsWith('\n') ? '\n' : '';
  const lines = (trailing ? s.slice(0, -1) : s).split('\n');
  const [head = '', ...rest] = lines;
  let out = head + rest.map((l) => '\n' + (l || truthy(blank ?? false) ? pad + l : l)).join('');
  if (truthy(first ?? false)) out = pad + out;
  return out + trailing;
}

function truncate(s: string, length = 255, killwords = false, end = '...', leeway = 5): string {
  if (s.length <= length + leeway) return s;
  if (killwords) return s.slice(0, length - end.length) + end;
  const cut = s.slice(0, length - end.length);
  const space = cut.lastIndexOf(' ');
  return (space < 0 ? cut : cut.slice(0, space)) + end;
}

function center(s: string, width: number): string {
  const gap = width - s.length;
  if (gap <= 0) return s;
  const left = Math.floor(gap / 2) + (gap % 2 && width % 2 ? 1 : 0);
  return ' '.repeat(left) + s + ' '.repeat(gap - left);
}

function urlencode(v: unknown): string {
  if (isMapping(v)) return Object.entries(v).map(([k, x]) => `${urlencode(k)}=${urlencode(x)}`).join('&');
  const bytes = Buffer.from(text(v), 'utf8');
  let out = '';
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9_.\-~/]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function hash(v: unknown, algorithm: string): string {
  try {
    return createHash(algorithm).update(text(v), 'utf8').digest('hex');
  } catch {
    throw new ExprEvalError(`unknown hash algorithm '${algorithm}'`);
  }
}

function dictsort(v: unknown, caseSensitive: unknown, by: unknown, reverse: unknown): unknown[] {
  if (!isMapping(v)) throw new ExprEvalError('dictsort needs a dict');
  const at = by === 'value' ? 1 : 0;
  const key = (e: unknown[]) => (typeof e[at] === 'string' && !truthy(caseSensitive ?? false) ? (e[at] as string).toLowerCase() : e[at]);
  const items = Object.entries(v).map((e) => mkTuple(e));
  items.sort((a, b) => pyCompare(key(a), key(b)));
  return truthy(reverse ?? false) ? items.reverse() : items;
}

function zip(lists: unknown[][], longest: boolean, fill: unknown): unknown[] {
  const n = lists.length ? Math[longest ? 'max' : 'min'](...lists.map((l) => l.length)) : 0;
  return Array.from({ length: n }, (_, i) => mkTuple(lists.map((l) => (i < l.length ? l[i] : fill))));
}

function product(lists: unknown[][]): unknown[] {
  let out: unknown[][] = [[]];
  for (const l of lists) out = out.flatMap((prefix) => l.map((x) => [...prefix, x]));
  if (out.length > 100_000) throw new ExprEvalError('product too large');
  return out.map((t) => mkTuple(t));
}

function groupby(v: unknown, attribute: unknown): unknown[] {
  const groups: { key: unknown; items: unknown[] }[] = [];
  for (const item of list(v)) {
    const key = isMapping(item) ? item[String(attribute)] : undefined;
    const g = groups.find((x) => pyEquals(x.key, key));
    if (g) g.items.push(item);
    else groups.push({ key, items: [item] });
  }
  groups.sort((a, b) => pyCompare(a.key, b.key));
  return groups.map((g) => mkTuple([g.key, g.items]));
}

function batch(items: unknown[], size: number, fill: unknown): unknown[][] {
  const out: unknown[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  const last = out[out.length - 1];
  if (fill !== undefined && last) while (last.length < size) last.push(fill);
  return out;
}

function slices(items: unknown[], n: number, fill: unknown): unknown[][] {
  const per = Math.floor(items.length / n);
  const extra = items.length % n;
  const out: unknown[][] = [];
  let offset = 0;
  for (let i = 0; i < n; i++) {
    const size = per + (i < extra ? 1 : 0);
    const part = items.slice(offset, offset + size);
    offset += size;
    if (fill !== undefined && i >= extra && extra > 0) part.push(fill);
    out.push(part);
  }
  return out;
}

const UNITS = ['', 'K', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];

function humanReadable(v: number, isBits: boolean, unit: unknown): string {
  const base = isBits ? 'b' : 'B';
  let i = 0;
  if (typeof unit === 'string') i = Math.max(0, UNITS.indexOf(unit[0]?.toUpperCase() ?? ''));
  else while (i < UNITS.length - 1 && Math.abs(v) >= 1024 ** (i + 1)) i++;
  return `${(v / 1024 ** i).toFixed(2)} ${UNITS[i]}${base}`;
}

function humanToBytes(v: unknown, defaultUnit: unknown): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGTPEZY]?)(i?B?|b?)\s*$/i.exec(text(v));
  if (!m) throw new ExprEvalError(`human_to_bytes() can't interpret ${text(v)}`);
  const unit = (m[2] || (typeof defaultUnit === 'string' ? defaultUnit : '')).toUpperCase();
  return Math.round(Number(m[1]) * 1024 ** Math.max(0, UNITS.indexOf(unit)));
}

function filesize(v: number, binary: boolean): string {
  const base = binary ? 1024 : 1000;
  const prefixes = binary ? ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'] : ['kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
  if (v === 1) return '1 Byte';
  if (v < base) return `${v} Bytes`;
  let i = 0;
  while (i < prefixes.length - 1 && v >= base ** (i + 2)) i++;
  return `${(v / base ** (i + 1)).toFixed(1)} ${prefixes[i]}`;
}

/** A seeded generator (mulberry32), so `random(seed=…)` repeats within remedy. */
function rng(seed: unknown): () => number {
  if (seed === undefined || seed === null) return Math.random;
  let a = [...text(seed)].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) | 0, 0x9e3779b9);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function random(v: unknown, start: unknown, step: unknown, seed: unknown): unknown {
  const r = rng(seed);
  if (isNum(v)) {
    const lo = start === undefined ? 0 : number(start);
    const st = step === undefined ? 1 : number(step);
    const count = Math.max(1, Math.ceil((number(v) - lo) / st));
    return lo + Math.floor(r() * count) * st;
  }
  const items = list(v);
  if (!items.length) throw new ExprEvalError('random of an empty sequence');
  return items[Math.floor(r() * items.length)];
}

function shuffle(v: unknown, seed: unknown): unknown[] {
  const items = [...list(v)];
  const r = rng(seed);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

function splitext(p: string): unknown[] {
  const base = p.slice(p.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  if (dot <= 0 || /^\.+$/.test(base.slice(0, dot + 1))) return mkTuple([p, '']);
  const at = p.length - base.length + dot;
  return mkTuple([p.slice(0, at), p.slice(at)]);
}

export const EXTRA_FILTERS: Record<string, Callable> = {
  title: def('', (v) => title(text(v))),
  indent: def('width? first? blank?', (v, a) => indent(text(v), a.width, a.first, a.blank)),
  truncate: def('length? killwords? end? leeway?', (v, a) =>
    truncate(text(v), a.length === undefined ? 255 : number(a.length), truthy(a.killwords ?? false), a.end === undefined ? '...' : text(a.end), a.leeway === undefined ? 5 : number(a.leeway))),
  center: def('width?', (v, a) => center(text(v), a.width === undefined ? 80 : number(a.width))),
  wordcount: def('', (v) => (text(v).match(/\w+/gu) ?? []).length),
  format: def('*args', (v, _a, rest) => percentFormat(text(v), mkTuple(rest))),
  urlencode: def('', (v) => urlencode(v)),
  hash: def('algorithm?', (v, a) => hash(v, a.algorithm === undefined ? 'sha1' : text(a.algorithm))),
  checksum: def('', (v) => hash(v, 'sha1')),
  sha1: def('', (v) => hash(v, 'sha1')),
  md5: def('', (v) => hash(v, 'md5')),
  to_yaml: def('indent? *rest default_flow_style?', (v, a) => toYaml(v, a.indent === undefined ? 2 : number(a.indent), a.default_flow_style !== false)),
  to_nice_yaml: def('indent? *rest sort_keys?', (v, a) => toYaml(v, a.indent === undefined ? 4 : number(a.indent), false)),
  from_yaml: def('', (v) => yaml.load(text(v))),
  dictsort: def('case_sensitive? by? reverse?', (v, a) => dictsort(v, a.case_sensitive, a.by, a.reverse)),
  zip: def('*others', (v, _a, rest) => zip([list(v), ...rest.map(list)], false, null)),
  zip_longest: def('*others fillvalue?', (v, a, rest) => zip([list(v), ...rest.map(list)], true, a.fillvalue ?? null)),
  product: def('*others', (v, _a, rest) => product([list(v), ...rest.map(list)])),
  symmetric_difference: def('other', (v, a) => {
    const [x, y] = [list(v), list(a.other)];
    const out: unknown[] = [];
    for (const item of [...x.filter((i) => !pyContains(y, i)), ...y.filter((i) => !pyContains(x, i))]) if (!pyContains(out, item)) out.push(item);
    return out;
  }),
  groupby: def('attribute', (v, a) => groupby(v, a.attribute)),
  batch: def('linecount fill_with?', (v, a) => batch(list(v), number(a.linecount), a.fill_with)),
  slice: def('slices fill_with?', (v, a) => slices(list(v), number(a.slices), a.fill_with)),
  log: def('base?', (v, a) => mkFloat(a.base === undefined ? Math.log(number(v)) : Math.log(number(v)) / Math.log(number(a.base)))),
  pow: def('y', (v, a) => mkFloat(number(v) ** number(a.y))),
  root: def('base?', (v, a) => mkFloat(a.base === undefined || number(a.base) === 2 ? Math.sqrt(number(v)) : number(v) ** (1 / number(a.base)))),
  human_readable: def('isbits? unit?', (v, a) => humanReadable(number(v), truthy(a.isbits ?? false), a.unit)),
  human_to_bytes: def('default_unit? isbits?', (v, a) => humanToBytes(v, a.default_unit)),
  filesizeformat: def('binary?', (v, a) => filesize(number(v), truthy(a.binary ?? false))),
  random: def('start? step? seed?', (v, a) => random(v, a.start, a.step, a.seed)),
  shuffle: def('seed?', (v, a) => shuffle(v, a.seed)),
  splitext: def('', (v) => splitext(text(v))),
  expanduser: def('', (v) => text(v).replace(/^~(?=\/|$)/, process.env.HOME ?? '~')),
  realpath: def('', (v) => text(v)),
};

export const EXTRA_TESTS: Record<string, Callable> = {
  subset: def('other', (v, a) => list(v).every((x) => pyContains(list(a.other), x))),
  superset: def('other', (v, a) => list(a.other).every((x) => pyContains(list(v), x))),
  all: def('', (v) => list(v).every((x) => truthy(x))),
  any: def('', (v) => list(v).some((x) => truthy(x))),
  abs: def('', (v) => text(v).startsWith('/')),
  callable: def('', () => false),
};

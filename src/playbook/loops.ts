// `loop:` and the `with_*` lookups of ansible-core 2.14 (items, list, together, dict,
// indexed_items, sequence, nested), giving the items in the exact shapes Ansible's lookup
// plugins give them. The keyword is picked when the playbook loads; the items are computed
// per host after the terms were rendered.
import { parseKv } from './kv-args.js';
import { percentFormat } from './py-format.js';

export const WITH_KINDS = ['items', 'list', 'together', 'dict', 'indexed_items', 'sequence', 'nested'] as const;
export type LoopKind = 'loop' | (typeof WITH_KINDS)[number];

/** Task keywords that start a loop. */
export const LOOP_KEYS: readonly string[] = ['loop', ...WITH_KINDS.map((k) => `with_${k}`)];

export class LoopError extends Error {}

/** Which loop keyword a task uses: none, one, or an error naming the conflicting keys. */
export function pickLoop(keys: readonly string[]): { key?: string; kind?: LoopKind; error?: { key: string; message: string } } {
  const unsupported = keys.find((k) => k.startsWith('with_') && !LOOP_KEYS.includes(k));
  if (unsupported) {
    const hint = unsupported === 'with_flattened' ? "; it is not part of ansible-core either: write loop: \"{{ x | flatten }}\"" : '';
    return { error: { key: unsupported, message: `'${unsupported}' is not supported; remedy has loop and ${WITH_KINDS.map((k) => `with_${k}`).join(', ')}${hint}` } };
  }
  const used = keys.filter((k) => LOOP_KEYS.includes(k));
  if (used.length > 1) return { error: { key: used[1]!, message: `'${used[0]}' and '${used[1]}' are both loops; a task takes one loop keyword` } };
  const key = used[0];
  if (key === undefined) return {};
  return { key, kind: key === 'loop' ? 'loop' : (key.slice('with_'.length) as LoopKind) };
}

/** Ansible's listify_lookup_plugin_terms after templating: a string or a scalar becomes a one-item list. */
function listify(v: unknown): unknown {
  if (typeof v === 'string' || v === null || v === undefined || typeof v !== 'object') return [v];
  return v;
}

const isDict = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** LookupBase._flatten: one level; a string inside is a list of its characters only where Python iterates it. */
function flatten1(terms: unknown): unknown[] {
  const out: unknown[] = [];
  for (const t of iterate(terms)) {
    if (Array.isArray(t)) out.push(...t);
    else out.push(t);
  }
  return out;
}

/** Python's iteration over a value: a list's items, a dict's keys, a string's characters. */
function iterate(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (isDict(v)) return Object.keys(v);
  throw new LoopError(`'${v === null ? 'None' : typeof v}' object is not iterable`);
}

/** Each term of with_together / with_nested is itself a list (or one value). */
function termLists(terms: unknown, what: string): unknown[][] {
  const lists = (Array.isArray(terms) ? terms : [terms]).map((t) => listify(t));
  if (lists.length === 0) throw new LoopError(`${what} requires at least one element in each list`);
  return lists.map((l) => iterate(l));
}

function together(terms: unknown): unknown[] {
  const lists = termLists(terms, 'with_together');
  const n = Math.max(...lists.map((l) => l.length));
  return Array.from({ length: n }, (_, i) => flatten1(lists.map((l) => (i < l.length ? l[i] : null))));
}

function nested(terms: unknown): unknown[] {
  const lists = termLists(terms, 'with_nested');
  let result: unknown[] = lists[0]!;
  for (const next of lists.slice(1)) result = result.flatMap((x) => next.map((y) => flatten1([x, y])));
  return result.map((x) => flatten1(x));
}

function indexedItems(terms: unknown): unknown[] {
  if (!Array.isArray(terms)) throw new LoopError('with_indexed_items expects a list');
  return flatten1(terms).map((x, i) => [i, x]);
}

function dictItems(terms: unknown): unknown[] {
  return (Array.isArray(terms) ? terms : [terms]).flatMap((t) => {
    if (!isDict(t)) throw new LoopError('with_dict expects a dict');
    return Object.entries(t).map(([key, value]) => ({ key, value }));
  });
}

/** Python's int(s, 0): 0x / 0o / 0b prefixes, no leading zeros on decimals, underscores between digits. */
export function pyInt0(s: string): number | undefined {
  const m = /^\s*([-+]?)(0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|0(?:_?0)*|[1-9](?:_?\d)*)\s*$/.exec(s);
  if (!m) return undefined;
  const body = m[2]!.replace(/_/g, '');
  const n = /^0[xob]/i.test(body) ? Number(body.toLowerCase()) : Number(body);
  return m[1] === '-' ? -n : n;
}

const SHORTCUT = /^((0?x?[0-9a-f]+)-)?(0?x?[0-9a-f]+)(\/(0?x?[0-9a-f]+))?(:(.+))?$/i;

interface Sequence {
  start: number;
  end?: number;
  count?: number;
  stride: number;
  format: string;
}

function intArg(name: string, raw: string): number {
  const n = pyInt0(raw);
  if (n === undefined) throw new LoopError(`can't parse ${name}=${raw} as integer`);
  return n;
}

function sequenceArgs(term: string): Sequence {
  const seq: Sequence = { start: 1, stride: 1, format: '%d' };
  const m = SHORTCUT.exec(term);
  if (m) {
    if (m[2] !== undefined) seq.start = intArg('start', m[2]);
    seq.end = intArg('end', m[3]!);
    if (m[5] !== undefined) seq.stride = intArg('stride', m[5]);
    if (m[7] !== undefined) seq.format = m[7];
    return seq;
  }
  const kv = parseKv(term);
  for (const k of ['start', 'end', 'count', 'stride'] as const) {
    if (kv[k] === undefined) continue;
    seq[k] = intArg(k, kv[k]!);
    delete kv[k];
  }
  if (kv.format !== undefined) seq.format = kv.format;
  delete kv.format;
  const rest = Object.keys(kv);
  if (rest.length) throw new LoopError(`unrecognized arguments to with_sequence: [${rest.map((k) => `'${k}'`).join(', ')}]`);
  return seq;
}

/** The sequence lookup's sanity_check and generate_sequence. */
function sequence(terms: unknown): string[] {
  return (Array.isArray(terms) ? terms : [terms]).flatMap((term) => {
    const s = sequenceArgs(String(term));
    if (s.count === undefined && s.end === undefined) throw new LoopError('must specify count or end in with_sequence');
    if (s.count !== undefined && s.end !== undefined) throw new LoopError("can't specify both count and end in with_sequence");
    let { start, stride } = s;
    let end = s.end ?? 0;
    if (s.count !== undefined) {
      if (s.count !== 0) end = start + s.count * stride - 1;
      else [start, end, stride] = [0, 0, 0];
    }
    if (stride > 0 && end < start) throw new LoopError('to count backwards make stride negative');
    if (stride < 0 && end > start) throw new LoopError("to count forward don't make stride negative");
    if ((s.format.match(/%/g) ?? []).length !== 1) throw new LoopError(`bad formatting string: ${s.format}`);
    if (stride === 0) return [];
    const stop = end + (stride >= 0 ? 1 : -1);
    const out: string[] = [];
    for (let i = start; stride > 0 ? i < stop : i > stop; i += stride) {
      try {
        out.push(percentFormat(s.format, i, { str: String, repr: String }));
      } catch {
        throw new LoopError(`problem formatting ${i} with '${s.format}'`);
      }
    }
    return out;
  });
}

/** The items of a loop from its rendered terms. */
export function loopItems(kind: LoopKind, rendered: unknown): unknown[] {
  switch (kind) {
    case 'loop':
      if (!Array.isArray(rendered)) throw new LoopError(`loop: expected a list, got ${rendered === null ? 'None' : typeof rendered}`);
      return rendered;
    case 'items': return flatten1(listify(rendered));
    case 'list': return iterate(listify(rendered));
    case 'together': return together(rendered);
    case 'nested': return nested(rendered);
    case 'indexed_items': return indexedItems(listify(rendered));
    case 'dict': return dictItems(rendered);
    case 'sequence': return sequence(listify(rendered));
  }
}

// Ansible host patterns, as in `hosts:` and `--limit`:
//
//   all  *  web  web1  web*  *.example.com  ~^web\d+  web[0]  web[1:]   (one part)
//   web:db  web,db  web:&prod  web:!web3  @limit-file (limit only)    (combined)
//
// Evaluation follows Ansible's _evaluate_patterns: plain parts are unioned first, then every
// `&part` intersects, then every `!part` excludes, whatever order they were written in. A part
// that names a group selects its hosts and its descendants' hosts; a glob or regex part may match
// groups and hosts at once. One deliberate difference: results are always in inventory order
// (Ansible returns them in order of the pattern parts).
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { UsageError } from '../errors.js';
import { groupHosts, inInventoryOrder, type Inventory } from './model.js';

/** A malformed pattern (bad regex, subscript out of range, missing @file). */
export class HostPatternError extends UsageError {
  override name = 'HostPatternError';
}

export type HostPattern = string | readonly string[];

/** Hosts selected by `pattern`, in inventory order. Matching nothing is not an error. */
export function selectHosts(inv: Inventory, pattern: HostPattern): string[] {
  return evaluate(inv, splitHostPattern(pattern));
}

/** `--limit`: keep the selected hosts that `limit` also matches (`@file` lists one pattern a line). */
export function limitHosts(selected: readonly string[], inv: Inventory, limit: HostPattern): string[] {
  const parts = splitHostPattern(limit).flatMap((p) => (p.startsWith('@') ? readLimitFile(p.slice(1)) : [p]));
  const allowed = new Set(evaluate(inv, parts));
  return selected.filter((h) => allowed.has(h));
}

/** The parts of `pattern` (as written, e.g. '!nosuch') that match no group and no host. */
export function unmatchedPatternParts(inv: Inventory, pattern: HostPattern): string[] {
  return splitHostPattern(pattern).filter((part) => {
    const expr = part.replace(/^[&!]/, '');
    if (part.startsWith('@') || expr === 'all' || inv.hosts.has(expr)) return false;
    const { groups, hosts } = enumerate(inv, splitSubscript(expr).expr);
    return groups.length === 0 && hosts.length === 0;
  });
}

/**
 * Split a pattern into parts. Commas always separate; without commas a `:` separates, unless the
 * whole pattern is one host address (an IPv6 literal, `host:port`, a name with a `[1:3]` range).
 */
export function splitHostPattern(pattern: HostPattern): string[] {
  if (typeof pattern !== 'string') return pattern.flatMap((p) => splitHostPattern(p));
  const parts = pattern.includes(',')
    ? pattern.split(',')
    : isAddress(pattern.trim())
      ? [pattern]
      : (pattern.match(/(?:[^\s:[\]]|\[[^\]]*\])+/g) ?? []);
  return parts.map((p) => p.trim()).filter(Boolean);
}

const RANGE = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const LABEL = String.raw`(?:\w|${RANGE})(?:[\w-]|${RANGE})*`;
const HOSTNAME = new RegExp(String.raw`^${LABEL}(?:\.${LABEL})*$`, 'i');

/** Ansible's parse_address: is this one host (IP, name with ranges, optionally with a port)? */
function isAddress(p: string): boolean {
  if (isIP(p) || HOSTNAME.test(p)) return true;
  const bracketed = /^\[(.+)\]:\d+$/.exec(p);
  if (bracketed) return isIP(bracketed[1]!) !== 0;
  const hostPort = /^(.+):\d+$/.exec(p);
  return !!hostPort && (isIP(hostPort[1]!) === 4 || HOSTNAME.test(hostPort[1]!));
}

/** Ansible's order_patterns + _evaluate_patterns. */
function evaluate(inv: Inventory, parts: readonly string[]): string[] {
  const plain = parts.filter((p) => !p.startsWith('&') && !p.startsWith('!'));
  const and = parts.filter((p) => p.startsWith('&'));
  const not = parts.filter((p) => p.startsWith('!'));
  // Only `&x` / `!x` parts: they apply to all hosts.
  if (plain.length === 0) plain.push('all');

  const result = new Set<string>();
  for (const p of plain) {
    // A plain part that is exactly a host name is that host, even if a group has the same name.
    if (inv.hosts.has(p)) result.add(p);
    else for (const h of matchOne(inv, p)) result.add(h);
  }
  for (const p of and) {
    const keep = new Set(matchOne(inv, p.slice(1)));
    for (const h of result) if (!keep.has(h)) result.delete(h);
  }
  for (const p of not) {
    for (const h of matchOne(inv, p.slice(1))) result.delete(h);
  }
  return inInventoryOrder(inv, result);
}

/** Hosts matched by one part (no &/! prefix), including an optional `[i]` / `[i:j]` subscript. */
function matchOne(inv: Inventory, part: string): string[] {
  const { expr, subscript } = splitSubscript(part);
  const { groups, hosts } = enumerate(inv, expr);
  const found = new Set(hosts);
  for (const g of groups) for (const h of groupHosts(inv, g)) found.add(h);
  const ordered = inInventoryOrder(inv, found);
  return subscript ? applySubscript(ordered, subscript, part) : ordered;
}

/** Groups whose name matches, and hosts whose name matches (see Ansible's _enumerate_matches). */
function enumerate(inv: Inventory, expr: string): { groups: string[]; hosts: string[] } {
  const matches = compileMatcher(expr);
  const groups = [...inv.groups.keys()].filter(matches);
  // A plain word that names a group means the group; wildcards and regexes also look at hosts.
  const lookAtHosts = groups.length === 0 || expr.startsWith('~') || /[.?*[]/.test(expr);
  const hosts = lookAtHosts ? [...inv.hosts.keys()].filter(matches) : [];
  return { groups, hosts };
}

type Subscript = { index: number } | { start: number; end?: number };

/** `web[0]`, `web[-1]`, `web[1:3]`, `web[2:]` (not for regex parts). */
function splitSubscript(part: string): { expr: string; subscript?: Subscript } {
  if (part.startsWith('~')) return { expr: part };
  const m = /^(.+)\[(?:(-?\d+)|(\d+)[:-](\d*))\]$/.exec(part);
  if (!m) return { expr: part };
  const [, expr, index, start, end] = m;
  if (index !== undefined) return { expr: expr!, subscript: { index: Number(index) } };
  return { expr: expr!, subscript: end ? { start: Number(start), end: Number(end) } : { start: Number(start) } };
}

function applySubscript(hosts: string[], s: Subscript, part: string): string[] {
  if (hosts.length === 0) return hosts;
  if ('start' in s) return hosts.slice(s.start, s.end === undefined ? undefined : s.end + 1);
  // Ansible raises here (an IndexError), in hosts: and --limit alike; a slice past the end is empty.
  const host = hosts.at(s.index);
  if (host === undefined) throw new HostPatternError(`No hosts matched the subscripted pattern '${part}' (index ${s.index}, ${hosts.length} hosts)`);
  return [host];
}

/**
 * Ansible's warnings for a pattern, in its words: one per part that matches nothing, and one
 * when nothing at all is selected. `implicit` names parts already satisfied (implicit localhost).
 */
export function patternWarnings(inv: Inventory, pattern: HostPattern, selected: number, implicit: readonly string[] = []): string[] {
  const unmatched = unmatchedPatternParts(inv, pattern).filter((p) => !implicit.includes(p));
  return [
    ...unmatched.map((p) => `Could not match supplied host pattern, ignoring: ${p}`),
    ...(selected === 0 ? ['No hosts matched, nothing to do'] : []),
  ];
}

/** `~regex` (Python re.match: anchored at the start only) or a shell glob (whole name). */
function compileMatcher(expr: string): (name: string) => boolean {
  if (!expr.startsWith('~') && !/[*?[]/.test(expr)) return (name) => name === expr;
  try {
    const re = expr.startsWith('~') ? pythonRegex(expr.slice(1)) : globRegex(expr);
    return (name) => re.test(name);
  } catch (err) {
    throw new HostPatternError(`invalid host pattern '${expr}': ${(err as Error).message}`);
  }
}

function pythonRegex(source: string): RegExp {
  // A leading (?i) is Python's inline flag; named groups are spelled differently in JS.
  const ignoreCase = source.startsWith('(?i)');
  const body = (ignoreCase ? source.slice(4) : source)
    .replace(/\(\?P</g, '(?<')
    .replace(/\(\?P=(\w+)\)/g, '\\k<$1>')
    .replace(/\\Z/g, '$')
    .replace(/\\A/g, '^');
  return new RegExp(`^(?:${body})`, ignoreCase ? 'i' : '');
}

/** Python's fnmatch.translate: `*`, `?`, `[seq]`, `[!seq]`; everything else literal. */
function globRegex(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      let j = i + 1;
      if (glob[j] === '!') j++;
      if (glob[j] === ']') j++;
      while (j < glob.length && glob[j] !== ']') j++;
      if (j >= glob.length) {
        out += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, j).replace(/\\/g, '\\\\');
      if (body.startsWith('!')) body = '^' + body.slice(1);
      else if (body.startsWith('^')) body = '\\' + body;
      out += `[${body}]`;
      i = j;
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^(?:${out})$`, 's');
}

function readLimitFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new HostPatternError(`limit file not found: ${path}`);
    if (code === 'EISDIR') throw new HostPatternError(`limit file is a directory: ${path}`);
    throw err;
  }
  return text.split('\n').map((l) => l.trim()).filter(Boolean);
}

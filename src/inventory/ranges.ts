// Host entries as both inventory formats write them: an optional `:port` suffix and `[a:b]` /
// `[a:b:step]` ranges (Ansible's parse_address + expand_hostname_range). Errors are plain
// messages; the parsers attach file:line:col.
import { isIP } from 'node:net';

/** Guard against `[0:99999999]` typos turning into a hang. */
const MAX_EXPANSION = 100_000;

export class HostPatternSyntaxError extends Error {
  override name = 'HostPatternSyntaxError';
}

/** `host:port`, `[v6]:port`, bare IPv6 (never split), or just a name. */
export function splitHostPort(entry: string): { host: string; port?: number } {
  const bracketed = /^\[(.+)\]:(\d+)$/.exec(entry);
  if (bracketed && isIP(bracketed[1]!)) return { host: bracketed[1]!, port: Number(bracketed[2]) };
  if (isIP(entry)) return { host: entry };
  // A colon outside range brackets followed by digits only is a port.
  const hostPort = /^((?:[^:[\]]|\[[^\]]*\])+):(\d+)$/.exec(entry);
  if (hostPort) return { host: hostPort[1]!, port: Number(hostPort[2]) };
  return { host: entry };
}

/** Expand every `[begin:end(:step)]` range in a host name, left to right. */
export function expandHostRange(pattern: string): string[] {
  const out: string[] = [];
  expandInto(pattern, out);
  return out;
}

function expandInto(pattern: string, out: string[]): void {
  const open = pattern.indexOf('[');
  if (open < 0) {
    out.push(pattern);
    return;
  }
  const close = pattern.indexOf(']', open);
  if (close < 0) throw new HostPatternSyntaxError(`unclosed '[' in host range '${pattern}'`);
  const head = pattern.slice(0, open);
  const tail = pattern.slice(close + 1);
  for (const item of rangeItems(pattern.slice(open + 1, close), pattern)) {
    expandInto(head + item + tail, out);
    if (out.length > MAX_EXPANSION) {
      throw new HostPatternSyntaxError(`host range '${pattern}' expands to more than ${MAX_EXPANSION} hosts`);
    }
  }
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** The items of one range body, e.g. `01:03` → 01 02 03, `a:c` → a b c, `1:10:2` → 1 3 5 7 9. */
function rangeItems(body: string, pattern: string): string[] {
  const bounds = body.split(':');
  if (bounds.length !== 2 && bounds.length !== 3) {
    throw new HostPatternSyntaxError(`host range '[${body}]' in '${pattern}' must be [begin:end] or [begin:end:step]`);
  }
  const begin = bounds[0] || '0';
  const end = bounds[1]!;
  const stepText = bounds[2] ?? '1';
  if (!end) throw new HostPatternSyntaxError(`host range '[${body}]' in '${pattern}' has no end value`);
  const step = Number(stepText);
  if (!/^\d+$/.test(stepText) || step < 1) {
    throw new HostPatternSyntaxError(`host range step '${stepText}' in '${pattern}' must be a positive integer`);
  }

  if (LETTERS.includes(begin) && begin.length === 1) {
    const from = LETTERS.indexOf(begin);
    const to = end.length === 1 ? LETTERS.indexOf(end) : -1;
    if (to < 0) throw new HostPatternSyntaxError(`host range '[${body}]' in '${pattern}' mixes a letter and a non-letter`);
    if (from > to) throw new HostPatternSyntaxError(`host range '[${body}]' in '${pattern}' must have begin <= end`);
    const items: string[] = [];
    for (let i = from; i <= to; i += step) items.push(LETTERS[i]!);
    return items;
  }

  if (!/^\d+$/.test(begin) || !/^\d+$/.test(end)) {
    throw new HostPatternSyntaxError(`host range '[${body}]' in '${pattern}' must be numeric (01:10) or single letters (a:f)`);
  }
  // A leading zero asks for zero-padding, which only makes sense if both ends have equal width.
  const width = begin.length > 1 && begin.startsWith('0') ? begin.length : 0;
  if (width && end.length !== width) {
    throw new HostPatternSyntaxError(`host range '[${body}]' in '${pattern}' must have equal-length begin and end (zero-padded)`);
  }
  if (Number(begin) > Number(end)) {
    throw new HostPatternSyntaxError(`host range '[${body}]' in '${pattern}' must have begin <= end`);
  }
  const items: string[] = [];
  for (let i = Number(begin); i <= Number(end); i += step) {
    items.push(String(i).padStart(width, '0'));
    if (items.length > MAX_EXPANSION) break;
  }
  return items;
}

/** A host entry → host names (ranges expanded) and the port it names, if any. */
export function expandHostEntry(entry: string): { names: string[]; port?: number } {
  const { host, port } = splitHostPort(entry);
  const names = host.includes('[') ? expandHostRange(host) : [host];
  return port === undefined ? { names } : { names, port };
}

// Shared pieces of the fail2ban and firewall formats: IP addresses and networks as numbers (so
// containment is arithmetic, not string comparison), a canonical text form for IPv6, port lists,
// and the shape of a planned command. Pure functions, no I/O.
//
// `node:net`'s isIP decides what a valid address is; everything after that is bigint arithmetic.

import { isIP } from 'node:net';

export type IpFamily = 4 | 6;

/** One address: family and its value as an unsigned 32- or 128-bit integer. */
export interface IpAddr {
  family: IpFamily;
  value: bigint;
}

/** A network: the address with the host bits cleared, and the prefix length. */
export interface IpNet extends IpAddr {
  prefix: number;
}

const bitsOf = (f: IpFamily): number => (f === 4 ? 32 : 128);

function parseV4(s: string): bigint {
  let v = 0n;
  for (const part of s.split('.')) v = (v << 8n) | BigInt(Number(part));
  return v;
}

function parseV6(s: string): bigint {
  // isIP has validated the syntax; expand '::' and a trailing dotted quad.
  let text = s;
  const tail: number[] = [];
  if (text.includes('.')) {
    const idx = text.lastIndexOf(':');
    const v4 = parseV4(text.slice(idx + 1));
    tail.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
    text = text.slice(0, idx + 1);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const dbl = text.indexOf('::');
  const head = dbl >= 0 ? text.slice(0, dbl) : text;
  const rest = dbl >= 0 ? text.slice(dbl + 2) : '';
  const h = head === '' ? [] : head.split(':').map((g) => parseInt(g, 16));
  const r = rest === '' ? [] : rest.split(':').map((g) => parseInt(g, 16));
  const zeros = dbl >= 0 ? 8 - h.length - r.length - tail.length : 0;
  const all = [...h, ...new Array<number>(Math.max(0, zeros)).fill(0), ...r, ...tail];
  let v = 0n;
  for (const g of all) v = (v << 16n) | BigInt(g);
  return v;
}

/**
 * Parse one IP address. Accepts `[v6]` brackets and ignores an IPv6 zone (`%eth0`).
 * Returns undefined for anything that is not an address (hostnames, CIDR, garbage).
 */
export function parseIp(text: string): IpAddr | undefined {
  let s = text.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  const fam = isIP(s);
  if (fam === 4) return { family: 4, value: parseV4(s) };
  if (fam === 6) return { family: 6, value: parseV6(s) };
  return undefined;
}

/** Prefix length of a contiguous netmask (`255.255.255.0`, `ffff:ffff::`), or undefined. */
function maskToPrefix(mask: IpAddr): number | undefined {
  const bits = bitsOf(mask.family);
  let n = 0;
  for (let i = bits - 1; i >= 0; i--) {
    if ((mask.value >> BigInt(i)) & 1n) n++;
    else break;
  }
  const expect = n === 0 ? 0n : ((1n << BigInt(n)) - 1n) << BigInt(bits - n);
  return expect === mask.value ? n : undefined;
}

function hostMask(family: IpFamily, prefix: number): bigint {
  const bits = bitsOf(family);
  return prefix >= bits ? 0n : (1n << BigInt(bits - prefix)) - 1n;
}

/**
 * Parse an address or network: `a`, `a/n`, `a/255.255.255.0` (fail2ban and iptables accept dotted
 * masks), `[v6]/n`. Host bits are cleared, as iptables and fail2ban do. Undefined for hostnames.
 */
export function parseNet(text: string): IpNet | undefined {
  const s = text.trim();
  const slash = s.indexOf('/');
  if (slash < 0) {
    const a = parseIp(s);
    return a ? { ...a, prefix: bitsOf(a.family) } : undefined;
  }
  const a = parseIp(s.slice(0, slash));
  if (!a) return undefined;
  const m = s.slice(slash + 1);
  let prefix: number | undefined;
  if (/^\d{1,3}$/.test(m)) prefix = Number(m);
  else {
    const mask = parseIp(m);
    if (mask && mask.family === a.family) prefix = maskToPrefix(mask);
  }
  if (prefix === undefined || prefix > bitsOf(a.family)) return undefined;
  return { family: a.family, value: a.value & ~hostMask(a.family, prefix), prefix };
}

/** Does the network contain the address (same family, same leading `prefix` bits)? */
export function netContains(net: IpNet, ip: IpAddr): boolean {
  if (net.family !== ip.family) return false;
  return (ip.value & ~hostMask(net.family, net.prefix)) === net.value;
}

/** Is the network exactly one host (/32 or /128)? */
export function isHostNet(net: IpNet): boolean {
  return net.prefix === bitsOf(net.family);
}

/** Text form: dotted quad, or RFC 5952 IPv6 (lower case, longest zero run as `::`), like inet_ntop. */
export function formatIp(ip: IpAddr): string {
  if (ip.family === 4) {
    const v = ip.value;
    return [24n, 16n, 8n, 0n].map((sh) => String((v >> sh) & 0xffn)).join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((ip.value >> BigInt(i * 16)) & 0xffffn));
  // IPv4-mapped addresses print their last 32 bits as a dotted quad, as glibc does.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${formatIp({ family: 4, value: ip.value & 0xffffffffn })}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Canonical text of an address (`2001:0db8::0001` → `2001:db8::1`), or undefined if not one. */
export function canonicalIp(text: string): string | undefined {
  const a = parseIp(text);
  return a ? formatIp(a) : undefined;
}

/** Canonical text of a network: `a/n` (or just `a` for a host when `hostBare`). */
export function formatNet(net: IpNet, hostBare = false): string {
  const a = formatIp(net);
  return hostBare && isHostNet(net) ? a : `${a}/${net.prefix}`;
}

/** Same address, whatever the spelling? */
export function sameIp(a: string, b: string): boolean {
  const x = parseIp(a);
  const y = parseIp(b);
  return !!x && !!y && x.family === y.family && x.value === y.value;
}

/**
 * Does an allow/deny-list entry cover the address: same address, or a network (CIDR or dotted
 * mask) containing it? Hostnames and anything unparsable never cover (they cannot be resolved
 * offline; callers that care say so).
 */
export function entryCovers(entry: string, ip: string): boolean {
  const n = parseNet(entry);
  const a = parseIp(ip);
  return !!n && !!a && netContains(n, a);
}

/** An inclusive address range `a-b` (iptables iprange, nftables), or undefined. */
export function parseRange(text: string): { from: IpAddr; to: IpAddr } | undefined {
  const dash = text.indexOf('-');
  if (dash < 0) return undefined;
  const from = parseIp(text.slice(0, dash));
  const to = parseIp(text.slice(dash + 1));
  if (!from || !to || from.family !== to.family) return undefined;
  return { from, to };
}

export function rangeContains(r: { from: IpAddr; to: IpAddr }, ip: IpAddr): boolean {
  return r.from.family === ip.family && ip.value >= r.from.value && ip.value <= r.to.value;
}

/** Validate and canonicalise a client address given by the user; throws on anything else. */
export function requireIp(text: string, what = 'client address'): IpAddr {
  const a = parseIp(text);
  if (!a || text.includes('/')) throw new Error(`${what} is not an IP address: ${JSON.stringify(text)}`);
  return a;
}

// ---------------------------------------------------------------------------------------------
// Ports

/** A few service names the firewalls print or accept instead of numbers (from /etc/services). */
export const SERVICE_PORTS: Readonly<Record<string, number>> = {
  ssh: 22,
  ftp: 21,
  'ftp-data': 20,
  telnet: 23,
  smtp: 25,
  domain: 53,
  http: 80,
  www: 80,
  https: 443,
  submission: 587,
  imap: 143,
  imaps: 993,
  pop3: 110,
  pop3s: 995,
};

/** One port or service name → number; undefined for names we do not know. */
export function portNumber(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    return n <= 65535 ? n : undefined;
  }
  return SERVICE_PORTS[t];
}

export type PortMatch = 'yes' | 'no' | 'maybe';

/**
 * Does a port list match `port`? The list is comma separated; each item a port, a service name or
 * a range written with `sep` (`:` for iptables/ufw, `-` for nftables/firewalld); open ends allowed
 * (`:1024`, `1024:`). An unknown service name makes a non-matching list `maybe`.
 */
export function portListMatches(list: string, port: number, sep: ':' | '-' = ':'): PortMatch {
  let unknown = false;
  for (const raw of list.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const i = item.indexOf(sep);
    if (i >= 0 && !(sep === '-' && i === 0)) {
      const lo = item.slice(0, i) === '' ? 0 : portNumber(item.slice(0, i));
      const hi = item.slice(i + 1) === '' ? 65535 : portNumber(item.slice(i + 1));
      if (lo === undefined || hi === undefined) unknown = true;
      else if (port >= lo && port <= hi) return 'yes';
    } else {
      const p = portNumber(item);
      if (p === undefined) unknown = true;
      else if (p === port) return 'yes';
    }
  }
  return unknown ? 'maybe' : 'no';
}

// ---------------------------------------------------------------------------------------------
// Tri-state logic for "does this rule match the client's connection attempt?"

export type Tri = 'yes' | 'no' | 'maybe';

export function triAnd(a: Tri, b: Tri): Tri {
  if (a === 'no' || b === 'no') return 'no';
  if (a === 'maybe' || b === 'maybe') return 'maybe';
  return 'yes';
}

export function triNot(a: Tri): Tri {
  return a === 'yes' ? 'no' : a === 'no' ? 'yes' : 'maybe';
}

// ---------------------------------------------------------------------------------------------
// Plans

/** One command of a plan: its argv, the shell text (always via quoteArgv), how to undo it, why. */
export interface PlannedCommand {
  argv: string[];
  command: string;
  /** Shell text that reverses this command, when one exists (run undos in reverse order). */
  undo?: string;
  /** The undo as argv, when it is a single command (a pipeline has only `undo`). */
  undoArgv?: string[];
  reason: string;
}

/** Who owns a rule that remedy finds but must not edit directly. */
export type Manager = 'fail2ban' | 'ufw' | 'firewalld' | 'iptables-nft';

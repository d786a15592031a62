// IP addresses and networks, for everything that matches a client's address against rules
// (tcp_wrappers, DenyHosts, fail2ban, the firewalls) and for diagnose. Pure functions, no I/O.
//
// node:net decides: isIP what an address is (it also takes an IPv6 zone, `fe80::1%eth0`, which is
// dropped here), SocketAddress how an IPv6 address is written (inet_ntop's text, which is what
// libwrap, `iptables -S`, nft and ss print). An address is kept as a number, so whether a network
// contains an address is arithmetic on its leading bits.
//
// net.BlockList answers containment too, but it counts an IPv4-mapped IPv6 address
// (`::ffff:a.b.c.d`) as the IPv4 one in either direction. The firewalls and fail2ban do not (an
// ip6tables rule never sees an IPv4 packet), so here containment is within one family, and callers
// that want the client as sshd sees it (an IPv4 client on a dual-stack socket) unmap it first:
// clientIp.

import { isIP, SocketAddress } from 'node:net';

export type IpFamily = 4 | 6;

/** One address. */
export interface IpAddr {
  family: IpFamily;
  /** The address as an unsigned 32- or 128-bit integer. */
  value: bigint;
  /**
   * Its text as inet_ntop writes it: a dotted quad, or lower-case IPv6 with the longest run of
   * two or more zero groups (the first on a tie) as `::`, and IPv4-mapped (`::ffff:a.b.c.d`) and
   * IPv4-compatible (`::a.b.c.d`) addresses ending in a dotted quad.
   */
  text: string;
}

/** A network: its address with the host bits cleared, and the prefix length. */
export interface IpNet extends IpAddr {
  prefix: number;
}

/** 32 or 128. */
export const familyBits = (family: IpFamily): number => (family === 4 ? 32 : 128);

const MAPPED_PREFIX = 0xffffn << 32n; // ::ffff:0:0/96

/** The address with this family and value (the value must fit the family). */
export function ipFromValue(family: IpFamily, value: bigint): IpAddr {
  return { family, value, text: textOf(family, value) };
}

function textOf(family: IpFamily, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((value >> shift) & 0xffffn).toString(16));
  return new SocketAddress({ address: groups.join(':'), family: 'ipv6' }).address;
}

// The two below only see text that isIP accepted, so the syntax is already right: four decimal
// octets; hex groups with at most one `::` and perhaps a dotted quad for the last 32 bits.
function v4Value(s: string): bigint {
  return s.split('.').reduce((v, octet) => (v << 8n) | BigInt(octet), 0n);
}

function v6Value(s: string): bigint {
  const groups = (part: string): bigint[] =>
    part === ''
      ? []
      : part.split(':').flatMap((g) => {
          if (!g.includes('.')) return [BigInt(`0x${g}`)];
          const v4 = v4Value(g);
          return [v4 >> 16n, v4 & 0xffffn];
        });
  const gap = s.indexOf('::');
  const head = groups(gap < 0 ? s : s.slice(0, gap));
  const tail = gap < 0 ? [] : groups(s.slice(gap + 2));
  const zeros = new Array<bigint>(8 - head.length - tail.length).fill(0n);
  return [...head, ...zeros, ...tail].reduce((v, g) => (v << 16n) | g, 0n);
}

/**
 * One address: what node:net's isIP accepts, around it optional white space and `[...]`; an IPv6
 * zone (`%eth0`) is dropped. Undefined for anything else (hostnames, networks, garbage).
 */
export function parseIp(text: string): IpAddr | undefined {
  let s = text.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const family = isIP(s);
  if (family === 4) return ipFromValue(4, v4Value(s));
  if (family !== 6) return undefined;
  const zone = s.indexOf('%');
  return ipFromValue(6, v6Value(zone < 0 ? s : s.slice(0, zone)));
}

/** An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) as its IPv4 address; any other as it is. */
export function unmapIp(ip: IpAddr): IpAddr {
  return ip.family === 6 && ip.value >> 32n === 0xffffn ? ipFromValue(4, ip.value & 0xffffffffn) : ip;
}

/** An IPv4 address as IPv4-mapped IPv6 (for matching it against IPv6 patterns); IPv6 as it is. */
export function asIPv6(ip: IpAddr): IpAddr {
  return ip.family === 4 ? ipFromValue(6, MAPPED_PREFIX | ip.value) : ip;
}

/**
 * The client's address as sshd and libwrap see it: parsed, and IPv4-mapped IPv6 made IPv4 (as an
 * AF_INET socket or libwrap's own unmapping presents it). Undefined when not an address.
 */
export function clientIp(text: string): IpAddr | undefined {
  const ip = parseIp(text);
  return ip && unmapIp(ip);
}

/** Text with an IPv4-mapped IPv6 address written as IPv4 (`::ffff:10.0.0.1` → `10.0.0.1`); other text unchanged. */
export function unmapIpText(text: string): string {
  const ip = parseIp(text);
  const v4 = ip && unmapIp(ip);
  return v4 && v4 !== ip ? v4.text : text;
}

/** Same family and value. */
export function ipEquals(a: IpAddr, b: IpAddr): boolean {
  return a.family === b.family && a.value === b.value;
}

/** Same address, whatever the spelling? IPv4 and its IPv4-mapped IPv6 form are not the same. */
export function sameIp(a: string, b: string): boolean {
  const x = parseIp(a);
  const y = parseIp(b);
  return !!x && !!y && ipEquals(x, y);
}

/** Same client address: as sameIp, but an IPv4-mapped IPv6 address equals its IPv4 form. */
export function sameClientIp(a: string, b: string): boolean {
  const x = clientIp(a);
  const y = clientIp(b);
  return !!x && !!y && ipEquals(x, y);
}

/** Canonical text of an address (`2001:0db8::0001` → `2001:db8::1`), or undefined if not one. */
export function canonicalIp(text: string): string | undefined {
  return parseIp(text)?.text;
}

/** Validate a client address given by the user; throws on anything else (networks too). */
export function requireIp(text: string, what = 'client address'): IpAddr {
  const a = parseIp(text);
  if (!a || text.includes('/')) throw new Error(`${what} is not an IP address: ${JSON.stringify(text)}`);
  return a;
}

// ---------------------------------------------------------------------------------------------
// Networks

/** The netmask of a prefix length: its leading `prefix` bits set (0 ≤ prefix ≤ familyBits). */
export function prefixMask(family: IpFamily, prefix: number): bigint {
  const bits = BigInt(familyBits(family));
  return ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(prefix))) - 1n);
}

/** The prefix length of a contiguous netmask (`255.255.255.0`, `ffff:ffff::`), or undefined. */
function maskPrefix(mask: IpAddr): number | undefined {
  const hostBits = mask.value ^ ((1n << BigInt(familyBits(mask.family))) - 1n);
  if ((hostBits & (hostBits + 1n)) !== 0n) return undefined; // host part not all ones: 255.0.255.0
  return familyBits(mask.family) - (hostBits === 0n ? 0 : hostBits.toString(2).length);
}

/** The network of `prefix` leading bits around the address (host bits cleared); undefined for a prefix out of range. */
export function networkOf(ip: IpAddr, prefix: number): IpNet | undefined {
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > familyBits(ip.family)) return undefined;
  return { ...ipFromValue(ip.family, ip.value & prefixMask(ip.family, prefix)), prefix };
}

/**
 * An address or network: `a` (a host: /32 or /128), `a/n`, `a/255.255.255.0` or `a/ffff:ffff::`
 * (fail2ban and iptables take masks; only contiguous ones), `[v6]/n`. Host bits are cleared, as
 * iptables and fail2ban do. Undefined for hostnames, bad prefixes and garbage.
 */
export function parseNet(text: string): IpNet | undefined {
  const s = text.trim();
  const slash = s.indexOf('/');
  const a = parseIp(slash < 0 ? s : s.slice(0, slash));
  if (!a) return undefined;
  if (slash < 0) return { ...a, prefix: familyBits(a.family) };
  const m = s.slice(slash + 1);
  let prefix: number | undefined;
  if (/^\d{1,3}$/.test(m)) prefix = Number(m);
  else {
    const mask = parseIp(m);
    if (mask && mask.family === a.family) prefix = maskPrefix(mask);
  }
  return prefix === undefined ? undefined : networkOf(a, prefix);
}

/** Does the network contain the address: same family, same leading `prefix` bits? */
export function netContains(net: IpNet, ip: IpAddr): boolean {
  return net.family === ip.family && (ip.value & prefixMask(net.family, net.prefix)) === net.value;
}

/** Is the network exactly one host (/32 or /128)? */
export function isHostNet(net: IpNet): boolean {
  return net.prefix === familyBits(net.family);
}

/** Canonical text of a network: `a/n` (or just `a` for a host when `hostBare`). */
export function formatNet(net: IpNet, hostBare = false): string {
  return hostBare && isHostNet(net) ? net.text : `${net.text}/${net.prefix}`;
}

/**
 * Does an allow/deny-list entry cover the address: the same address, or a network (prefix or
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

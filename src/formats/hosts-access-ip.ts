// Address helpers for the tcp_wrappers code: validity comes from node:net (isIPv4/isIPv6); the
// byte conversion below only runs on strings node:net has already accepted. libwrap compares
// addresses as inet_ntoa/inet_ntop text, so canonical text is produced the way glibc prints it.

import { isIPv4, isIPv6 } from 'node:net';

export interface IpAddr {
  family: 4 | 6;
  /** 4 or 16 bytes, network order. */
  bytes: Uint8Array;
  /** The text libwrap would see for this address (inet_ntoa / glibc inet_ntop form). */
  text: string;
}

/** Parses an IPv4 or IPv6 literal (an IPv6 zone `%eth0` is dropped); undefined when not an address. */
export function parseIp(input: string): IpAddr | undefined {
  if (isIPv4(input)) {
    const bytes = Uint8Array.from(input.split('.').map(Number));
    return { family: 4, bytes, text: formatIPv4(bytes) };
  }
  // Zones only matter for link-local scopes; a rule file never carries one that we could honour.
  const bare = input.includes('%') ? input.slice(0, input.indexOf('%')) : input;
  if (!isIPv6(bare)) return undefined;
  const bytes = ipv6Bytes(bare);
  return { family: 6, bytes, text: formatIPv6(bytes) };
}

/**
 * The client's address as libwrap sees it: IPv4-mapped IPv6 (`::ffff:a.b.c.d`) becomes plain IPv4,
 * the way sshd's AF_INET socket (sshd sets IPV6_V6ONLY) or libwrap's own unmapping presents it.
 */
export function clientIp(input: string): IpAddr | undefined {
  const ip = parseIp(input);
  if (!ip || ip.family === 4 || !isV4Mapped(ip.bytes)) return ip;
  const v4 = ip.bytes.slice(12);
  return { family: 4, bytes: v4, text: formatIPv4(v4) };
}

/** Same address (IPv4-mapped IPv6 equals its IPv4 form). */
export function sameIp(a: string, b: string): boolean {
  const x = clientIp(a);
  const y = clientIp(b);
  return !!x && !!y && x.family === y.family && x.text === y.text;
}

/** 16-byte form: IPv4 becomes IPv4-mapped, for comparing against `[v6]` patterns. */
export function as16(ip: IpAddr): Uint8Array {
  if (ip.family === 6) return ip.bytes;
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  out.set(ip.bytes, 12);
  return out;
}

/** True when the first `bits` bits of a and b agree (a and b have equal length). */
export function prefixEqual(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  for (let i = 0; i < a.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((a[i] ?? 0) & mask) !== ((b[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** IPv4 as an unsigned 32-bit number (for libwrap's `(addr & mask) == net`). */
export function ipv4Number(ip: IpAddr): number {
  const [a = 0, b = 0, c = 0, d = 0] = ip.bytes;
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

function formatIPv4(b: Uint8Array): string {
  return Array.from(b).join('.');
}

// Only called on strings isIPv6 accepted, so the shape (one `::` at most, 8 groups, optional
// trailing dotted quad) is already guaranteed.
function ipv6Bytes(s: string): Uint8Array {
  const words: number[] = [];
  const toWords = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const [a = 0, b = 0, c = 0, d = 0] = g.split('.').map(Number);
        out.push((a << 8) | b, (c << 8) | d);
      } else out.push(parseInt(g, 16));
    }
    return out;
  };
  const gap = s.indexOf('::');
  if (gap < 0) words.push(...toWords(s));
  else {
    const head = toWords(s.slice(0, gap));
    const tail = toWords(s.slice(gap + 2));
    words.push(...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail);
  }
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    bytes[2 * i] = w >> 8;
    bytes[2 * i + 1] = w & 0xff;
  });
  return bytes;
}

// glibc inet_ntop: lowercase hex, the longest (first on a tie) run of >= 2 zero words becomes
// `::`, and IPv4-compatible/-mapped addresses end in a dotted quad. Wildcard and prefix patterns
// are matched against this text, so it has to be the same text libwrap gets.
function formatIPv6(b: Uint8Array): string {
  const w: number[] = [];
  for (let i = 0; i < 16; i += 2) w.push(((b[i] ?? 0) << 8) | (b[i + 1] ?? 0));
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestBase = -1;
  const dotted =
    bestBase === 0 &&
    (bestLen === 6 || (bestLen === 7 && w[7] !== 1) || (bestLen === 5 && w[5] === 0xffff));
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestBase) {
      out += ':';
      i += bestLen - 1;
      if (i === 7) out += ':';
      continue;
    }
    if (dotted && i === 6) {
      out += `${i > 0 ? ':' : ''}${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
      break;
    }
    out += (i > 0 ? ':' : '') + (w[i] ?? 0).toString(16);
  }
  return out;
}

// libwrap's `n.n.n.n/m.m.m.m` and `n.n.n.n/nn` patterns, number for number as masked_match4 and
// misc.c compute them, because their corner cases decide who is refused:
// - dot_quad_addr only takes text with exactly four runs of non-dots, then inet_addr, whose
//   answer for 255.255.255.255 is INADDR_NONE, the same as its error. So a net or a dotted mask
//   of 255.255.255.255 is "not an address": `a.b.c.d/255.255.255.255` never matches anyone.
// - A mask that is not a dotted quad is read by cidr_mask_addr with atoi: 1..32 bits, anything
//   else (0, 33, garbage) never matches. `/32` is how to name one host; `/0` matches no one.
// - The match is (addr & mask) == net: a net with host bits set never matches.
// - `[v6]/nn` (masked_match6) differs: atoi(nn) may be 0..128 (0 matches every IPv6 client),
//   and both sides are masked, so host bits in the net do not matter.

const INADDR_NONE = 0xffffffff;

/** inet_aton's reading of one part: 0x hex, leading-0 octal, else decimal. */
function inetPart(part: string): number | undefined {
  if (/^0x[0-9a-f]*$/i.test(part)) return part.length === 2 ? 0 : parseInt(part.slice(2), 16);
  if (/^0[0-7]*$/.test(part)) return parseInt(part, 8);
  if (/^[1-9][0-9]*$/.test(part)) return Number(part);
  return undefined;
}

/** dot_quad_addr: the address as an unsigned number, or INADDR_NONE. */
export function dotQuadAddr(text: string): number {
  const runs = text.split('.').filter((r) => r !== '').length;
  if (runs !== 4) return INADDR_NONE;
  const parts = text.split('.');
  if (parts.length !== 4) return INADDR_NONE; // "1..2.3.4": inet_addr rejects the empty part
  let value = 0;
  for (const p of parts) {
    const n = inetPart(p);
    if (n === undefined || n > 255) return INADDR_NONE;
    value = value * 256 + n;
  }
  return value;
}

/** C's atoi: leading space, a sign, digits; 0 when there are none. */
export function atoi(text: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?[0-9]+)/.exec(text);
  return m ? parseInt(m[1]!, 10) : 0;
}

/** cidr_mask_addr: atoi(text) bits when 1..32, else 0 (no mask). */
export function cidrMaskAddr(text: string): number {
  const bits = atoi(text);
  if (bits < 1 || bits > 32) return 0;
  return Number((0xffffffffn << BigInt(32 - bits)) & 0xffffffffn);
}

/** The mask libwrap uses for a mask token, or undefined when the pattern can never match. */
export function ipv4Mask(maskTok: string): number | undefined {
  const dotted = dotQuadAddr(maskTok);
  if (dotted !== INADDR_NONE) return dotted;
  const cidr = cidrMaskAddr(maskTok);
  return cidr === 0 ? undefined : cidr;
}

/** masked_match4 for a client address given as a number (undefined: not IPv4). */
export function maskedMatch4(netTok: string, maskTok: string, addr: number | undefined): boolean {
  if (addr === undefined || addr === INADDR_NONE) return false;
  const net = dotQuadAddr(netTok);
  const mask = ipv4Mask(maskTok);
  if (net === INADDR_NONE || mask === undefined) return false;
  return ((addr & mask) >>> 0) === net;
}

/** The one address a net/mask pattern names, when it names exactly one (mask of 32 bits). */
export function singleAddress(netTok: string, maskTok: string): number | undefined {
  const net = dotQuadAddr(netTok);
  return net !== INADDR_NONE && ipv4Mask(maskTok) === INADDR_NONE ? net : undefined;
}

// Whom a hosts_access rule can refuse besides the one (daemon, client) pair being unblocked. A
// rule may be commented out only when it covers that pair and nothing else: removing a rule
// changes the verdict exactly for the requests it matches, so a rule that also covers another
// daemon (`ALL`, `sshd, vsftpd`, `s*`, a port number) or another client must stay.

import { clientIp, ipEquals, parseIp } from './ip.js';
import { splitAt, type PatternList, type Rule } from './hosts-access-parse.js';
import { singleAddress } from './hosts-access-netmask.js';
import type { ClientInfo } from './hosts-access-match.js';

export type ClientPatternKind =
  | 'all'
  | 'address'
  | 'ipv6-address'
  | 'address-prefix'
  | 'net-mask'
  | 'ipv6-net'
  | 'hostname'
  | 'domain'
  | 'wildcard'
  | 'known'
  | 'unknown'
  | 'paranoid'
  | 'local'
  | 'netgroup'
  | 'file';

/** What kind of client pattern a token is (a `user@` prefix is ignored), in host_match's order. */
export function clientPatternKind(token: string): ClientPatternKind {
  const at = token.indexOf('@', 1);
  const tok = at < 0 ? token : token.slice(at + 1);
  const up = tok.toUpperCase();
  if (tok.startsWith('@')) return 'netgroup';
  if (tok.startsWith('/')) return 'file';
  if (up === 'KNOWN') return 'known';
  if (up === 'LOCAL') return 'local';
  if (tok.includes('/')) return tok.startsWith('[') ? 'ipv6-net' : 'net-mask';
  if (tok.includes('*') || tok.includes('?')) return 'wildcard';
  if (tok.startsWith('.')) return 'domain';
  if (up === 'ALL') return 'all';
  if (up === 'UNKNOWN') return 'unknown';
  if (up === 'PARANOID') return 'paranoid';
  if (tok.endsWith('.')) return 'address-prefix';
  if (tok.startsWith('[') && tok.endsWith(']')) return 'ipv6-address';
  if (parseIp(tok)?.family === 4) return 'address';
  return 'hostname';
}

/**
 * Does this token name exactly this client: its address (`a.b.c.d`, `[v6]`, or a net of it with
 * a 32-bit mask, /128 for IPv6) or its verified hostname? `/255.255.255.255` names no one: libwrap
 * never matches it (hosts-access-netmask.ts).
 */
export function tokenNamesClient(token: string, client: ClientInfo): boolean {
  const at = token.indexOf('@', 1);
  const tok = at < 0 ? token : token.slice(at + 1);
  const addr = clientIp(client.addr);
  if (!addr) return false;
  const same = (text: string): boolean => {
    const ip = parseIp(text);
    return !!ip && ipEquals(ip, addr);
  };
  switch (clientPatternKind(tok)) {
    case 'address':
      return tok === addr.text; // libwrap compares the text exactly
    case 'ipv6-address':
      return same(tok.slice(1, -1));
    case 'net-mask': {
      const slash = splitAt(tok, '/');
      const one = singleAddress(tok.slice(0, slash), tok.slice(slash + 1));
      return addr.family === 4 && one !== undefined && BigInt(one) === addr.value;
    }
    case 'ipv6-net': {
      const [net = '', mask = ''] = tok.split('/');
      return mask === '128' && net.startsWith('[') && net.endsWith(']') && same(net.slice(1, -1));
    }
    case 'hostname':
      return (
        (client.nameStatus ?? 'verified') === 'verified' &&
        !!client.name &&
        tok.toLowerCase() === client.name.toLowerCase()
      );
    default:
      return false;
  }
}

/** Does this daemon token match `daemon` and no other daemon (`sshd`, `sshd@host`)? */
export function tokenNamesDaemon(token: string, daemon: string): boolean {
  const at = token.indexOf('@', 1);
  const name = at < 0 ? token : token.slice(0, at);
  return name.toLowerCase() === daemon.toLowerCase(); // string_match compares with strcasecmp
}

/** Every pattern of the list before its EXCEPT (an EXCEPT only narrows what the list matches). */
const topPatterns = (list: PatternList): string[] => list.patterns;

/**
 * True when the rule can match no request but (daemon, client): every daemon pattern names the
 * daemon and every client pattern names the client. An empty list matches nothing.
 */
export function ruleCoversOnly(rule: Rule, daemon: string, client: ClientInfo): boolean {
  const daemons = topPatterns(rule.daemons);
  const clients = topPatterns(rule.clients);
  return (
    daemons.length > 0 &&
    clients.length > 0 &&
    daemons.every((t) => tokenNamesDaemon(t, daemon)) &&
    clients.every((t) => tokenNamesClient(t, client))
  );
}

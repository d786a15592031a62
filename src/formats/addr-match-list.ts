// sshd's addr_match_list (match.c): how PerSourcePenaltyExemptList, `Match Address` and the host
// part of AllowUsers/DenyUsers patterns judge an address.
import { matchPattern } from '../transport/pattern.js';
import { netContains, parseIp, parseNet } from './ip.js';

/** addr_match_list: addresses, wildcards and CIDR networks, `!` negation. */
export function addrMatchList(ip: string, list: string): 1 | 0 | -1 {
  const addr = parseIp(ip);
  let got: 1 | 0 = 0;
  for (const raw of list.split(',')) {
    const neg = raw.startsWith('!');
    const p = neg ? raw.slice(1) : raw;
    let hit = false;
    if (p.includes('/')) {
      const net = parseNet(p);
      hit = !!(net && addr && netContains(net, addr));
    } else hit = matchPattern(ip, p);
    if (!hit) continue;
    if (neg) return -1;
    got = 1;
  }
  return got;
}


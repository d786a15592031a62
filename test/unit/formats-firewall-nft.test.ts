import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { applyNftCommands, findNftBlocks, judgeNftRule, parseNftRuleset, planNftUnblock } from '../../src/formats/firewall.js';
import { parseIp } from '../../src/formats/ip.js';

// nft-*.txt: `nft -a list ruleset` from nftables 1.0.6 in a scratch network namespace:
// nft-native.txt loaded with nft -f; nft-f2b-table.txt written by fail2ban 1.0.2's nftables
// actions; nft-iptables-nft-*.txt written through iptables-nft (stderr warnings included).
const fx = (name: string) => readFileSync(new URL(`../fixtures/firewall/${name}`, import.meta.url), 'utf8');
const CLIENT = '203.0.113.7';
const pkt = { client: parseIp(CLIENT)!, port: 22 };

describe('parseNftRuleset', () => {
  it('reads tables, base chains, rules with handles and set elements', () => {
    const rs = parseNftRuleset(fx('nft-native.txt'));
    expect(rs.tables.map((t) => `${t.family} ${t.name}`)).toEqual(['inet filter', 'ip legacy']);
    const input = rs.tables[0]!.chains[0]!;
    expect(input).toMatchObject({ name: 'input', type: 'filter', hook: 'input', priority: 'filter', policy: 'drop', handle: 1 });
    expect(input.rules[0]).toEqual({ text: 'ct state established,related accept', handle: 5 });
    expect(rs.tables[0]!.sets[0]).toMatchObject({ name: 'blocklist4', type: 'ipv4_addr', flags: ['interval'], elements: ['192.0.2.0/24', '203.0.113.7'] });
    expect(rs.tables[1]!.chains[0]!.priority).toBe('filter + 10');
  });
  it("reads firewalld 2.3's table from nft 1.1 (comments after the brace), and finds its rich-rule reject", () => {
    // nft-firewalld-1.1.txt: `nft -a list ruleset` on Debian 13 (nft 1.1.3, firewalld 2.3) with a
    // rich rule rejecting the client on port 22 (address replaced by the documentation one).
    const text = fx('nft-firewalld-1.1.txt');
    const rs = parseNftRuleset(text);
    expect(rs.tables.map((t) => `${t.family} ${t.name} ${t.handle}`)).toEqual(['inet firewalld 3']);
    expect(rs.warnings).toEqual([]);
    const chains = rs.tables[0]!.chains;
    expect(chains.length).toBeGreaterThan(20);
    expect(chains[0]).toMatchObject({ name: 'mangle_PREROUTING', handle: 1, hook: 'prerouting' });
    const blocks = findNftBlocks({ ruleset: text, clientIp: CLIENT });
    expect(blocks.some((b) => b.rule === `ip saddr ${CLIENT} tcp dport 22 reject with icmp port-unreachable` && b.handle === 181)).toBe(true);
  });
  it('keeps what is quoted when it strips a comment', () => {
    const rs = parseNftRuleset('table ip t { # handle 1 progname x\n chain c { # handle 2\n  tcp dport 22 comment "a # b" drop # handle 9\n }\n}\n');
    expect(rs.tables[0]!.chains[0]!.rules).toEqual([{ text: 'tcp dport 22 comment "a # b" drop', handle: 9 }]);
  });
  it('notes the tables iptables-nft manages', () => {
    const rs = parseNftRuleset(fx('nft-iptables-nft-mixed.txt'));
    expect(rs.tables.map((t) => t.iptablesNft)).toEqual([true, true]);
    expect(rs.warnings[0]).toBe('# Warning: table ip filter is managed by iptables-nft, do not touch!');
  });
});

describe('judgeNftRule', () => {
  it.each<[string, string, string]>([
    ['ip saddr 203.0.113.7 tcp dport 22 drop', 'yes', 'drop'],
    ['ip saddr != 10.0.0.0/8 tcp dport { 22, 80, 1000-2000 } reject with tcp reset', 'yes', 'reject'],
    ['ip saddr != 203.0.113.0/24 drop', 'no', 'drop'],
    ['ip6 saddr 2001:db8::/32 tcp dport 22 drop', 'no', 'drop'],
    ['ip saddr 203.0.113.1-203.0.113.20 tcp dport 22 counter packets 0 bytes 0 drop', 'yes', 'drop'],
    ['iifname "eth0" tcp dport != 22 counter packets 0 bytes 0 drop', 'no', 'drop'],
    ['iif "lo" accept', 'no', 'accept'],
    ['iifname "eth0" tcp dport 22 drop', 'maybe', 'drop'],
    ['udp dport 22 drop', 'no', 'drop'],
    ['meta l4proto { tcp, udp } th dport 22 drop', 'yes', 'drop'],
    ['ct state established,related accept', 'no', 'accept'],
    ['ct state new tcp dport ssh drop', 'yes', 'drop'],
    ['tcp flags syn / syn,rst,ack tcp dport 22 counter packets 0 bytes 0 drop', 'yes', 'drop'],
    ['tcp dport 20-30 xt match recent counter packets 0 bytes 0 drop', 'maybe', 'drop'],
    ['tcp dport 22 limit rate over 10/minute drop', 'maybe', 'drop'],
    ['meta nfproto ipv6 tcp dport 22 drop', 'no', 'drop'],
    ['tcp dport 22 log prefix "ssh " counter packets 0 bytes 0', 'yes', 'none'],
  ])('%s → %s %s', (rule, match, verdict) => {
    const j = judgeNftRule(rule, pkt);
    expect([j.match, j.verdict]).toEqual([match, verdict]);
  });
  it('reads verdict maps', () => {
    expect(judgeNftRule('ct state vmap { established : accept, related : accept, invalid : drop }', pkt).verdict).toBe('none');
    expect(judgeNftRule('ct state vmap { new : jump ssh_in, invalid : drop }', pkt)).toMatchObject({ verdict: 'jump', target: 'ssh_in' });
    expect(judgeNftRule('tcp dport vmap { 22 : drop, 80 : accept }', pkt).verdict).toBe('drop');
    expect(judgeNftRule('ip saddr vmap { 203.0.113.0/24 : drop, 10.0.0.0/8 : accept }', pkt).verdict).toBe('drop');
    expect(judgeNftRule('ip6 saddr vmap { 2001:db8::/32 : drop }', { client: parseIp('2001:db8::7')!, port: 22 }).verdict).toBe('drop');
  });
  it('tells a rule naming the client from one listing it among others', () => {
    expect(judgeNftRule('ip saddr 203.0.113.7 drop', pkt).namesClient).toBe(true);
    expect(judgeNftRule('ip saddr { 203.0.113.7, 198.51.100.1 } drop', pkt).namesClient).toBe(false);
    expect(judgeNftRule('ip saddr 203.0.113.0/24 drop', pkt).namesClient).toBe(false);
  });
});

describe('findNftBlocks / planNftUnblock', () => {
  it('finds blocks per input base chain, through named sets and jumps', () => {
    const blocks = findNftBlocks({ ruleset: fx('nft-native.txt'), clientIp: CLIENT });
    expect(blocks.map((b) => `${b.table}/${b.chain}:${b.handle ?? 'policy'} ${b.classification} ${b.certainty}${b.set ? ` set ${b.set.name}` : ''}`)).toEqual([
      'filter/input:8 names-client certain set blocklist4',
      'filter/input:9 names-client certain',
      'filter/input:12 broad conditional',
      'filter/input:policy broad certain',
      'legacy/INPUT:2 broad certain',
    ]);
  });
  it('plans deletes by handle, set element removal and one accept per base chain', () => {
    const plan = planNftUnblock({ ruleset: fx('nft-native.txt'), clientIp: CLIENT });
    expect(plan.commands).toEqual([
      'nft delete rule inet filter input handle 9',
      "nft delete element inet filter blocklist4 '{' 203.0.113.7 '}'",
      'nft insert rule inet filter input ip saddr 203.0.113.7 tcp dport 22 accept',
      'nft insert rule ip legacy INPUT ip saddr 203.0.113.7 tcp dport 22 accept',
    ]);
    expect(plan.steps[0]!.undo).toBe("nft add rule inet filter input position 8 'ip saddr 203.0.113.7 tcp dport 22 counter packets 0 bytes 0 reject with tcp reset'");
    expect(plan.steps[2]!.undo).toMatch(/^nft -a list chain inet filter input \| sed -n .* \| head -n 1 \| xargs -r -n 1 nft delete rule inet filter input handle$/);
  });
  it('is idempotent once applied (simulated; checked against a live netns too)', () => {
    const before = fx('nft-native.txt');
    const plan = planNftUnblock({ ruleset: before, clientIp: CLIENT });
    const after = applyNftCommands(before, plan.steps.map((s) => s.argv));
    expect(after).toContain('elements = { 192.0.2.0/24 }');
    expect(planNftUnblock({ ruleset: after, clientIp: CLIENT }).commands).toEqual([]);
  });
  it('plans for an IPv6 client in the inet table only', () => {
    const plan = planNftUnblock({ ruleset: fx('nft-native.txt'), clientIp: '2001:db8::9' });
    expect(plan.commands).toEqual(['nft insert rule inet filter input ip6 saddr 2001:db8::9 tcp dport 22 accept']);
  });
  it('deletes the jump naming the client, not the shared chain', () => {
    const rs = [
      'table inet filter { # handle 1',
      '\tchain input { # handle 1',
      '\t\ttype filter hook input priority filter; policy accept;',
      '\t\tip saddr 203.0.113.7 jump logdrop # handle 3',
      '\t}',
      '\tchain logdrop { # handle 2',
      '\t\tlog prefix "drop " # handle 4',
      '\t\tdrop # handle 5',
      '\t}',
      '}',
    ].join('\n');
    expect(planNftUnblock({ ruleset: rs, clientIp: CLIENT }).commands).toEqual(['nft delete rule inet filter input handle 3']);
    expect(planNftUnblock({ ruleset: rs.replace(/ # handle \d+/g, ''), clientIp: CLIENT }).warnings).toEqual([
      'no handle for "ip saddr 203.0.113.7 jump logdrop" in inet filter input: list the ruleset with nft -a',
    ]);
  });
  it("leaves fail2ban's f2b-table to fail2ban (real nftables action output)", () => {
    const plan = planNftUnblock({ ruleset: fx('nft-f2b-table.txt'), clientIp: CLIENT });
    expect(plan.commands).toEqual([]);
    expect(plan.managed.map((b) => `${b.table} ${b.rule} ${b.managedBy}`)).toEqual([
      'f2b-table tcp dport 22 ip saddr @addr-set-sshd reject with icmp port-unreachable fail2ban',
      'f2b-table meta l4proto tcp ip saddr @addr-set-recidive reject with icmp port-unreachable fail2ban',
    ]);
    expect(planNftUnblock({ ruleset: fx('nft-f2b-table.txt'), clientIp: '2001:db8::5' }).managed).toHaveLength(1);
  });
  it('leaves iptables-nft tables to the iptables planner', () => {
    // Captured without stderr, so without nft's warning: the f2b-* chain names still tell.
    const plan = planNftUnblock({ ruleset: fx('nft-iptables-nft-f2b.txt'), clientIp: CLIENT });
    expect(plan.commands).toEqual([]);
    expect(plan.managed.map((b) => `${b.chain} ${b.managedBy}`)).toEqual(['f2b-recidive fail2ban', 'f2b-sshd fail2ban']);
    const told = planNftUnblock({ ruleset: fx('nft-iptables-nft-f2b.txt'), clientIp: CLIENT, iptablesNft: true });
    expect(told.managed.map((b) => `${b.chain} ${b.managedBy}`)).toEqual(['f2b-recidive iptables-nft', 'f2b-sshd iptables-nft']);
    // With the warning in the listing (probe output keeps stderr), no hint is needed.
    const mixed = fx('nft-iptables-nft-mixed.txt').replace(/^.*accept # handle 24\n/m, ''); // drop the client's ACCEPT
    const warned = planNftUnblock({ ruleset: mixed, clientIp: CLIENT });
    expect(warned.commands).toEqual([]);
    expect(new Set(warned.managed.map((b) => b.managedBy))).toEqual(new Set(['iptables-nft']));
  });
});

import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  applyFirewalldCommands,
  applyUfwCommands,
  findFirewalldBlocks,
  findUfwBlocks,
  firewallProbeScript,
  parseFirewallProbe,
  parseFirewalldZones,
  parseRichRule,
  parseUfwStatus,
  parseUfwVersion,
  planFirewallFromProbe,
  planFirewalldUnblock,
  planUfwUnblock,
} from '../../src/formats/firewall.js';

// ufw-*.txt and probe-*.txt were captured from ufw 0.36.2 / iptables 1.8.9 / fail2ban 1.0.2 in a
// scratch network namespace. firewalld-*.txt are written from firewalld 1.3's printing code
// (firewall/command.py print_zone_policy_info): firewalld needs D-Bus, not available there.
const fx = (name: string) => readFileSync(new URL(`../fixtures/firewall/${name}`, import.meta.url), 'utf8');
const CLIENT = '203.0.113.7';

describe('ufw', () => {
  it('parses numbered status: columns, (v6), apps, interfaces, log, comments, out rules', () => {
    const st = parseUfwStatus(fx('ufw-numbered-1.txt'));
    expect(st.active).toBe(true);
    expect(st.rules).toHaveLength(15);
    const by = (n: number) => st.rules.find((r) => r.number === n)!;
    expect(by(2)).toMatchObject({ action: 'DENY', direction: 'IN', to: { ports: '22', proto: 'tcp' }, from: { addr: '203.0.113.7' }, v6: false });
    expect(by(3)).toMatchObject({ to: { ports: '22' }, from: { addr: '198.51.100.0/24' } });
    expect(by(4)).toMatchObject({ action: 'REJECT', to: {}, from: { addr: '192.0.2.0/24' } });
    expect(by(6)).toMatchObject({ action: 'ALLOW', to: { app: 'OpenSSH' } });
    expect(by(7)).toMatchObject({ to: { addr: '10.0.0.1', ports: '22', proto: 'tcp' }, from: { addr: '203.0.113.7' } });
    expect(by(8)).toMatchObject({ to: { ports: '60000:61000', proto: 'udp' } });
    expect(by(9)).toMatchObject({ direction: 'OUT', to: { ports: '25' } });
    expect(by(11)).toMatchObject({ v6: true, to: { ports: '22', proto: 'tcp' } });
    expect(by(13)).toMatchObject({ v6: true, to: { ports: '22', proto: 'tcp', iface: 'eth0' }, from: { addr: '2001:db8::/32' }, comment: 'v6 block' });
    const two = parseUfwStatus(fx('ufw-numbered-2.txt'), fx('ufw-verbose-2.txt'));
    expect(two.defaultIncoming).toBe('deny');
    expect(two.rules[4]).toMatchObject({ number: 5, log: 'log', comment: 'old office', from: { addr: '203.0.113.7' } });
    expect(two.rules[7]).toMatchObject({ number: 8, v6: true, to: { app: 'OpenSSH' }, from: { addr: '2001:db8::/64' } });
    expect(parseUfwStatus(fx('ufw-inactive.txt'))).toMatchObject({ active: false, rules: [] });
    expect(parseUfwVersion('ufw 0.36.2\nCopyright 2008-2023 Canonical Ltd.\n')).toBe('0.36.2');
  });

  it('finds the rules that block, first match wins, LIMIT ends the walk', () => {
    const blocks = findUfwBlocks({ numbered: fx('ufw-numbered-1.txt'), verbose: fx('ufw-verbose-2.txt'), clientIp: CLIENT });
    // 1 allows 80 only; 2 names the client; 3 and 4 do not cover it; 5 denies 22/tcp to all;
    // 6 (OpenSSH, i.e. 22/tcp) allows everyone, so 7 and the default policy are never reached.
    expect(blocks.map((b) => `${b.number} ${b.classification} ${b.certainty}`)).toEqual(['2 names-client certain', '5 broad certain']);
    const without6 = fx('ufw-numbered-1.txt').replace(/^\[ 6\].*\n/m, '');
    expect(findUfwBlocks({ numbered: without6, verbose: fx('ufw-verbose-2.txt'), clientIp: CLIENT }).map((b) => `${b.number} ${b.classification} ${b.certainty}`)).toEqual([
      '2 names-client certain',
      '5 broad certain',
      '7 names-client conditional', // to 10.0.0.1: the server's address is unknown
      '0 broad certain', // default deny
    ]);
    expect(findUfwBlocks({ numbered: fx('ufw-inactive.txt'), clientIp: CLIENT })).toEqual([]);
  });

  it('plans deletes by content, then one prepend allow', () => {
    const plan = planUfwUnblock({ numbered: fx('ufw-numbered-2.txt'), verbose: fx('ufw-verbose-2.txt'), clientIp: CLIENT });
    expect(plan.commands).toEqual([
      'ufw delete deny from 203.0.113.7 to any port 22 proto tcp',
      'ufw prepend allow from 203.0.113.7 to any port 22 proto tcp',
    ]);
    expect(plan.steps.map((s) => s.undo)).toEqual([
      'ufw insert 1 deny from 203.0.113.7 to any port 22 proto tcp',
      'ufw delete allow from 203.0.113.7 to any port 22 proto tcp',
    ]);
    expect(plan.blocks.map((b) => `${b.number} ${b.certainty} ${b.conditions.join(',')}`)).toEqual([
      '1 certain ',
      '4 conditional after 6 connections in 30 seconds',
    ]);
  });

  it('writes log, interface, source port, app and comment into delete and undo', () => {
    const numbered = [
      'Status: active',
      '',
      '     To                         Action      From',
      '     --                         ------      ----',
      '[ 1] 22/tcp                     DENY IN     203.0.113.7                (log) # old office',
      '[ 2] 22/tcp on eth0             REJECT IN   203.0.113.7               ',
      '[ 3] 22,2222/tcp                DENY IN     203.0.113.7 1234/tcp      ',
      '[ 4] OpenSSH                    LIMIT IN    203.0.113.7               ',
      '',
    ].join('\n');
    const plan = planUfwUnblock({ numbered, verbose: 'Status: active\nDefault: allow (incoming), allow (outgoing), disabled (routed)\n', clientIp: CLIENT });
    expect(plan.commands).toEqual([
      'ufw delete deny log from 203.0.113.7 to any port 22 proto tcp',
      'ufw delete reject in on eth0 from 203.0.113.7 to any port 22 proto tcp',
      'ufw delete deny from 203.0.113.7 port 1234 to any port 22,2222 proto tcp',
      'ufw delete limit from 203.0.113.7 to any app OpenSSH',
    ]);
    expect(plan.steps.map((s) => s.undo)).toEqual([
      "ufw insert 1 deny log from 203.0.113.7 to any port 22 proto tcp comment 'old office'",
      'ufw insert 1 reject in on eth0 from 203.0.113.7 to any port 22 proto tcp',
      'ufw insert 1 deny from 203.0.113.7 port 1234 to any port 22,2222 proto tcp',
      'ufw limit from 203.0.113.7 to any app OpenSSH',
    ]);
  });

  it('is idempotent once applied (simulated; the same plan ran against ufw 0.36.2 in a netns)', () => {
    const numbered = fx('ufw-numbered-2.txt');
    const verbose = fx('ufw-verbose-2.txt');
    for (const ip of [CLIENT, '2001:db8::7']) {
      const plan = planUfwUnblock({ numbered, verbose, clientIp: ip });
      expect(plan.commands.length).toBeGreaterThan(0);
      const after = applyUfwCommands(numbered, plan.steps.map((s) => s.argv));
      expect(planUfwUnblock({ numbered: after, verbose, clientIp: ip }).commands).toEqual([]);
    }
    const after6 = applyUfwCommands(numbered, planUfwUnblock({ numbered, verbose, clientIp: '2001:db8::7' }).steps.map((s) => s.argv));
    expect(after6).toMatch(/^\[ 6\] 22\/tcp +ALLOW IN +2001:db8::7 /m); // first IPv6 rule
  });

  it('uses insert before ufw 0.35 (no prepend)', () => {
    const numbered = fx('ufw-numbered-2.txt');
    const verbose = fx('ufw-verbose-2.txt');
    expect(planUfwUnblock({ numbered, verbose, clientIp: CLIENT, version: '0.34.0' }).commands.at(-1)).toBe(
      'ufw insert 1 allow from 203.0.113.7 to any port 22 proto tcp',
    );
    expect(planUfwUnblock({ numbered, verbose, clientIp: '2001:db8::7', version: '0.34.0' }).commands).toEqual([
      'ufw insert 6 allow from 2001:db8::7 to any port 22 proto tcp',
    ]);
  });
});

describe('firewalld', () => {
  const zones = fx('firewalld-list-all-zones.txt');
  it('parses zones and rich rules', () => {
    const z = parseFirewalldZones(zones, 'public');
    expect(z.map((x) => `${x.name}:${x.target}:${x.isDefault ? 'default' : ''}:${x.active ? 'active' : ''}`)).toEqual([
      'block:%%REJECT%%::',
      'drop:DROP::active',
      'public:default:default:active',
      'trusted:ACCEPT::',
    ]);
    expect(z[2]).toMatchObject({ interfaces: ['eth0'], services: ['dhcpv6-client'], ports: ['8080/tcp'] });
    expect(z[2]!.richRules).toHaveLength(3);
    expect(z[1]!.sources).toEqual(['198.51.100.0/24', '192.0.2.10']);
    expect(parseRichRule('rule priority="-5" family="ipv4" source NOT address="10.0.0.0/8" port port="20-30" protocol="tcp" log prefix="x" level="info" reject type="icmp-host-prohibited"')).toMatchObject({
      priority: -5,
      family: 'ipv4',
      source: { kind: 'address', value: '10.0.0.0/8', not: true },
      element: { kind: 'port', attrs: { port: '20-30', protocol: 'tcp' } },
      action: 'reject',
    });
  });

  it('removes the rich rule naming the client and adds a prioritised accept before broader denies', () => {
    const found = findFirewalldBlocks({ zones, defaultZone: 'public', clientIp: CLIENT });
    expect(found.zone).toBe('public');
    expect(found.blocks.map((b) => `${b.kind} ${b.classification}`)).toEqual(['rich-rule names-client', 'rich-rule broad', 'zone-target broad']);
    const plan = planFirewalldUnblock({ zones, defaultZone: 'public', clientIp: CLIENT });
    const accept = 'rule priority="-1" family="ipv4" source address="203.0.113.7" service name="ssh" accept';
    expect(plan.commands).toEqual([
      `firewall-cmd --zone=public '--remove-rich-rule=rule family="ipv4" source address="203.0.113.7" reject'`,
      `firewall-cmd --permanent --zone=public '--remove-rich-rule=rule family="ipv4" source address="203.0.113.7" reject'`,
      `firewall-cmd --zone=public '--add-rich-rule=${accept}'`,
      `firewall-cmd --permanent --zone=public '--add-rich-rule=${accept}'`,
    ]);
    const after = applyFirewalldCommands(zones, plan.steps.map((s) => s.argv), 'public');
    expect(planFirewalldUnblock({ zones: after, defaultZone: 'public', clientIp: CLIENT }).commands).toEqual([]);
  });

  it('adds the ssh service when the zone does not allow it, or the port when sshd moved', () => {
    const plan = planFirewalldUnblock({ zones, defaultZone: 'public', clientIp: '2001:db8::1' });
    expect(plan.commands).toEqual(['firewall-cmd --zone=public --add-service=ssh', 'firewall-cmd --permanent --zone=public --add-service=ssh']);
    expect(plan.steps[0]!.undo).toBe('firewall-cmd --zone=public --remove-service=ssh');
    expect(planFirewalldUnblock({ zones, defaultZone: 'public', clientIp: '2001:db8::1', port: 2222, mode: 'permanent+reload' }).commands).toEqual([
      'firewall-cmd --permanent --zone=public --add-port=2222/tcp',
      'firewall-cmd --reload',
    ]);
    expect(planFirewalldUnblock({ zones, defaultZone: 'public', clientIp: '2001:db8::1', port: 8080 }).commands).toEqual([]);
  });

  it('unbinds the client bound to the drop zone, then fixes the zone it falls to', () => {
    const plan = planFirewalldUnblock({ zones, defaultZone: 'public', clientIp: '192.0.2.10' });
    expect(plan.commands).toEqual([
      'firewall-cmd --zone=drop --remove-source=192.0.2.10',
      'firewall-cmd --permanent --zone=drop --remove-source=192.0.2.10',
      'firewall-cmd --zone=public --add-service=ssh',
      'firewall-cmd --permanent --zone=public --add-service=ssh',
    ]);
  });

  it('narrows a blocking zone reached through a bound network to the client', () => {
    const plan = planFirewalldUnblock({ zones, defaultZone: 'public', clientIp: '198.51.100.9' });
    expect(plan.reason).toBe('source 198.51.100.0/24 is bound to zone drop');
    expect(plan.commands[0]).toBe(`firewall-cmd --zone=drop '--add-rich-rule=rule priority="-1" family="ipv4" source address="198.51.100.9" service name="ssh" accept'`);
  });

  it('plans nothing where ssh is allowed', () => {
    expect(planFirewalldUnblock({ zones, defaultZone: 'public', clientIp: '10.1.2.3' }).commands).toEqual([]);
    expect(planFirewalldUnblock({ zones: fx('firewalld-list-all-public-ok.txt'), clientIp: CLIENT }).commands).toEqual([]);
  });
});

describe('firewall probe', () => {
  it('probes each tool only when present, read-only', () => {
    const s = firewallProbeScript();
    for (const t of ['iptables', 'ip6tables', 'nft', 'ufw', 'firewall-cmd']) expect(s).toContain(`if command -v ${t} >/dev/null 2>&1; then`);
    expect(s).toContain('iptables -S 2>&1; e $?');
    expect(s).toContain('nft -a list ruleset 2>&1; e $?');
    expect(s).not.toMatch(/ -[ADIF] | --add| --remove| delete| insert/);
  });

  it('reads a real probe (iptables-nft, fail2ban chains, ufw inactive)', () => {
    const p = parseFirewallProbe(fx('probe-iptables-f2b.txt'));
    expect(p.present).toEqual(['iptables', 'ip6tables', 'nft', 'ufw']);
    expect(p.iptables).toMatchObject({ version: '1.8.9', variant: 'nf_tables' });
    expect(p.ufw).toMatchObject({ version: '0.36.2', active: false });
    const plan = planFirewallFromProbe(p, { clientIp: CLIENT });
    expect(plan.commands).toEqual([]);
    expect(plan.fail2ban.map((b) => `${b.tool} ${'chain' in b ? b.chain : ''}`)).toEqual(['iptables f2b-recidive', 'iptables f2b-sshd']);
  });

  it('plans through ufw when it is active, leaving its chains and fail2ban alone', () => {
    const p = parseFirewallProbe(fx('probe-ufw-f2b.txt'));
    expect(p.ufw?.active).toBe(true);
    const plan = planFirewallFromProbe(p, { clientIp: CLIENT });
    expect(plan.commands).toEqual([
      'ufw delete deny from 203.0.113.7 to any port 22 proto tcp',
      'ufw prepend allow from 203.0.113.7 to any port 22 proto tcp',
    ]);
    expect(plan.fail2ban).toHaveLength(2);
    expect(plan.blocks.filter((b) => b.tool === 'iptables').map((b) => ('managedBy' in b ? b.managedBy : ''))).toEqual(['fail2ban', 'fail2ban', 'ufw', 'ufw']);
    const v6 = planFirewallFromProbe(p, { clientIp: '2001:db8::5' });
    expect(v6.commands).toEqual(['ufw prepend allow from 2001:db8::5 to any port 22 proto tcp']);
    expect(v6.fail2ban.map((b) => b.tool)).toEqual(['ip6tables']);
  });

  it('notes failed commands and a stopped firewalld', () => {
    const out = [
      '@@remedy-firewall@@ begin iptables',
      'iptables: Permission denied (you must be root).',
      '',
      '@@remedy-firewall@@ end 4',
      '@@remedy-firewall@@ begin firewalld-state',
      'not running',
      '',
      '@@remedy-firewall@@ end 252',
      '',
    ].join('\n');
    const p = parseFirewallProbe(out);
    expect(p.iptables?.rules).toBeUndefined();
    expect(p.firewalld).toEqual({ running: false });
    expect(p.problems).toEqual(['iptables exited 4: iptables: Permission denied (you must be root).']);
    expect(planFirewallFromProbe(p, { clientIp: CLIENT }).commands).toEqual([]);
  });
});

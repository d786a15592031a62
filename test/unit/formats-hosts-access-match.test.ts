// hosts_access(5) matching: every pattern kind, EXCEPT nesting, daemon lists, option effects and
// the file-level decision (hosts.allow, then hosts.deny, first match wins, default allow).
import { describe, it, expect } from 'vitest';
import {
  clientListMatches,
  daemonListMatches,
  decideAccess,
  parseHostsAccess,
  parsePatternList,
  type ClientInfo,
  type MatchOptions,
} from '../../src/formats/hosts-access.js';
import { clientIp, parseIp } from '../../src/formats/ip.js';

const ip1: ClientInfo = { addr: '10.0.0.1' };
const ip2: ClientInfo = { addr: '10.0.0.2' };
const web: ClientInfo = { addr: '192.168.1.20', name: 'web1.corp.example.com' };
const db: ClientInfo = { addr: '10.1.2.3', name: 'db.corp.example.com' };
const gw: ClientInfo = { addr: '10.0.0.7', name: 'gateway' };
const para: ClientInfo = { addr: '203.0.113.5', name: 'liar.example.net', nameStatus: 'paranoid' };
const v6: ClientInfo = { addr: '2001:db8::1' };
const v6long: ClientInfo = { addr: '2001:DB8:0:0:0:0:0:1' };
const mapped: ClientInfo = { addr: '::ffff:10.0.0.1' };
const rootUser: ClientInfo = { addr: '10.0.0.1', user: 'root' };
const files: MatchOptions = {
  readFile: (p) => (p === '/etc/ssh/blocked' ? '10.0.0.0/8\n  .example.com\n' : undefined),
};

// [client list as written in a rule, client, expected, options?]
const CASES: Array<[string, ClientInfo, boolean, MatchOptions?]> = [
  // ALL
  ['ALL', ip1, true],
  ['all', v6, true],
  // exact addresses
  ['10.0.0.1', ip1, true],
  ['10.0.0.2', ip1, false],
  ['10.0.0.10', ip1, false],
  ['192.168.1.20', web, true],
  ['10.0.0.1', mapped, true],
  // prefixes ending in '.'
  ['10.0.0.', ip1, true],
  ['10.0.0.', { addr: '10.0.1.1' }, false],
  ['10.', ip1, true],
  ['10.0.0', ip1, false],
  ['192.168.1.', { addr: '192.168.10.5' }, false],
  ['10.', v6, false],
  // net/mask, Debian's /nn
  ['10.0.0.0/255.255.255.0', ip1, true],
  ['10.0.0.0/255.255.255.0', { addr: '10.0.1.1' }, false],
  ['10.0.0.0/24', ip1, true],
  ['10.0.0.0/8', { addr: '10.200.3.4' }, true],
  ['10.0.0.1/32', ip1, true],
  ['10.0.0.1/24', ip1, false], // host bits set: net never equals addr & mask
  ['198.18.0.0/15', { addr: '198.19.255.254' }, true],
  ['198.18.0.0/15', { addr: '198.20.0.1' }, false],
  // cidr_mask_addr takes 1..32 bits only, and 255.255.255.255 is inet_addr's INADDR_NONE:
  // neither ever matches in libwrap (checked with tcpdmatch), /32 does.
  ['0.0.0.0/0', ip1, false],
  ['10.0.0.1/255.255.255.255', ip1, false],
  ['10.0.0.1/32', ip1, true],
  ['10.0.0.0/8/9', ip1, true], // split at the first "/", atoi("8/9") = 8
  ['10.0.0.0/33', ip1, false],
  ['10.0.0.0/255.255.255.0', v6, false],
  // IPv6
  ['[2001:db8::1]', v6, true],
  ['[2001:db8::1]', v6long, true],
  ['[2001:0db8::0001]', v6, true],
  ['[2001:db8::2]', v6, false],
  ['[2001:db8::]/32', { addr: '2001:db8:ffff::1' }, true],
  ['[2001:db8::]/48', { addr: '2001:db8:1::1' }, false],
  ['[2001:db8::1]/128', v6, true],
  ['[::ffff:10.0.0.0]/104', ip1, false], // masked_match6 hands a mapped client to masked_match4
  ['[::]/0', v6, true], // IPv6 lengths are atoi 0..128, both sides masked
  ['[2001:db8::9]/64x', v6, true],
  ['[2001:db8::1]', ip1, false],
  // host names and .domain suffixes (only with a known name)
  ['web1.corp.example.com', web, true],
  ['WEB1.Corp.Example.COM', web, true],
  ['web1.corp.example.com', ip1, false],
  ['gateway', gw, true],
  ['.example.com', web, true],
  ['.corp.example.com', web, true],
  ['.EXAMPLE.COM', web, true],
  ['.example.com', ip1, false],
  ['example.com', web, false],
  ['.web1.corp.example.com', web, false],
  ['.example.net', para, false], // the name failed verification: libwrap sees "paranoid"
  // wildcards (match name and address; case-sensitive)
  ['*.example.com', web, true],
  ['*.EXAMPLE.com', web, false],
  ['*.example.com', ip1, false],
  ['10.0.0.*', ip1, true],
  ['10.0.?.1', ip1, true],
  ['10.0.?.1', { addr: '10.0.10.1' }, false],
  ['*', v6, true],
  ['2001:db8::?', v6, true],
  ['unk*', ip1, true], // the unknown name is the string "unknown"
  // KNOWN / UNKNOWN / PARANOID / LOCAL
  ['KNOWN', web, true],
  ['KNOWN', ip1, false],
  ['KNOWN', para, false],
  ['UNKNOWN', ip1, true],
  ['UNKNOWN', web, false],
  ['UNKNOWN', para, false],
  ['PARANOID', para, true],
  ['PARANOID', ip1, false],
  ['PARANOID', web, false],
  ['LOCAL', gw, true],
  ['LOCAL', web, false],
  ['LOCAL', ip1, false],
  // netgroups and pattern files
  ['@trusted', ip1, false],
  ['/etc/ssh/blocked', ip1, true, files],
  ['/etc/ssh/blocked', web, true, files],
  ['/etc/ssh/blocked', { addr: '192.0.2.1' }, false, files],
  ['/etc/ssh/blocked', ip1, false],
  ['/etc/ssh/missing', ip1, false, files],
  // lists and EXCEPT
  ['10.0.0.2, 10.0.0.1', ip1, true],
  ['10.0.0.2 10.0.0.1', ip1, true],
  ['10.0.0.2,,\t10.0.0.1', ip1, true],
  ['ALL EXCEPT 10.0.0.1', ip1, false],
  ['ALL EXCEPT 10.0.0.1', ip2, true],
  ['ALL EXCEPT 10.0.0. EXCEPT 10.0.0.1', ip1, true],
  ['ALL EXCEPT 10.0.0. EXCEPT 10.0.0.1', ip2, false],
  ['ALL EXCEPT 10.0.0. EXCEPT 10.0.0.1', { addr: '192.0.2.1' }, true],
  ['ALL except 10.0.0.0/8 except 10.0.0.0/24 except 10.0.0.1', ip1, false],
  ['10.0.0.0/8 EXCEPT .corp.example.com', db, false],
  ['10.0.0.0/8 EXCEPT .corp.example.com', ip1, true],
  ['EXCEPT 10.0.0.1', ip1, false],
  ['10.0.0.1 EXCEPT', ip1, true],
  ['10.0.0.9 EXCEPT 10.0.0.1, 10.0.0.1', ip1, false], // after EXCEPT everything is exception
  // user@host
  ['root@10.0.0.1', ip1, false],
  ['root@10.0.0.1', rootUser, true],
  ['ALL@10.0.0.1', ip1, true],
  ['unknown@10.0.0.1', ip1, true],
  ['KNOWN@10.0.0.1', ip1, false],
  ['ALL@.example.com', web, true],
];

describe('client patterns', () => {
  it('has at least 60 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
  });
  it.each(CASES.map(([p, c, want, o], i) => ({ i, p, c, want, o })))(
    '#$i "$p" vs $c.addr → $want',
    ({ p, c, want, o }) => {
      expect(clientListMatches(parsePatternList(p), c, o ?? {})).toBe(want);
    },
  );
});

describe('daemon patterns', () => {
  const D: Array<[string, string, boolean, MatchOptions?]> = [
    ['sshd', 'sshd', true],
    ['SSHD', 'sshd', true],
    ['ssh', 'sshd', false],
    ['ALL', 'sshd', true],
    ['ALL EXCEPT sshd', 'sshd', false],
    ['ALL EXCEPT in.ftpd', 'sshd', true],
    ['in.ftpd, sshd', 'sshd', true],
    ['ssh*', 'sshd', true],
    ['sshd@192.0.2.1', 'sshd', true, { serverAddr: '192.0.2.1' }],
    ['sshd@192.0.2.1', 'sshd', false, { serverAddr: '192.0.2.2' }],
    ['sshd@192.0.2.1', 'sshd', true], // server address unknown: assumed to match
    ['sshd@192.0.2.', 'sshd', true, { serverAddr: '192.0.2.77' }],
    ['in.ftpd@192.0.2.1', 'sshd', false],
  ];
  it.each(D)('"%s" vs %s → %s', (p, d, want, o) => {
    expect(daemonListMatches(parsePatternList(p), d, o ?? {})).toBe(want);
  });
});

const decide = (allow: string, deny: string, client: ClientInfo = ip1, opts: MatchOptions = {}) =>
  decideAccess({ ...opts, allow: parseHostsAccess(allow), deny: parseHostsAccess(deny), daemon: 'sshd', client });

describe('decideAccess', () => {
  it('allows when nothing matches', () => {
    expect(decide('', '')).toMatchObject({ verdict: 'allow' });
    expect(decide('', 'in.ftpd: ALL\nsshd: 10.0.0.2\n').verdict).toBe('allow');
  });
  it('denies on a hosts.deny match and reports where', () => {
    const d = decide('# nothing\n', '# header\nsshd: 10.0.0.9\nsshd: 10.0.0.1\n');
    expect(d).toMatchObject({ verdict: 'deny', file: 'deny', line: 3 });
  });
  it('reads hosts.allow first', () => {
    expect(decide('sshd: 10.0.0.1\n', 'ALL: ALL\n')).toMatchObject({ verdict: 'allow', file: 'allow', line: 1 });
  });
  it('stops at the first match in a file', () => {
    expect(decide('', 'sshd: 10.0.0.1 : allow\nsshd: ALL\n')).toMatchObject({ verdict: 'allow', file: 'deny' });
  });
  it('honours the deny and allow options', () => {
    expect(decide('sshd: ALL : DENY\n', '')).toMatchObject({ verdict: 'deny', file: 'allow' });
    expect(decide('sshd: 10.0.0.1 : spawn /bin/true : allow\n', 'ALL: ALL\n').verdict).toBe('allow');
  });
  it('denies on option errors and twist, even in hosts.allow', () => {
    expect(decide('sshd: 10.0.0.1 : spawn (date +%H:%M)\n', '').verdict).toBe('deny');
    expect(decide('sshd: 10.0.0.1 : spawn (date +%H\\:%M)\n', '').verdict).toBe('allow');
    expect(decide('sshd: 10.0.0.1 :\n', '').verdict).toBe('deny');
    expect(decide('sshd: 10.0.0.1 : twist /bin/echo no\n', '').verdict).toBe('deny');
  });
  it('refuses everyone hosts.allow does not grant when hosts.deny lacks its final newline (Debian ERR)', () => {
    expect(decide('', 'sshd: 10.0.0.1')).toMatchObject({ verdict: 'deny', file: 'deny', line: 1 });
    expect(decide('', 'sshd: 10.0.0.2\n# the end')).toMatchObject({ verdict: 'deny', file: 'deny', line: 2 });
    expect(decide('sshd: 10.0.0.1\n', 'sshd: 10.0.0.2')).toMatchObject({ verdict: 'allow', file: 'allow', line: 1 });
    expect(decide('', 'sshd: 10.0.0.1\n').verdict).toBe('deny');
    expect(decide('', 'sshd: 10.0.0.2\n').verdict).toBe('allow');
  });
  it('only stops reading hosts.allow at a line without newline', () => {
    expect(decide('sshd: 10.0.0.1', '').verdict).toBe('allow');
    expect(decide('sshd: 10.0.0.1', 'ALL: ALL\n')).toMatchObject({ verdict: 'deny', file: 'deny' });
  });
  it('stops at a line longer than the 2048-byte buffer', () => {
    const long = `sshd: ${'10.9.9.9 '.repeat(230)}\n`;
    expect(decide(`${long}sshd: 10.0.0.1\n`, 'ALL: ALL\n')).toMatchObject({ verdict: 'deny', file: 'deny' });
    expect(decide('', long).verdict).toBe('deny');
  });
  it('reads an indented "#" line as a rule', () => {
    expect(decide('', '  # sshd: ALL\n')).toMatchObject({ verdict: 'deny', line: 1 });
    expect(decide('', '# sshd: ALL\n').verdict).toBe('allow');
  });
  it('does not continue lines across a backslash before CRLF', () => {
    const deny = 'sshd: 10.0.0.9, \\\r\n  10.0.0.1\r\n';
    expect(decide('', deny).verdict).toBe('allow');
    expect(decide('', deny, { addr: '10.0.0.9' }).verdict).toBe('deny');
    expect(decide('', 'sshd: 10.0.0.9, \\\n  10.0.0.1\n').verdict).toBe('deny');
  });
  it('lets a comment with a trailing backslash swallow the next rule', () => {
    expect(decide('', '# old ban \\\nsshd: 10.0.0.1\n').verdict).toBe('allow');
  });
  it('matches a DenyHosts entry and not its marker', () => {
    const deny = '# DenyHosts: Thu Nov 21 15:01:02 2024 | sshd: 10.0.0.1\nsshd: 10.0.0.1\n';
    expect(decide('', deny)).toMatchObject({ verdict: 'deny', line: 2 });
  });
  it('reports the assumptions it made', () => {
    const d = decide('', 'sshd@192.0.2.1: @admins, 10.0.0.1\n');
    expect(d.verdict).toBe('deny');
    expect(d.assumptions.join('\n')).toMatch(/server address unknown/);
    expect(d.assumptions.join('\n')).toMatch(/netgroup/);
    expect(decide('', 'sshd@192.0.2.1: 10.0.0.1\n', ip1, { serverAddr: '192.0.2.9' }).verdict).toBe('allow');
  });
  it('rejects a client that is not an address', () => {
    expect(() => decide('', '', { addr: 'host.example.com' })).toThrow(TypeError);
  });
});

describe('address text', () => {
  it('prints addresses the way glibc inet_ntop does', () => {
    const t = (a: string) => parseIp(a)?.text;
    expect(t('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(t('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(t('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1');
    expect(t('0:0:0:0:0:0:0:0')).toBe('::');
    expect(t('::1')).toBe('::1');
    expect(t('1::')).toBe('1::');
    expect(t('::ffff:1.2.3.4')).toBe('::ffff:1.2.3.4');
    expect(t('::10.0.0.1')).toBe('::10.0.0.1');
    expect(t('fe80::1%eth0')).toBe('fe80::1');
    expect(t('10.0.0.01')).toBeUndefined();
    expect(t('300.1.1.1')).toBeUndefined();
    expect(clientIp('::ffff:192.0.2.1')?.text).toBe('192.0.2.1');
  });
});

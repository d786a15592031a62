import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  Fail2banOutputError,
  bansCovering,
  fail2banFeatures,
  jailsBanning,
  parseBanned,
  parseFail2banVersion,
  parseIgnoreIpList,
  parseJailList,
  parseJailStatus,
  parseProbe,
  planAddIgnoreIp,
  planUnban,
  probeCommands,
  probeScript,
} from '../../src/formats/fail2ban.js';

// Fixtures named *-1.0.2 were captured from fail2ban 1.0.2 (a server in a scratch network
// namespace); the 0.8 / 0.9 ones are written from the formats that version's beautifier printed.
const fx = (name: string) => readFileSync(new URL(`../fixtures/fail2ban/${name}`, import.meta.url), 'utf8');

describe('parseFail2banVersion', () => {
  it.each([
    ['version-1.0.2.txt', '1.0.2'],
    ['version-short-1.0.2.txt', '1.0.2'],
    ['version-0.9.1.txt', '0.9.1'],
  ])('%s → %s', (file, v) => {
    expect(parseFail2banVersion(fx(file))).toBe(v);
  });
  it.each([
    ['Fail2Ban v0.10.2\n', '0.10.2'],
    ['Fail2Ban v0.8.13\n\nCopyright (c) 2004-2008 Cyril Jaquier\n', '0.8.13'],
    ['1.0.3.1\n', '1.0.3'], // -V of 1.0.3.dev1 (normVersion turns .dev into .)
    ['Fail2Ban v1.1.0.dev2\n', '1.1.0'],
    ['0.11\n', '0.11.0'],
  ])('%j → %s', (text, v) => {
    expect(parseFail2banVersion(text)).toBe(v);
  });
  it('finds nothing in an error', () => {
    expect(parseFail2banVersion(fx('status-not-running-1.0.2.txt'))).toBeUndefined();
    expect(parseFail2banVersion('')).toBeUndefined();
  });
  it('knows which commands each version has', () => {
    expect(fail2banFeatures('0.9.6')).toEqual({ unban: false, banned: false });
    expect(fail2banFeatures('0.10.0')).toEqual({ unban: true, banned: false });
    expect(fail2banFeatures('0.10.6')).toEqual({ unban: true, banned: true });
    expect(fail2banFeatures('0.11.1')).toEqual({ unban: true, banned: false });
    expect(fail2banFeatures('0.11.2')).toEqual({ unban: true, banned: true });
    expect(fail2banFeatures('1.0.2')).toEqual({ unban: true, banned: true });
    expect(fail2banFeatures(undefined)).toEqual({ unban: false, banned: false });
  });
});

describe('status output', () => {
  it('lists jails (1.0.2, 0.8 with two tabs, none)', () => {
    expect(parseJailList(fx('status-1.0.2.txt'))).toEqual(['recidive', 'sshd']);
    expect(parseJailList(fx('status-0.8.txt'))).toEqual(['ssh']);
    expect(parseJailList(fx('status-no-jails-1.0.2.txt'))).toEqual([]);
  });
  it('refuses output that is not a status (server down)', () => {
    expect(() => parseJailList(fx('status-not-running-1.0.2.txt'))).toThrow(Fail2banOutputError);
    expect(() => parseJailList(fx('status-not-running-1.0.2.txt'))).toThrow(/Is fail2ban running/);
  });
  it('reads a jail with no, one and several bans (IPv4 and IPv6)', () => {
    expect(parseJailStatus(fx('status-sshd-none-1.0.2.txt'))).toEqual({
      jail: 'sshd',
      currentlyFailed: 0,
      totalFailed: 0,
      currentlyBanned: 0,
      totalBanned: 0,
      bannedIps: [],
    });
    expect(parseJailStatus(fx('status-sshd-one-1.0.2.txt')).bannedIps).toEqual(['203.0.113.7']);
    const three = parseJailStatus(fx('status-sshd-three-1.0.2.txt'));
    expect(three.bannedIps).toEqual(['203.0.113.7', '198.51.100.23', '2001:db8::5']);
    expect(three.currentlyBanned).toBe(3);
  });
  it('reads 0.8 output (IP list nested under Currently banned, trailing space)', () => {
    const st = parseJailStatus(fx('status-ssh-0.8.txt'));
    expect(st).toMatchObject({ jail: 'ssh', currentlyBanned: 2, totalBanned: 5, totalFailed: 3 });
    expect(st.bannedIps).toEqual(['203.0.113.7', '198.51.100.23']);
    expect(parseJailStatus(fx('status-apache-empty-0.8.txt')).bannedIps).toEqual([]);
  });
  it('refuses an unknown jail', () => {
    expect(() => parseJailStatus("Sorry but the jail 'nosuch' does not exist\n")).toThrow(Fail2banOutputError);
  });
  it('reads the run-time ignore list', () => {
    expect(parseIgnoreIpList(fx('get-ignoreip-1.0.2.txt'))).toEqual(['127.0.0.0/8', '10.9.0.0/16', '::1']);
    expect(parseIgnoreIpList('No IP address/network is ignored\n')).toEqual([]);
  });
});

describe('parseBanned', () => {
  it('reads `banned` (every jail)', () => {
    expect(parseBanned(fx('banned-1.0.2.txt'))).toEqual({
      kind: 'by-jail',
      jails: ['sshd', 'recidive'],
      byJail: { sshd: ['203.0.113.7', '198.51.100.23', '2001:db8::5'], recidive: ['203.0.113.7'] },
    });
    expect(parseBanned(fx('banned-empty-1.0.2.txt'))).toEqual({ kind: 'by-jail', jails: ['sshd', 'recidive'], byJail: { sshd: [], recidive: [] } });
    expect(parseBanned('[]\n')).toEqual({ kind: 'by-jail', jails: [], byJail: {} });
  });
  it('reads `banned <ip>...` (jails per address asked)', () => {
    expect(parseBanned(fx('banned-ip-1.0.2.txt'))).toEqual({ kind: 'by-ip', jailsPerIp: [['sshd', 'recidive']] });
    expect(parseBanned(fx('banned-2ips-1.0.2.txt'))).toEqual({ kind: 'by-ip', jailsPerIp: [['sshd', 'recidive'], []] });
  });
  it('handles Python string quoting', () => {
    expect(parseBanned(`[{"it's": ['a\\'b', "c\\"d"]}]`)).toEqual({ kind: 'by-jail', jails: ["it's"], byJail: { "it's": ["a'b", 'c"d'] } });
  });
  it('refuses errors and older servers', () => {
    expect(() => parseBanned('Invalid command (no get action or not yet implemented)\n')).toThrow(Fail2banOutputError);
    expect(() => parseBanned("[{'sshd': [1, 2]}]")).toThrow(Fail2banOutputError);
  });
});

describe('planUnban', () => {
  const ip = '203.0.113.7';
  it('uses one `unban` on ≥ 0.10 when all jails are concerned', () => {
    expect(planUnban({ version: '1.0.2', jailsBanning: ['sshd', 'recidive'], ip })).toEqual(['fail2ban-client unban 203.0.113.7']);
    expect(planUnban({ version: '0.10.0', jailsBanning: ['sshd'], ip })).toEqual(['fail2ban-client unban 203.0.113.7']);
  });
  it('uses `set <jail> unbanip` per jail before 0.10 or when the version is unknown', () => {
    const per = ['fail2ban-client set sshd unbanip 203.0.113.7', 'fail2ban-client set recidive unbanip 203.0.113.7'];
    expect(planUnban({ version: '0.9.6', jailsBanning: ['sshd', 'recidive'], ip })).toEqual(per);
    expect(planUnban({ version: '0.8.13', jailsBanning: ['sshd', 'recidive'], ip })).toEqual(per);
    expect(planUnban({ version: undefined, jailsBanning: ['sshd', 'recidive', 'sshd'], ip })).toEqual(per);
  });
  it('touches only the jails asked for', () => {
    expect(planUnban({ version: '1.0.2', jailsBanning: ['sshd', 'recidive'], ip, jails: ['recidive'] })).toEqual([
      'fail2ban-client set recidive unbanip 203.0.113.7',
    ]);
    expect(planUnban({ version: '1.0.2', jailsBanning: ['sshd'], ip, jails: ['recidive'] })).toEqual([]);
  });
  it('plans nothing when no jail bans the address (idempotent)', () => {
    expect(planUnban({ version: '1.0.2', jailsBanning: [], ip })).toEqual([]);
  });
  it('quotes odd jail names and refuses non-addresses', () => {
    expect(planUnban({ version: '0.9.0', jailsBanning: ["my jail"], ip: '2001:db8::5' })).toEqual([
      "fail2ban-client set 'my jail' unbanip 2001:db8::5",
    ]);
    expect(() => planUnban({ version: '1.0.2', jailsBanning: ['sshd'], ip: '1.2.3.4; reboot' })).toThrow();
  });
});

describe('planAddIgnoreIp', () => {
  it('adds the address to jails whose list does not cover it', () => {
    expect(
      planAddIgnoreIp({
        jails: ['sshd', 'recidive', 'nginx'],
        ip: '203.0.113.7',
        currentIgnore: { sshd: ['127.0.0.0/8', '::1'], recidive: ['203.0.113.0/24'], nginx: ['203.0.113.7'] },
      }),
    ).toEqual(['fail2ban-client set sshd addignoreip 203.0.113.7']);
  });
  it('counts IPv6 spellings and masks, not hostnames', () => {
    expect(
      planAddIgnoreIp({
        jails: ['a', 'b', 'c', 'd'],
        ip: '2001:db8::7',
        currentIgnore: { a: ['2001:0db8:0:0::7'], b: ['2001:db8::/32'], c: ['admin.example.org'], d: ['10.0.0.0/255.0.0.0'] },
      }),
    ).toEqual(['fail2ban-client set c addignoreip 2001:db8::7', 'fail2ban-client set d addignoreip 2001:db8::7']);
    expect(planAddIgnoreIp({ jails: ['x'], ip: '10.1.2.3', currentIgnore: { x: ['10.0.0.0/255.0.0.0'] } })).toEqual([]);
  });
  it('treats a jail missing from currentIgnore as empty', () => {
    expect(planAddIgnoreIp({ jails: ['sshd'], ip: '192.0.2.1', currentIgnore: {} })).toEqual(['fail2ban-client set sshd addignoreip 192.0.2.1']);
  });
});

describe('probe', () => {
  it('lists the read-only commands per version', () => {
    expect(probeCommands('1.0.2', ['sshd'])).toEqual([
      'fail2ban-client --version',
      'fail2ban-client status',
      'fail2ban-client status sshd',
      'fail2ban-client get sshd ignoreip',
      'fail2ban-client banned',
    ]);
    expect(probeCommands('0.9.6', ['sshd'])).not.toContain('fail2ban-client banned');
    expect(probeScript('0.9.6')).not.toContain('banned');
    expect(probeScript()).toContain('fail2ban-client banned');
    expect(probeScript()).toMatch(/^M=@@remedy-fail2ban@@\n/);
  });
  it('reads a real probe run (fail2ban 1.0.2, a subnet ban in recidive)', () => {
    const p = parseProbe(fx('probe-1.0.2.txt'));
    expect(p).toMatchObject({ installed: true, running: true, version: '1.0.2', jails: ['recidive', 'sshd'], problems: [] });
    expect(p.status['sshd']?.bannedIps).toEqual(['198.51.100.23', '2001:db8::5', '203.0.113.7']);
    expect(p.ignoreIp['sshd']).toEqual(['127.0.0.0/8', '10.9.0.0/16', '::1']);
    expect(p.banned?.['recidive']).toEqual(['203.0.113.7', '198.51.100.0/24']);
    expect(jailsBanning(p, '203.0.113.7')).toEqual(['sshd', 'recidive']);
    expect(jailsBanning(p, '2001:0db8::0005')).toEqual(['sshd']);
    expect(bansCovering(p, '198.51.100.9')).toEqual([{ jail: 'recidive', id: '198.51.100.0/24' }]);
    // Probe → plan, end to end
    const ip = '203.0.113.7';
    expect(planUnban({ version: p.version, jailsBanning: jailsBanning(p, ip), ip })).toEqual(['fail2ban-client unban 203.0.113.7']);
    expect(planAddIgnoreIp({ jails: p.jails, ip, currentIgnore: p.ignoreIp })).toEqual([
      'fail2ban-client set recidive addignoreip 203.0.113.7',
      'fail2ban-client set sshd addignoreip 203.0.113.7',
    ]);
  });
  it('falls back to jail status when `banned` is missing or failed', () => {
    const text = fx('probe-1.0.2.txt').replace(/begin banned\n[^\n]*\n\n@@remedy-fail2ban@@ end 0/, 'begin banned\nInvalid command\n\n@@remedy-fail2ban@@ end 255');
    const p = parseProbe(text);
    expect(p.banned).toBeUndefined();
    expect(jailsBanning(p, '203.0.113.7')).toEqual(['recidive', 'sshd']);
  });
  it('reports a missing client and a stopped server', () => {
    expect(parseProbe(fx('probe-absent.txt'))).toMatchObject({ installed: false, running: false, jails: [] });
    const down = parseProbe(
      '@@remedy-fail2ban@@ begin version\nFail2Ban v1.0.2\n\n@@remedy-fail2ban@@ end 0\n@@remedy-fail2ban@@ begin status\n' +
        fx('status-not-running-1.0.2.txt') +
        '\n@@remedy-fail2ban@@ end 255\n',
    );
    expect(down).toMatchObject({ installed: true, running: false, version: '1.0.2', jails: [] });
    expect(down.problems[0]).toMatch(/^status: .*Is fail2ban running/);
  });
});

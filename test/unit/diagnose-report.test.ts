// diagnose's output: text per host (verdict, evidence indented, fix), one JSON document, and the
// exit code.
import { describe, it, expect } from 'vitest';
import { hostText, jsonReport, textReport, type HostDiagnosis } from '../../src/diagnose/report.js';
import { exitCodeForDiagnosis } from '../../src/errors.js';
import type { Vantage } from '../../src/diagnose/vantage.js';

const vantage = (summary: string, outcome: Vantage['outcome']): Vantage => ({
  target: { host: '192.0.2.10', port: 22, address: '192.0.2.10', user: 'root' },
  from: '203.0.113.7',
  resolve: { ok: true, ms: 0, skipped: true },
  probes: [],
  phase: outcome === 'ok' ? 'ok' : 'banner',
  outcome,
  dropped: 0,
  summary,
  timings: { connectMs: 1, preBannerMs: 5012, totalMs: 5020 },
});

const wrapped: HostDiagnosis = {
  host: 'web1',
  clientIp: '203.0.113.7',
  vantage: vantage('TCP connected in 1 ms; connection reset 5012 ms later, before any banner', 'reset_after_delay'),
  paths: [
    { path: 'via bastion', ok: false, phase: 'auth', message: 'bastion: authentication failed', ms: 300 },
    { path: 'bind 198.51.100.2', ok: true, ms: 90 },
  ],
  server: { path: 'bind 198.51.100.2', uid: 0, hostname: 'web1', openssh: 'OpenSSH_9.2p1 Debian-2+deb12u3', libwrap: true, problems: [], clientLog: [], ms: 400,
    facts: { opensshGeneration: 'monolithic', libwrapIn: ['/usr/sbin/sshd'], perSourcePenalties: false, firewallFrontend: 'iptables', serviceMgr: 'sysvinit' } },
  unreachable: false,
  causes: [{
    id: 'tcp_wrappers',
    evidence: ['/etc/hosts.deny:2: sshd: 203.0.113.7 — matched in hosts.deny, names this client', 'sshd is linked with libwrap'],
    fix: 'remedy apply playbooks/unblock.yml -l web1 -e client_ip=203.0.113.7',
  }],
  ms: 5500,
};

const down: HostDiagnosis = {
  host: 'db1',
  clientIp: '203.0.113.7',
  vantage: vantage('TCP connect to port 22 refused after 1 ms (ECONNREFUSED)', 'tcp_refused'),
  paths: [{ path: 'bind 198.51.100.2', ok: false, phase: 'connect', message: 'db1: cannot connect: ECONNREFUSED', ms: 2 }],
  unreachable: true,
  causes: [{ id: 'sshd_not_running', evidence: ['every path was refused at the TCP level'], fix: 'remedy apply playbooks/restore-sshd.yml -l db1' }],
  ms: 20,
};

describe('text', () => {
  it('one block per host: verdict line, client, server, numbered causes with indented evidence and the fix', () => {
    expect(hostText(wrapped)).toBe([
      'web1 (192.0.2.10:22): tcp_wrappers',
      '  client 203.0.113.7: TCP connected in 1 ms; connection reset 5012 ms later, before any banner',
      '  server: evidence over bind 198.51.100.2 in 400 ms as root; OpenSSH_9.2p1 Debian-2+deb12u3 (monolithic), libwrap in /usr/sbin/sshd; sysvinit, firewall iptables',
      '    before that: via bastion: auth after 300 ms',
      '  1. tcp_wrappers',
      '       /etc/hosts.deny:2: sshd: 203.0.113.7 — matched in hosts.deny, names this client',
      '       sshd is linked with libwrap',
      '     fix: remedy apply playbooks/unblock.yml -l web1 -e client_ip=203.0.113.7',
    ].join('\n'));
    expect(hostText(down)).toContain('  server: unreachable on every path (bind 198.51.100.2: connect: db1: cannot connect: ECONNREFUSED (2 ms))');
    expect(textReport([wrapped, down])).toMatch(/\n\n2 host\(s\): 0 healthy, 1 diagnosed over a working path, 1 unreachable on every path/);
  });

  it('an undiagnosed host says so', () => {
    expect(hostText({ ...wrapped, causes: [] }).split('\n')[0]).toBe('web1 (192.0.2.10:22): undiagnosed: the client fails and nothing found explains it');
  });
});

describe('json', () => {
  it('{ hosts: { NAME: { vantage, causes, paths, ... } } }, serialisable', () => {
    const doc = JSON.parse(JSON.stringify(jsonReport([wrapped, down])));
    expect(Object.keys(doc)).toEqual(['hosts']);
    expect(doc.hosts.web1).toMatchObject({
      clientIp: '203.0.113.7',
      vantage: { phase: 'banner', outcome: 'reset_after_delay', timings: { preBannerMs: 5012 } },
      causes: [{ id: 'tcp_wrappers', fix: 'remedy apply playbooks/unblock.yml -l web1 -e client_ip=203.0.113.7' }],
      paths: [{ path: 'via bastion', ok: false, phase: 'auth' }, { path: 'bind 198.51.100.2', ok: true }],
      server: { path: 'bind 198.51.100.2', uid: 0 },
      unreachable: false,
    });
    expect(doc.hosts.db1.server).toBeNull();
  });
});

describe('exit code', () => {
  it('0 all diagnosed or healthy, 3 a host unreachable on every path, 2 an unexplained failure', () => {
    const code = (rs: Array<typeof wrapped>) => exitCodeForDiagnosis(rs.some((r) => r.unreachable), rs.some((r) => r.causes.length === 0));
    expect(code([wrapped])).toBe(0);
    expect(code([wrapped, down])).toBe(3);
    expect(code([{ ...wrapped, causes: [] }])).toBe(2);
  });
});

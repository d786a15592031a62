// The verdict over constructed inputs: each cause from its server-side evidence, the ordering the
// client's symptom gives when several are true at once, and the client-side-only verdicts for a
// host no path reaches.
import { describe, it, expect } from 'vitest';
import { parseFacts } from '../../src/facts.js';
import type { ServerEvidence } from '../../src/diagnose/evidence.js';
import {
  addrMatchList, dropChance, findings, fitOf, lineNamesIp, matchUser, verdict, type PathReport, type VerdictInput,
} from '../../src/diagnose/verdict.js';
import type { Vantage, VantageOutcome } from '../../src/diagnose/vantage.js';

const CLIENT = '203.0.113.7';
const MGMT = '198.51.100.2';

const FACTS = [
  'hostname=web1', 'id=debian', 'version_id=12', 'uid=0', 'user=root', 'init=systemd', 'sshd=/usr/sbin/sshd',
  'sshd_version=OpenSSH_9.2p1 Debian-2+deb12u3, OpenSSL 3.0.11', 'libwrap_in=/usr/sbin/sshd', 'ssh_service=ssh', 'sudo=1', 'fail2ban=1',
].join('\n');

const SSHD_CONFIG = [
  'Include /etc/ssh/sshd_config.d/*.conf',
  'PermitRootLogin prohibit-password',
  'KbdInteractiveAuthentication no',
  'UsePAM yes',
  'Subsystem sftp /usr/lib/openssh/sftp-server',
  '',
].join('\n');

const SSHD_T = new Map<string, string[]>([
  ['port', ['22']],
  ['maxstartups', ['10:30:100']],
  ['persourcemaxstartups', ['none']],
  ['permitrootlogin', ['without-password']],
  ['kexalgorithms', ['sntrup761x25519-sha512@openssh.com,curve25519-sha256']],
]);

/** A healthy Debian host, as parseEvidence would return it; `patch` changes parts. */
function evidence(patch: (ev: ServerEvidence) => void = () => {}): ServerEvidence {
  const listener = { pid: 700, ppid: 1, cmdline: 'sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups' };
  const ev: ServerEvidence = {
    uid: 0,
    facts: parseFacts(FACTS),
    files: new Map([
      ['/etc/hosts.allow', { state: 'file' as const, text: '# /etc/hosts.allow\n' }],
      ['/etc/hosts.deny', { state: 'file' as const, text: '# /etc/hosts.deny\n' }],
      ['/etc/ssh/sshd_config', { state: 'file' as const, text: SSHD_CONFIG }],
    ]),
    globs: new Map([['/etc/ssh/sshd_config.d/*.conf', []]]),
    fail2ban: { installed: true, running: true, version: '1.0.2', jails: ['sshd'], status: { sshd: { currentlyBanned: 0, totalBanned: 3, bannedIps: [] } }, ignoreIp: {}, banned: { sshd: [] }, problems: [] },
    firewall: { present: ['iptables'], iptables: { variant: 'nf_tables', version: '1.8.9', rules: { text: '-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n', rc: 0 } }, problems: [] },
    sshd: {
      pidfile: { path: '/run/sshd.pid', pid: 700, alive: true },
      processes: [listener],
      listener,
      startupsTitle: { now: 0, start: 10, full: 100 },
      preauth: [],
      sessions: [],
    },
    socketSource: 'ss',
    listening: [
      { local: { addr: '0.0.0.0', port: 22 }, process: 'users:(("sshd",pid=700,fd=3))', pid: 700 },
      { local: { addr: '::', port: 22 }, process: 'users:(("sshd",pid=700,fd=4))', pid: 700 },
    ],
    established: [],
    synRecv: [],
    sshdTest: { rc: 0, output: '' },
    sshdEffective: { rc: 0, values: new Map(SSHD_T), output: '' },
    libwrapLine: 'libwrap.so.0 => /lib/x86_64-linux-gnu/libwrap.so.0 (0x00007f0000000000)',
    logs: [{ source: '/var/log/auth.log', lines: [] }],
    userGroups: ['root'],
    loadavg: '0.10 0.20 0.30 1/100 200',
    problems: [],
  };
  patch(ev);
  return ev;
}

const file = (text: string) => ({ state: 'file' as const, text });

function vantage(outcome: VantageOutcome, extra: Partial<Vantage> = {}): Vantage {
  const ok = outcome === 'ok';
  return {
    target: { host: '192.0.2.10', port: 22, address: '192.0.2.10', user: 'root' },
    from: CLIENT,
    resolve: { ok: true, ms: 0, skipped: true },
    probes: [{ tcp: outcome.startsWith('tcp_') ? 'refused' : 'connected', tcpMs: 1 }],
    phase: ok ? 'ok' : 'banner',
    outcome,
    dropped: outcome.endsWith('_at_once') || outcome === 'maxstartups_message' ? 1 : 0,
    summary: `(${outcome})`,
    timings: { totalMs: 1 },
    ...(ok ? { login: { ok: true, ms: 80 } } : {}),
    ...extra,
  };
}

const WORKING: PathReport[] = [{ path: `bind ${MGMT}`, ok: true, ms: 90 }];

function input(outcome: VantageOutcome, ev: ServerEvidence | undefined, extra: Partial<VerdictInput> = {}): VerdictInput {
  return { host: 'web1', clientIp: CLIENT, user: 'root', port: 22, vantage: vantage(outcome), ...(ev ? { evidence: ev } : {}), paths: ev ? WORKING : [], ...extra };
}

const ids = (i: VerdictInput) => verdict(i).map((c) => c.id);
const UNBLOCK = `remedy apply playbooks/unblock.yml -l web1 -e client_ip=${CLIENT}`;

const denyRule = (ev: ServerEvidence) => ev.files.set('/etc/hosts.deny', file(`# /etc/hosts.deny\nsshd: ${CLIENT}\n`));
const f2bBan = (ev: ServerEvidence) => {
  ev.fail2ban.status.sshd = { currentlyBanned: 1, totalBanned: 4, bannedIps: [CLIENT] };
  ev.fail2ban.banned = { sshd: [CLIENT] };
  ev.firewall.iptables!.rules!.text = [
    '-P INPUT ACCEPT', '-N f2b-sshd', '-A INPUT -p tcp -m multiport --dports 22 -j f2b-sshd',
    `-A f2b-sshd -s ${CLIENT}/32 -j REJECT --reject-with icmp-port-unreachable`, '-A f2b-sshd -j RETURN', '',
  ].join('\n');
};
const busy = (now: number) => (ev: ServerEvidence) => {
  ev.sshd.startupsTitle = { now, start: 10, full: 100 };
  ev.sshd.listener!.cmdline = `sshd: /usr/sbin/sshd -D [listener] ${now} of 10-100 startups`;
};

describe('each cause from the server side', () => {
  it('healthy: the login got through and nothing is wrong, with the evidence', () => {
    const c = verdict(input('ok', evidence()));
    expect(c.map((x) => x.id)).toEqual(['healthy']);
    expect(c[0]!.fix).toBe('');
    expect(c[0]!.evidence).toEqual([
      `client (${CLIENT} → 192.0.2.10:22): (ok): the login got through from the client's vantage point`,
      'sshd (pid 700) listens on 0.0.0.0:22, :::22',
      'sshd -t: the configuration is valid',
      'MaxStartups 10:30:100; unauthenticated connections now: 0',
      `hosts.allow/hosts.deny: no rule refuses ${CLIENT}`,
      `fail2ban: 1 jail(s), none bans ${CLIENT}`,
      `firewall (iptables): no rule blocks ${CLIENT} to port 22`,
    ]);
  });

  it('tcp_wrappers: the refusing rule with file:line, libwrap linkage and the log line', () => {
    const ev = evidence((e) => {
      denyRule(e);
      e.logs[0]!.lines.push(`Nov 21 10:00:00 web1 sshd[901]: refused connect from ${CLIENT} (${CLIENT})`, 'refused connect from 203.0.113.70 (203.0.113.70)');
    });
    const [c] = verdict(input('reset_after_delay', ev));
    expect(c).toEqual({
      id: 'tcp_wrappers',
      evidence: [
        `/etc/hosts.deny:2: sshd: ${CLIENT} — matched in hosts.deny, names this client; hosts_access stops here: refused`,
        'libwrap is linked into /usr/sbin/sshd (ldd: libwrap.so.0 => /lib/x86_64-linux-gnu/libwrap.so.0 (0x00007f0000000000)), so these rules apply',
        `/var/log/auth.log: Nov 21 10:00:00 web1 sshd[901]: refused connect from ${CLIENT} (${CLIENT})`,
      ],
      fix: UNBLOCK,
    });
  });

  it('tcp_wrappers: a policy (ALL EXCEPT) and a rule hosts.allow overrides', () => {
    const policy = evidence((e) => e.files.set('/etc/hosts.deny', file(`sshd: ALL EXCEPT ${MGMT}\n`)));
    expect(verdict(input('reset_after_delay', policy))[0]!.evidence[0]).toBe(
      `/etc/hosts.deny:1: sshd: ALL EXCEPT ${MGMT} — matched in hosts.deny, a policy that matches this client (ALL: all); hosts_access stops here: refused`,
    );
    const allowed = evidence((e) => {
      e.files.set('/etc/hosts.allow', file(`sshd: ${CLIENT}\n`));
      e.files.set('/etc/hosts.deny', file('sshd: ALL\n'));
    });
    expect(ids(input('ok', allowed))).toEqual(['healthy']);
  });

  it('tcp_wrappers: a twist in hosts.allow outranks the MaxStartups look of its immediate close', () => {
    const ev = evidence((e) => e.files.set('/etc/hosts.allow', file(`sshd: ${CLIENT} : twist /bin/echo go away\n`)));
    const c = verdict(input('closed_at_once', ev));
    expect(c.map((x) => x.id)).toEqual(['tcp_wrappers', 'maxstartups']);
    expect(c[0]!.evidence[0]).toBe(`/etc/hosts.allow:1: sshd: ${CLIENT} : twist /bin/echo go away — matched, option "twist" replaces the daemon, names this client; hosts_access stops here: refused`);
    expect(c[0]!.evidence).toContain('twist replaces sshd with its command: the client gets its output and an immediate close, before any SSH banner');
  });

  it('tcp_wrappers: a hosts.deny without its final newline, with file:line', () => {
    const ev = evidence((e) => {
      e.files.set('/etc/hosts.allow', file(`sshd: ${MGMT}\n`));
      e.files.set('/etc/hosts.deny', file('sshd: 10.0.0.1'));
    });
    const [c] = verdict(input('reset_after_delay', ev));
    expect(c!.id).toBe('tcp_wrappers');
    expect(c!.evidence[0]).toMatch(/^\/etc\/hosts\.deny:1: hosts\.deny line 1: no newline at the end of the file; libwrap stops reading there and refuses every client hosts\.allow does not grant$/);
  });

  it("tcp_wrappers: sshd@<address> is judged on the address the client dialled, when it is the host's", () => {
    const scoped = (e: ServerEvidence) => {
      e.files.set('/etc/hosts.deny', file(`sshd@10.9.0.1: ${CLIENT}\n`));
      e.facts.addresses = ['192.0.2.10', '10.9.0.1'];
    };
    expect(ids(input('ok', evidence(scoped)))).toEqual(['healthy']); // dialled 192.0.2.10
    const nat = evidence((e) => {
      scoped(e);
      e.facts.addresses = ['10.9.0.1', '10.9.0.2'];
    });
    const [c] = verdict(input('reset_after_delay', nat));
    expect(c!.id).toBe('tcp_wrappers');
    expect(c!.evidence).toContain("refused only on 10.9.0.1 of the host's addresses 10.9.0.1, 10.9.0.2 (a daemon@host rule)");
  });

  it('tcp_wrappers: nothing when sshd is not linked with libwrap', () => {
    const ev = evidence((e) => {
      denyRule(e);
      e.facts.libwrap = false;
      delete e.libwrapLine;
    });
    expect(ids(input('ok', ev))).toEqual(['healthy']);
  });

  it('fail2ban: the jail, its firewall rule; not also reported as a firewall cause', () => {
    const c = verdict(input('tcp_refused', evidence(f2bBan)));
    expect(c.map((x) => x.id)).toEqual(['fail2ban']);
    expect(c[0]!.evidence).toEqual([
      `fail2ban jail sshd bans ${CLIENT} (fail2ban-client status sshd)`,
      `its firewall rule: iptables chain f2b-sshd rule 1: -A f2b-sshd -s ${CLIENT}/32 -j REJECT --reject-with icmp-port-unreachable — names this client, reached via INPUT 1 -j f2b-sshd`,
      'fail2ban 1.0.2; bans live in its database: lift them with fail2ban-client, not with iptables',
    ]);
    expect(c[0]!.fix).toBe(UNBLOCK);
  });

  it('fail2ban: a subnet ban covering the client', () => {
    const ev = evidence((e) => {
      e.fail2ban.banned = { recidive: ['203.0.113.0/24'] };
    });
    expect(verdict(input('tcp_refused', ev))[0]!.evidence[0]).toBe(`fail2ban jail recidive bans 203.0.113.0/24 (covers ${CLIENT}) (fail2ban-client status recidive)`);
  });

  it('firewall: a DROP for the subnet, seen by the client as a connect timeout', () => {
    const ev = evidence((e) => {
      e.firewall.iptables!.rules!.text = '-P INPUT ACCEPT\n-A INPUT -s 203.0.113.0/24 -p tcp -m tcp --dport 22 -j DROP\n';
    });
    const [c] = verdict(input('tcp_timeout', ev));
    expect(c!.id).toBe('firewall');
    expect(c!.evidence).toEqual([
      'iptables chain INPUT rule 1: -A INPUT -s 203.0.113.0/24 -p tcp -m tcp --dport 22 -j DROP — a broad rule that matches this client',
      'DROP answers nothing: the client sees a connect timeout',
    ]);
  });

  it('maxstartups: unauthenticated connections past start, with the drop chance and a floor above them', () => {
    const ev = evidence((e) => {
      busy(40)(e);
      e.logs[0]!.lines.push('drop connection #40 from [198.51.100.9]:40022 on [192.0.2.10]:22 past MaxStartups');
    });
    const [c] = verdict(input('closed_at_once', ev));
    expect(c!.id).toBe('maxstartups');
    expect(c!.evidence).toEqual(expect.arrayContaining([
      'MaxStartups is not set in /etc/ssh/sshd_config or its includes: the default 10:30:100',
      'unauthenticated connections now: 40 (sshd\'s listener title "[listener] 40 of 10-100 startups") — start 10, full 100: a new connection is dropped with probability 53%',
      "the client's new connections were dropped at once before the banner (1 of 1): MaxStartups' random early drop",
      '/var/log/auth.log: drop connection #40 from [198.51.100.9]:40022 on [192.0.2.10]:22 past MaxStartups',
    ]));
    expect(c!.fix).toBe('remedy apply playbooks/raise-maxstartups.yml -l web1 -e maxstartups_floor=50:30:100');
  });

  it('maxstartups: a drop-in value wins over the main file (OpenSSH 9.2 takes the last one)', () => {
    const ev = evidence((e) => {
      e.files.set('/etc/ssh/sshd_config', file(`MaxStartups 10:30:100\n${SSHD_CONFIG}`));
      e.files.set('/etc/ssh/sshd_config.d/50-low.conf', file('MaxStartups 2:30:10\n'));
      e.globs.set('/etc/ssh/sshd_config.d/*.conf', ['/etc/ssh/sshd_config.d/50-low.conf']);
      e.sshdEffective!.values.set('maxstartups', ['2:30:10']);
      e.sshd.startupsTitle = { now: 2, start: 2, full: 10 };
    });
    const [c] = verdict(input('ok', ev));
    expect(c!.id).toBe('maxstartups');
    expect(c!.evidence.slice(0, 3)).toEqual([
      'MaxStartups 2:30:10 at /etc/ssh/sshd_config.d/50-low.conf:1 (a drop-in, included from /etc/ssh/sshd_config:2)',
      '  it overrides /etc/ssh/sshd_config:1: MaxStartups 10:30:100 (OpenSSH 9.2p1 takes the last MaxStartups it reads; the first only from 10.1)',
      'unauthenticated connections now: 2 (sshd\'s listener title "[listener] 2 of 2-10 startups") — start 2, full 10: a new connection is dropped with probability 30%',
    ]);
  });

  it('maxstartups: the running sshd still uses an older value than the files', () => {
    const ev = evidence((e) => {
      e.sshd.startupsTitle = { now: 3, start: 3, full: 10 };
    });
    const [c] = verdict(input('ok', ev));
    expect(c!.evidence).toContain('the running sshd uses 3-10 (its title), not the files\' 10:30:100: the files changed after sshd last (re)started');
  });

  it('maxstartups: below start, the client got in, no log: not a cause', () => {
    expect(ids(input('ok', evidence(busy(9))))).toEqual(['healthy']);
  });

  it('per_source_penalty (OpenSSH >= 9.8): the penalty log line for the client', () => {
    const ev = evidence((e) => {
      e.facts.opensshVersion = '9.8.0';
      e.facts.opensshVersionRaw = '9.8p1';
      e.sshdEffective!.values.set('persourcepenalties', ['crash:90 authfail:5 noauth:1 grace-exceeded:20 max:600 min:15 max-sources4:65536 max-sources6:65536 overflow:permissive overflow6:permissive']);
      e.logs[0]!.lines.push(`srclimit_penalise: ipv4: new ${CLIENT}/32 active penalty of 30 seconds for penalty: connections without attempting authentication`);
    });
    const c = findings(input('closed_at_once', ev));
    expect(c.map((x) => x.id)).toEqual(['per_source_penalty', 'maxstartups']);
    expect(c[0]!.evidence[1]).toBe(`/var/log/auth.log: srclimit_penalise: ipv4: new ${CLIENT}/32 active penalty of 30 seconds for penalty: connections without attempting authentication`);
    expect(c[0]!.fix).toMatch(/^remedy apply playbooks\/unblock\.yml /);
  });

  it('per_source_penalty: never on OpenSSH < 9.8, nor when exempt', () => {
    const old = evidence((e) => e.logs[0]!.lines.push(`penalty for ${CLIENT}`));
    expect(ids(input('closed_at_once', old))).not.toContain('per_source_penalty');
    const exempt = evidence((e) => {
      e.facts.opensshVersion = '9.9.0';
      e.sshdEffective!.values.set('persourcepenaltyexemptlist', ['203.0.113.0/24']);
      e.logs[0]!.lines.push(`srclimit_penalise: ipv4: new ${CLIENT}/32 active penalty`);
    });
    expect(ids(input('closed_at_once', exempt))).not.toContain('per_source_penalty');
  });

  it('sshd_not_running: nothing on the port, stale pidfile, sshd on another port', () => {
    const ev = evidence((e) => {
      e.sshd.pidfile = { path: '/run/sshd.pid', pid: 700, alive: false };
      e.sshd.processes = [{ pid: 900, ppid: 1, cmdline: 'sshd: /usr/sbin/sshd -p 2222 [listener] 0 of 10-100 startups' }];
      delete e.sshd.listener;
      e.listening = [{ local: { addr: '0.0.0.0', port: 2222 }, process: 'users:(("sshd",pid=900,fd=3))', pid: 900 }];
    });
    const [c] = verdict(input('tcp_refused', ev));
    expect(c).toEqual({
      id: 'sshd_not_running',
      evidence: [
        'nothing listens on TCP port 22 (ss -tlnp)',
        'sshd listens on 0.0.0.0:2222 instead',
        '/run/sshd.pid names pid 700, which is not running',
        'no sshd listener process',
      ],
      fix: 'remedy apply playbooks/restore-sshd.yml -l web1',
    });
  });

  it('sshd_config_invalid: latent while sshd runs; beside sshd_not_running when it cannot start', () => {
    const bad = (e: ServerEvidence) => {
      e.files.set('/etc/ssh/sshd_config.d/60-bad.conf', file('MaxStartups ten\n'));
      e.globs.set('/etc/ssh/sshd_config.d/*.conf', ['/etc/ssh/sshd_config.d/60-bad.conf']);
      e.sshdTest = { rc: 255, output: '/etc/ssh/sshd_config.d/60-bad.conf line 1: Bad MaxStartups spec: ten\n' };
      e.sshdEffective = { rc: 255, values: new Map(), output: '' };
    };
    const latent = verdict(input('ok', evidence(bad)));
    expect(latent.map((c) => c.id)).toEqual(['sshd_config_invalid']);
    expect(latent[0]!.evidence).toContain('sshd (pid 700) still runs with the configuration it read when it started: the next restart or reload fails and locks everyone out');
    const down = evidence((e) => {
      bad(e);
      e.listening = [];
      e.sshd.processes = [];
      delete e.sshd.listener;
      delete e.sshd.pidfile;
      delete e.sshd.startupsTitle;
    });
    expect(ids(input('tcp_refused', down))).toEqual(['sshd_not_running', 'sshd_config_invalid']);
  });

  it('sshd_not_running, not sshd_config_invalid, when sshd -t stops only at the privsep directory systemd removed', () => {
    const stopped = evidence((e) => {
      e.listening = [];
      e.sshd.processes = [];
      delete e.sshd.listener;
      delete e.sshd.pidfile;
      delete e.sshd.startupsTitle;
      e.sshdTest = { rc: 255, output: 'Missing privilege separation directory: /run/sshd\n' };
      e.sshdEffective = { rc: 255, values: new Map(), output: 'Missing privilege separation directory: /run/sshd\n' };
    });
    const c = verdict(input('tcp_refused', stopped));
    expect(c.map((x) => x.id)).toEqual(['sshd_not_running']);
    expect(c[0]!.evidence).toContain('sshd -t stops at "Missing privilege separation directory: /run/sshd", which sshd checks after it read its configuration: systemd removes that directory when ssh.service stops, and a checked start makes it again');
  });

  it('user_not_allowed: DenyUsers user@host with file:line, AllowUsers, AllowGroups, PermitRootLogin no', () => {
    const deny = evidence((e) => {
      e.files.set('/etc/ssh/sshd_config', file(`${SSHD_CONFIG}DenyUsers root@203.0.113.0/24 backup\n`));
      e.sshdEffective!.values.set('denyusers', ['root@203.0.113.0/24', 'backup']);
      e.logs[0]!.lines.push(`User root from ${CLIENT} not allowed because listed in DenyUsers`);
    });
    const [c] = verdict(input('auth_failed', deny));
    expect(c).toEqual({
      id: 'user_not_allowed',
      evidence: [
        `DenyUsers root@203.0.113.0/24 at /etc/ssh/sshd_config:6 matches root from ${CLIENT}`,
        `/var/log/auth.log: User root from ${CLIENT} not allowed because listed in DenyUsers`,
      ],
      fix: `edit /etc/ssh/sshd_config:6 so that it no longer excludes root from ${CLIENT}, check with sshd -t, then reload sshd (service ssh reload)`,
    });
    const allow = evidence((e) => {
      e.sshdEffective!.values.set('allowusers', ['admin', 'deploy@198.51.100.*']);
      e.sshdEffective!.values.set('allowgroups', ['wheel']);
      e.sshdEffective!.values.set('permitrootlogin', ['no']);
    });
    expect(verdict(input('auth_failed', allow))[0]!.evidence).toEqual([
      `AllowUsers admin deploy@198.51.100.* does not include root from ${CLIENT}`,
      "AllowGroups wheel includes none of root's groups (root)",
      `PermitRootLogin no (sshd -T for root from ${CLIENT})`,
    ]);
  });

  it('user_not_allowed: read from the files when sshd -T cannot run', () => {
    const ev = evidence((e) => {
      e.files.set('/etc/ssh/sshd_config', file(`DenyUsers root\n${SSHD_CONFIG}`));
      e.sshdEffective = { rc: 255, values: new Map(), output: 'fatal' };
    });
    expect(verdict(input('auth_failed', ev))[0]!.evidence[0]).toBe(`DenyUsers root at /etc/ssh/sshd_config:1 matches root from ${CLIENT}`);
  });

  it('kex_mismatch: the client could not agree on algorithms; the server lists its own', () => {
    const v = vantage('kex_failed', { software: 'OpenSSH_5.3', login: { ok: false, phase: 'kex', message: 'key exchange failed: Handshake failed: no matching key exchange algorithm', ms: 20 } });
    const c = verdict({ ...input('kex_failed', evidence()), vantage: v });
    expect(c[0]!.id).toBe('kex_mismatch');
    expect(c[0]!.evidence).toContain('server kexalgorithms: sntrup761x25519-sha512@openssh.com,curve25519-sha256');
  });
});

describe('ordering by the client-side phase', () => {
  // One host with three real problems: a hosts.deny rule, a fail2ban ban and MaxStartups past start.
  const all = () => evidence((e) => {
    denyRule(e);
    f2bBan(e);
    busy(30)(e);
  });

  it('refused at TCP: fail2ban (its REJECT answers first)', () => {
    expect(ids(input('tcp_refused', all()))).toEqual(['fail2ban', 'tcp_wrappers', 'maxstartups']);
  });

  it('reset ~5 s after connecting: tcp_wrappers', () => {
    expect(ids(input('reset_after_delay', all()))[0]).toBe('tcp_wrappers');
    expect(ids(input('closed_after_delay', all()))[0]).toBe('tcp_wrappers');
  });

  it('closed at once / "Exceeded MaxStartups": maxstartups', () => {
    expect(ids(input('closed_at_once', all()))[0]).toBe('maxstartups');
    expect(ids(input('maxstartups_message', all()))[0]).toBe('maxstartups');
  });

  it('fit and score', () => {
    expect(fitOf('tcp_wrappers', 'reset_after_delay')).toBe('match');
    expect(fitOf('tcp_wrappers', 'tcp_refused')).toBe('mismatch');
    expect(fitOf('maxstartups', 'ok')).toBe('compatible');
    expect(fitOf('sshd_config_invalid', 'tcp_refused')).toBe('compatible');
    const f = findings(input('tcp_refused', all()));
    expect(f.map((x) => [x.id, x.fit, x.strength, x.score])).toEqual([
      ['fail2ban', 'match', 'decisive', 10],
      ['tcp_wrappers', 'mismatch', 'decisive', 4],
      ['maxstartups', 'mismatch', 'decisive', 4],
    ]);
  });
});

describe('from the client side only (no path reaches the host)', () => {
  const refused = (path: string): PathReport => ({ path, ok: false, phase: 'connect', message: `web1: cannot connect to 192.0.2.10:22 from ${MGMT}: ECONNREFUSED`, ms: 2 });

  it('refused on every path: sshd_not_running, then a firewall for everyone', () => {
    const c = verdict(input('tcp_refused', undefined, { paths: [refused(`bind ${MGMT}`)] }));
    expect(c.map((x) => x.id)).toEqual(['sshd_not_running', 'firewall']);
    expect(c[0]!.evidence).toContain('every path was refused at the TCP level: the host is up (its kernel answers) but nothing accepts connections on port 22, from any source address');
    expect(c[0]!.evidence.at(-1)).toBe('server evidence unavailable: unreachable on every path');
    expect(c[0]!.fix).toMatch(/^remedy apply playbooks\/restore-sshd\.yml -l web1 -e ansible_port=PORT over a path that does not need this sshd/);
  });

  it('refused for the client, another failure on the working path: firewall, fail2ban, sshd_not_running', () => {
    const auth: PathReport = { path: 'via bastion', ok: false, phase: 'auth', message: 'bastion: authentication failed', ms: 300 };
    expect(ids(input('tcp_refused', undefined, { paths: [auth] }))).toEqual(['firewall', 'fail2ban', 'sshd_not_running']);
  });

  it('no answer anywhere: host_down', () => {
    const t: PathReport = { path: `bind ${MGMT}`, ok: false, phase: 'connect', message: 'web1: cannot connect to 192.0.2.10:22: ETIMEDOUT', ms: 10_000 };
    expect(ids(input('tcp_timeout', undefined, { paths: [t] }))).toEqual(['host_down', 'firewall']);
    const u: PathReport = { ...t, message: 'web1: cannot connect to 192.0.2.10:22: EHOSTUNREACH', ms: 3000 };
    expect(ids(input('tcp_unreachable', undefined, { paths: [u] }))).toEqual(['host_down']);
  });

  it('the symptom names the cause: delayed reset, immediate drop, auth, kex', () => {
    const dropped = [{ path: `bind ${MGMT}`, ok: false, phase: 'banner', message: 'closed before the SSH banner', ms: 3 }];
    expect(ids(input('reset_after_delay', undefined, { paths: dropped }))).toEqual(['tcp_wrappers']);
    expect(ids(input('maxstartups_message', undefined, { paths: dropped }))).toEqual(['maxstartups']);
    expect(ids(input('closed_at_once', undefined, { paths: dropped }))).toEqual(['maxstartups', 'per_source_penalty']);
    const v92 = { ...input('closed_at_once', undefined, { paths: dropped }) };
    v92.vantage = { ...v92.vantage, opensshVersion: '9.2.0' };
    expect(ids(v92)).toEqual(['maxstartups']);
    expect(ids(input('auth_failed', undefined, { paths: [] }))).toEqual(['user_not_allowed']);
    expect(ids(input('kex_failed', undefined, { paths: [] }))).toEqual(['kex_mismatch']);
  });

  it('a failing client with nothing to explain it: no cause (undiagnosed)', () => {
    expect(verdict(input('hostkey_failed', evidence()))).toEqual([]);
  });
});

describe('matching helpers', () => {
  it('sshd user patterns: user, user@address, CIDR, wildcards, negation', () => {
    expect(matchUser('root', CLIENT, 'root')).toBe(true);
    expect(matchUser('root', CLIENT, 'ro*')).toBe(true);
    expect(matchUser('root', CLIENT, 'Root')).toBe(false);
    expect(matchUser('root', CLIENT, `root@${CLIENT}`)).toBe(true);
    expect(matchUser('root', CLIENT, 'root@203.0.113.0/24')).toBe(true);
    expect(matchUser('root', CLIENT, 'root@203.0.113.*')).toBe(true);
    expect(matchUser('root', CLIENT, 'root@198.51.100.0/24')).toBe(false);
    expect(matchUser('root', CLIENT, `root@!${CLIENT},*`)).toBe(false);
    expect(matchUser('admin', CLIENT, `root@${CLIENT}`)).toBe(false);
    expect(addrMatchList(CLIENT, '10.0.0.0/8,203.0.113.0/25')).toBe(1);
    expect(addrMatchList(CLIENT, '!203.0.113.7,203.0.113.0/24')).toBe(-1);
  });

  it('drop chance as sshd computes it', () => {
    const ms = { start: 10, rate: 30, full: 100 };
    expect(dropChance(ms, 9)).toBe(0);
    expect(dropChance(ms, 10)).toBe(30);
    expect(dropChance(ms, 55)).toBe(65);
    expect(dropChance(ms, 100)).toBe(100);
  });

  it('a log line names the address, not a longer one', () => {
    expect(lineNamesIp('refused connect from 198.18.0.1 (198.18.0.1)', '198.18.0.1')).toBe(true);
    expect(lineNamesIp('drop connection #3 from [198.18.0.1]:4022 on', '198.18.0.1')).toBe(true);
    expect(lineNamesIp('refused connect from 198.18.0.10', '198.18.0.1')).toBe(false);
    expect(lineNamesIp('from 2001:db8::1 port 22', '2001:db8::1')).toBe(true);
    expect(lineNamesIp('from 2001:db8::10 port 22', '2001:db8::1')).toBe(false);
  });
});

describe('fix commands repeat the flags diagnose reached the host with', () => {
  it('reachArgsOf keeps -i, --ssh-config, --known-hosts and non-default reach flags; the fix quotes them', async () => {
    const { reachArgsOf } = await import('../../src/diagnose/command.js');
    const { splitArgs } = await import('../../src/shell.js');
    const args = reachArgsOf({ inventory: 'my inv.yml', sshConfig: "/tmp/o'brien/config", knownHosts: ['a', 'b'], hostKeyChecking: 'accept-new', timeoutSec: 10 });
    expect(args).toEqual(['-i', 'my inv.yml', '--ssh-config', "/tmp/o'brien/config", '--known-hosts', 'a', '--known-hosts', 'b', '--host-key-checking', 'accept-new']);
    expect(reachArgsOf({})).toEqual([]);
    // A reach budget other than the default is repeated too, so the fix waits out the same starved sshd.
    expect(reachArgsOf({ reachTimeoutSec: 90 })).toEqual(['--reach-timeout', '90']);
    expect(reachArgsOf({ reachTimeoutSec: 30 })).toEqual([]);
    const [c] = verdict(input('reset_after_delay', evidence(denyRule), { reachArgs: args }));
    expect(c!.id).toBe('tcp_wrappers');
    expect(c!.fix).toBe(`remedy apply playbooks/unblock.yml -i 'my inv.yml' --ssh-config '/tmp/o'\\''brien/config' --known-hosts a --known-hosts b --host-key-checking accept-new -l web1 -e client_ip=${CLIENT}`);
    // A copy-paste gives back exactly these words.
    expect(splitArgs(c!.fix)).toEqual(['remedy', 'apply', 'playbooks/unblock.yml', ...args, '-l', 'web1', `-e`, `client_ip=${CLIENT}`]);
  });
});

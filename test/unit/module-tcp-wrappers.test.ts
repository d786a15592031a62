// tcp_wrappers module: planned against fake hosts with the engine's read/probe rounds simulated,
// then re-planned on the files the plan would write (a second apply must change nothing).
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tcpWrappers, denyHostsWorkDir } from '../../src/modules/tcp-wrappers.js';
import type { FileState, ModulePlan, RunChange, WriteChange } from '../../src/engine/change.js';
import type { ProbeResult } from '../../src/modules/module.js';
import { parseFacts, type Facts } from '../../src/facts.js';

const A = '/etc/hosts.allow';
const D = '/etc/hosts.deny';
const CONF = '/etc/denyhosts.conf';
const WD = '/var/lib/denyhosts';
const CLIENT = '203.0.113.9';
const fixture = (n: string) => readFileSync(fileURLToPath(new URL(`../fixtures/hosts-access/${n}`, import.meta.url)), 'utf8');

function makeFacts(over: Partial<Facts> = {}): Facts {
  const base = parseFacts(['init=systemd', 'sshd=/usr/sbin/sshd', 'sshd_version=OpenSSH_9.2p1 Debian-2+deb12u3', 'libwrap_in=/usr/sbin/sshd', 'ssh_service=ssh'].join('\n'));
  return { ...base, ...over };
}

type Host = { files: Map<string, FileState>; running: Set<string> };
const file = (path: string, content: string | Buffer, mode = '0644', uid = 0): FileState => ({
  path, kind: 'file', content: Buffer.isBuffer(content) ? content : Buffer.from(content), mode, uid, gid: 0, owner: uid ? 'u' : 'root', group: 'root',
});
function host(files: Record<string, string>, running: string[] = []): Host {
  return { files: new Map(Object.entries(files).map(([p, c]) => [p, file(p, c, p === A ? '0640' : '0644')])), running: new Set(running) };
}
const stateOf = (h: Host, p: string): FileState => h.files.get(p) ?? { path: p, kind: 'absent' };
const probeOn = (h: Host) => (c: string): ProbeResult => {
  const m = /^(?:systemctl is-active (\S+)|service (\S+) status|rc-service (\S+) status)$/.exec(c);
  if (!m) throw new Error(`unexpected probe: ${c}`);
  const name = m[1] ?? m[2] ?? m[3]!;
  return h.running.has(name) ? { code: 0, stdout: 'active\n', stderr: '' } : { code: 3, stdout: 'inactive\n', stderr: '' };
};

function run(raw: Record<string, unknown>, h: Host, facts = makeFacts()) {
  const args = tcpWrappers.args.parse(raw);
  const read = new Set<string>();
  const probed = new Map<string, ProbeResult>();
  for (let round = 0; ; round++) {
    if (round === 6) throw new Error('no convergence');
    const ctx = { facts, known: (p: string) => (read.has(p) ? stateOf(h, p) : undefined), probed: (c: string) => probed.get(c), vars: {} };
    const paths = (tcpWrappers.reads?.(args, ctx) ?? []).filter((p) => !read.has(p));
    const cmds = (tcpWrappers.probes?.(args, ctx) ?? []).filter((c) => !probed.has(c));
    if (!paths.length && !cmds.length) break;
    for (const p of paths) read.add(p);
    for (const c of cmds) probed.set(c, probeOn(h)(c));
  }
  const plan = tcpWrappers.plan(args, {
    facts,
    file: (p) => {
      if (!read.has(p)) throw new Error(`planned without reading ${p}`);
      return stateOf(h, p);
    },
    probe: (c) => {
      const r = probed.get(c);
      if (!r) throw new Error(`planned without probing ${c}`);
      return r;
    },
    check: true,
    vars: {},
  });
  return { plan, reads: [...read], probes: [...probed.keys()] };
}

function applied(h: Host, plan: ModulePlan): Host {
  const files = new Map(h.files);
  if (plan.kind === 'change') for (const c of plan.changes) if (c.kind === 'write') files.set(c.path, file(c.path, c.content, c.mode));
  return { files, running: h.running };
}
const writes = (p: ModulePlan): WriteChange[] => (p.kind === 'change' ? p.changes.filter((c): c is WriteChange => c.kind === 'write') : []);
const text = (h: Host, p: string) => {
  const s = h.files.get(p);
  return s?.kind === 'file' ? s.content.toString() : undefined;
};
const msg = (p: ModulePlan) => (p.kind === 'change' || p.kind === 'ok' ? p.message ?? '' : p.kind === 'fail' ? p.message : p.reason);

function idempotent(raw: Record<string, unknown>, h: Host, facts = makeFacts()) {
  const first = run(raw, h, facts);
  const after = applied(h, first.plan);
  const second = run(raw, after, facts);
  expect(second.plan.kind, msg(second.plan)).toBe('ok');
  return { ...first, after };
}

describe('tcp_wrappers: a ban naming the client', () => {
  it("comments out Debian's hosts.deny line, keeps every other byte, mode and owner", () => {
    const deny = fixture('01-debian-style.deny');
    const h = host({ [D]: deny, [A]: '# /etc/hosts.allow\n' });
    const { plan, reads, probes, after } = idempotent({ client: CLIENT }, h);
    expect(reads).toEqual([A, D, CONF]);
    expect(probes).toEqual([]); // no DenyHosts: nothing to stop
    expect(plan.kind).toBe('change');
    const [w] = writes(plan);
    expect(writes(plan)).toHaveLength(1);
    expect(w).toMatchObject({ path: D, mode: '0644', owner: '0', group: '0' });
    expect(text(after, D)).toBe(deny.replace(`\nsshd: ${CLIENT}\n`, `\n# remedy: sshd: ${CLIENT}\n`));
    expect(msg(plan)).toContain(`${CLIENT} is refused for sshd by ${D}:10 "sshd: ${CLIENT}"`);
    expect(msg(plan)).toContain(`${D}:10: commented out "sshd: ${CLIENT}" — names ${CLIENT} itself`);
    expect(text(after, A)).toBe('# /etc/hosts.allow\n');
  });

  it('ALL: <client> stays (it also refuses other daemons); sshd alone is allowed; CRLF kept', () => {
    const deny = '# deny\r\nALL: 10.9.9.9\r\nALL: 203.0.113.9\r\nsshd: .example.org\r\n';
    const h = host({ [D]: deny });
    const { after } = idempotent({ client: CLIENT }, h);
    expect(text(after, D)).toBe(deny);
    expect(text(after, A)).toBe(`sshd: ${CLIENT}\n`);
  });

  it('sshd: <client> in CRLF files is commented out; hosts.allow is not created', () => {
    const deny = '# deny\r\nALL: 10.9.9.9\r\nsshd: 203.0.113.9\r\nsshd: .example.org\r\n';
    const h = host({ [D]: deny });
    const { after } = idempotent({ client: CLIENT }, h);
    expect(text(after, D)).toBe('# deny\r\nALL: 10.9.9.9\r\n# remedy: sshd: 203.0.113.9\r\nsshd: .example.org\r\n');
    expect(after.files.has(A)).toBe(false); // absent hosts.allow is not created when not needed
  });

  it('also lets an IPv6 client in', () => {
    const h = host({ [D]: 'sshd: [2001:db8::7]\n' });
    const { after } = idempotent({ client: '2001:db8::7' }, h);
    expect(text(after, D)).toBe('# remedy: sshd: [2001:db8::7]\n');
  });
});

describe('tcp_wrappers: a broad policy', () => {
  it('sshd: ALL EXCEPT <mgmt> stays; a precise sshd: <client> is added to hosts.allow', () => {
    const deny = '# only the management network\nsshd: ALL EXCEPT 192.0.2.10\n';
    const h = host({ [D]: deny });
    const { plan, after } = idempotent({ client: CLIENT }, h);
    expect(writes(plan).map((w) => [w.path, w.mode, w.owner])).toEqual([[A, '0644', undefined]]);
    expect(text(after, A)).toBe(`sshd: ${CLIENT}\n`);
    expect(text(after, D)).toBe(deny);
    expect(msg(plan)).toContain(`${A}:1: added "sshd: ${CLIENT}" — ${D}:2 "sshd: ALL EXCEPT 192.0.2.10" refuses ${CLIENT}`);
    expect(msg(plan)).toContain('so it stays and only 203.0.113.9 is allowed for sshd');
  });

  it('appends after existing hosts.allow rules and keeps its mode (0640)', () => {
    const allow = '# allow\nsshd: 192.0.2.10\n';
    const h = host({ [A]: allow, [D]: 'ALL: ALL\n' });
    const { plan, after } = idempotent({ client: CLIENT }, h);
    expect(writes(plan)[0]).toMatchObject({ path: A, mode: '0640' });
    expect(text(after, A)).toBe(`${allow}sshd: ${CLIENT}\n`);
  });

  it('/file patterns are read and decided like libwrap', () => {
    const h = host({ [D]: 'sshd: /etc/ssh/banned.list\n', '/etc/ssh/banned.list': `10.0.0.1\n${CLIENT}\n` });
    const { plan, reads, after } = idempotent({ client: CLIENT }, h);
    expect(reads).toContain('/etc/ssh/banned.list');
    expect(text(after, A)).toBe(`sshd: ${CLIENT}\n`);
    expect(msg(plan)).toContain('refuses');
    // a client not in the list is already allowed
    expect(run({ client: '198.51.100.1' }, h).plan.kind).toBe('ok');
  });

  it('nothing to do when the client is already allowed', () => {
    const h = host({ [A]: `sshd: ${CLIENT}\n`, [D]: 'ALL: ALL\n' });
    const { plan } = run({ client: CLIENT }, h);
    expect(plan.kind).toBe('ok');
    expect(msg(plan)).toContain(`${CLIENT} is allowed for sshd`);
  });
});

describe('tcp_wrappers: rules libwrap reads differently than they look', () => {
  it('sshd@<address>: judged on every address of the host (facts), none assumed', () => {
    const deny = 'sshd@10.9.0.1: ALL\n';
    const other = makeFacts({ addresses: ['127.0.0.1', '10.9.0.2'] });
    expect(run({ client: CLIENT }, host({ [D]: deny }), other).plan.kind).toBe('ok');
    // A remote client never reaches the loopback address: a rule scoped to it refuses no one.
    expect(run({ client: CLIENT }, host({ [D]: 'sshd@127.0.0.1: ALL\n' }), other).plan.kind).toBe('ok');
    expect(run({ client: '127.0.0.1' }, host({ [D]: 'sshd@127.0.0.1: ALL\n' }), other).plan.kind).toBe('change');
    const both = makeFacts({ addresses: ['10.9.0.2', '10.9.0.1'] });
    const { plan, after } = idempotent({ client: CLIENT }, host({ [D]: deny }), both);
    expect(text(after, A)).toBe(`sshd: ${CLIENT}\n`);
    expect(msg(plan)).toContain(`${CLIENT} is refused only when it connects to 10.9.0.1`);
  });
  it('a hosts.deny without its final newline refuses the client: allowed in hosts.allow, the file left alone', () => {
    const deny = 'sshd: 10.0.0.1';
    const { plan, after } = idempotent({ client: CLIENT }, host({ [A]: 'sshd: 192.0.2.10\n', [D]: deny }));
    expect(msg(plan)).toContain(`${CLIENT} is refused for sshd by ${D}:1 (hosts.deny line 1: no newline at the end of the file`);
    expect(text(after, D)).toBe(deny);
    expect(text(after, A)).toBe(`sshd: 192.0.2.10\nsshd: ${CLIENT}\n`);
  });
  it('<client>/255.255.255.255 refuses no one: nothing to comment out', () => {
    const deny = `sshd: ${CLIENT}/255.255.255.255\n`;
    expect(run({ client: CLIENT }, host({ [D]: deny })).plan.kind).toBe('ok');
    const allow = `sshd: ${CLIENT}/255.255.255.255\n`;
    const { after } = idempotent({ client: CLIENT }, host({ [A]: allow, [D]: 'ALL: ALL\n' }));
    expect(text(after, A)).toBe(`${allow}sshd: ${CLIENT}\n`);
  });
});

describe('tcp_wrappers: DenyHosts', () => {
  const deny = fixture('10-denyhosts.deny');
  const work = {
    [`${WD}/hosts`]: `198.51.100.7:5:Fri Nov 22 09:10:11 2024\n${CLIENT}:12:Thu Nov 21 15:01:02 2024\n`,
    [`${WD}/hosts-restricted`]: `${CLIENT}:3:Thu Nov 21 15:00:00 2024\n`,
    [`${WD}/users-hosts`]: `root - ${CLIENT}:12:Thu Nov 21 15:01:02 2024\nbob - 198.51.100.7:1:Fri Nov 22 09:10:11 2024\n`,
    [`${WD}/hosts-valid`]: '198.51.100.7:1:Fri Nov 22 09:10:11 2024\n',
  };

  it('stops denyhosts, comments out the entry, purges the work files, starts it again', () => {
    const h = host({ [D]: deny, [CONF]: 'SECURE_LOG = /var/log/auth.log\nWORK_DIR = /var/lib/denyhosts\n', ...work }, ['denyhosts']);
    const { plan, reads, probes, after } = idempotent({ client: CLIENT }, h);
    expect(reads).toEqual(expect.arrayContaining([`${WD}/hosts`, `${WD}/users-hosts`, `${WD}/sync-hosts`]));
    expect(probes).toEqual(['systemctl is-active denyhosts']);
    expect(plan.kind === 'change' && plan.changes.map((c) => (c.kind === 'write' ? `write ${c.path}` : c.kind === 'run' ? c.command : c.kind))).toEqual([
      'systemctl stop denyhosts',
      `write ${D}`,
      `write ${WD}/hosts`,
      `write ${WD}/hosts-restricted`,
      `write ${WD}/users-hosts`,
      'systemctl start denyhosts',
    ]);
    expect(text(after, D)).toBe(deny.replace(`\nsshd: ${CLIENT}\n`, `\n# remedy: sshd: ${CLIENT}\n`));
    expect(text(after, `${WD}/hosts`)).toBe('198.51.100.7:5:Fri Nov 22 09:10:11 2024\n');
    expect(text(after, `${WD}/hosts-restricted`)).toBe('');
    expect(text(after, `${WD}/users-hosts`)).toBe('bob - 198.51.100.7:1:Fri Nov 22 09:10:11 2024\n');
    expect(msg(plan)).toContain(`${WD}/hosts: removed line 2 "${CLIENT}:12:Thu Nov 21 15:01:02 2024"`);
    expect(msg(plan)).toContain('denyhosts is running: stopped before the edits and started again after');
  });

  it('sysvinit host: service denyhosts stop/start; not running: no stop/start at all', () => {
    const h = host({ [D]: deny, ...work }, ['denyhosts']);
    const sysv = run({ client: CLIENT }, h, makeFacts({ serviceMgr: 'sysvinit' }));
    const cmds = (p: ModulePlan) => (p.kind === 'change' ? p.changes.filter((c): c is RunChange => c.kind === 'run').map((c) => c.command) : []);
    expect(sysv.probes).toEqual(['service denyhosts status']);
    expect(cmds(sysv.plan)).toEqual(['service denyhosts stop', 'service denyhosts start']);
    const stopped = run({ client: CLIENT }, host({ [D]: deny, ...work }));
    expect(cmds(stopped.plan)).toEqual([]);
    expect(writes(stopped.plan).map((w) => w.path)).toEqual([D, `${WD}/hosts`, `${WD}/hosts-restricted`, `${WD}/users-hosts`]);
  });

  it('WORK_DIR comes from denyhosts.conf', () => {
    expect(denyHostsWorkDir('# WORK_DIR = /nope\nWORK_DIR = /srv/denyhosts/\n')).toBe('/srv/denyhosts');
    expect(denyHostsWorkDir('WORK_DIR: relative\n')).toBe(WD);
    expect(denyHostsWorkDir(undefined)).toBe(WD);
    const h = host({ [D]: deny, [CONF]: 'WORK_DIR = /srv/dh\n', '/srv/dh/hosts': `${CLIENT}:9:Thu Nov 21 15:01:02 2024\n` });
    const { plan } = idempotent({ client: CLIENT }, h);
    expect(writes(plan).map((w) => w.path)).toEqual([D, '/srv/dh/hosts']);
  });

  it('denyhosts: false leaves DenyHosts alone', () => {
    const h = host({ [D]: deny, ...work }, ['denyhosts']);
    const { plan, reads, probes } = run({ client: CLIENT, denyhosts: 'no' }, h);
    expect(reads).toEqual([A, D]);
    expect(probes).toEqual([]);
    expect(plan.kind === 'change' && plan.changes.map((c) => c.kind)).toEqual(['write']);
  });
});

describe('tcp_wrappers: when it does not apply, and bad input', () => {
  it('sshd without libwrap: skipped, nothing read', () => {
    const h = host({ [D]: `sshd: ${CLIENT}\n` });
    const { plan, reads } = run({ client: CLIENT }, h, makeFacts({ libwrap: false }));
    expect(plan).toEqual({ kind: 'skip', reason: 'sshd is not linked with libwrap: hosts.allow/hosts.deny do not apply' });
    expect(reads).toEqual([]);
  });

  it('unknown facts (no sshd path): plans from the files', () => {
    const h = host({ [D]: `sshd: ${CLIENT}\n` });
    const { plan } = run({ client: CLIENT }, h, parseFacts(''));
    expect(writes(plan).map((w) => w.path)).toEqual([D]);
  });

  it('unknown service manager: edits, and says denyhosts could not be stopped', () => {
    const h = host({ [D]: fixture('10-denyhosts.deny') }, ['denyhosts']);
    const { plan, probes } = run({ client: CLIENT }, h, makeFacts({ serviceMgr: 'unknown' }));
    expect(probes).toEqual([]);
    expect(plan.kind === 'change' && plan.changes.map((c) => c.kind)).toEqual(['write']);
    expect(msg(plan)).toContain('denyhosts cannot be stopped');
  });

  it('rejects anything that is not an IP address, and odd daemon names', () => {
    for (const client of ['not-an-ip', `${CLIENT}; reboot`, `${CLIENT}\nALL: ALL`, '203.0.113.9/32', '', 'ALL']) {
      expect(tcpWrappers.args.safeParse({ client }).success, client).toBe(false);
    }
    expect(tcpWrappers.args.safeParse({ client: CLIENT, daemon: 'sshd: ALL' }).success).toBe(false);
    expect(tcpWrappers.args.safeParse({ client: CLIENT, allow_file: 'hosts.allow' }).success).toBe(false);
    expect(tcpWrappers.args.safeParse({ client: '2001:db8::1' }).success).toBe(true);
  });

  it('refuses to rewrite a non-UTF-8 file and a directory', () => {
    const h: Host = { files: new Map([[D, file(D, Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9]), Buffer.from(`\nsshd: ${CLIENT}\n`)]))]]), running: new Set() };
    expect(msg(run({ client: CLIENT }, h).plan)).toContain('not valid UTF-8');
    const d: Host = { files: new Map([[D, { path: D, kind: 'dir', mode: '0755', uid: 0, gid: 0, owner: 'root', group: 'root' }]]), running: new Set() };
    expect(run({ client: CLIENT }, d).plan).toEqual({ kind: 'fail', message: `Path ${D} is a directory !` });
  });
});

describe('tcp_wrappers and files it cannot edit', () => {
  it('a hosts.deny too large to fetch is reported as too large, with the limit, not as "not a regular file"', () => {
    const h = host({ [A]: '' });
    h.files.set(D, { path: D, kind: 'large', size: 5 * 1024 * 1024, mode: '0644', uid: 0, gid: 0, owner: 'root', group: 'root' });
    const { plan } = run({ client: CLIENT }, h);
    expect(plan).toEqual({ kind: 'fail', message: expect.stringMatching(/\/etc\/hosts\.deny is too large to edit safely \(5242880 bytes; remedy reads and rewrites files of up to 4194304 bytes\)/) });
  });
});


// `remedy diagnose` against real hosts, one fault each: diagnose must name the right cause first
// for every host, from both sides of the connection, and change nothing on any of them.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { labKinds } from '../lab/kinds.js';
import { labAvailable, startLab, type Lab, type LabHost } from '../lab/lab.js';
import { diagnoseCommand, type DiagnoseFlags } from '../../src/diagnose/command.js';
import { runCli } from './run-cli.js';
import { quoteArgv, splitArgs } from '../../src/shell.js';

const FILES = [
  '/etc/hosts.deny', '/etc/hosts.allow', '/etc/ssh/sshd_config', '/etc/ssh/sshd_config.d/50-low.conf',
  '/etc/ssh/sshd_config.d/60-broken.conf', '/etc/fail2ban/jail.local', '/run/sshd.pid',
];

async function diagnose(flags: DiagnoseFlags): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  out.on('data', (b: Buffer) => chunks.out.push(b));
  err.on('data', (b: Buffer) => chunks.err.push(b));
  const code = await diagnoseCommand(flags, { stdout: out, stderr: err, env: { HOME: process.env.HOME, PATH: process.env.PATH, NO_COLOR: '1' } });
  return { code, stdout: Buffer.concat(chunks.out).toString(), stderr: Buffer.concat(chunks.err).toString() };
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe.skipIf(!labAvailable()).each(labKinds())('remedy diagnose on hosts locked out in every way ($name)', (kind) => {
  // OpenSSH >= 9.8 only: an active PerSourcePenalties penalty.
  const penalties = kind.kind === 'systemd';
  let lab: Lab;
  let hosts: Record<string, LabHost>;
  let inventory: string;
  let releases: Array<() => void> = [];
  let before: Record<string, unknown>;
  let doc: any;
  let run: { code: number; stdout: string; stderr: string };
  let ms = 0;

  /** Files, firewall rules, fail2ban bans, sshd's pid and every file under /tmp, /etc/ssh and /var/lib/remedy. */
  const state = async () => {
    const out: Record<string, unknown> = {};
    for (const h of lab.hosts) {
      const rules = await lab.firewallRules(h);
      const banned = await lab.exec(h, 'fail2ban-client banned 2>/dev/null || true');
      const tree = await lab.exec(h, 'find /tmp /etc/ssh /var/lib/remedy /run/sshd -xdev 2>/dev/null | sort');
      out[h.name] = { files: await lab.fileState(h, FILES), rules, banned: banned.stdout, tree: tree.stdout };
    }
    return out;
  };

  beforeAll(async () => {
    const names = ['deny', 'allexcept', 'fail2ban', 'firewall', 'maxstartups', 'stopped', 'broken', 'dropin', 'denyusers', 'healthy',
      'denyban', ...(penalties ? ['penalty'] : [])];
    lab = await startLab({ hosts: names.length, prefix: 'remedy-diag', ...kind });
    hosts = Object.fromEntries(names.map((n, k) => [n, lab.hosts[k]!]));
    // hosts.deny refuses the client, and fail2ban (whose sshd filter matches `refused connect
    // from`) banned it for that on top: two causes, both to be named.
    await lab.denyClient(hosts.denyban!);
    await lab.startFail2ban(hosts.denyban!);
    await lab.fail2banBan(hosts.denyban!, 'sshd');
    if (penalties) {
      // A failed authentication from the client earns it a 5-minute penalty.
      await lab.penalise(hosts.penalty!);
    }
    await lab.denyClient(hosts.deny!);
    await lab.denyAllExcept(hosts.allexcept!, lab.mgmtIp);
    await lab.startFail2ban(hosts.fail2ban!);
    await lab.fail2banBan(hosts.fail2ban!, 'sshd');
    await lab.firewallReject(hosts.firewall!);
    // MaxStartups exhausted: start=3 and 3 unauthenticated connections held open, so every new
    // connection is dropped with probability 30% (the management path gets in on a retry).
    await lab.setSshdOption(hosts.maxstartups!, 'MaxStartups 3:30:100');
    await lab.stopSshd(hosts.stopped!);
    // A drop-in sshd -t rejects, not yet loaded: sshd runs on, the next restart will fail.
    await lab.writeFile(hosts.broken!, '/etc/ssh/sshd_config.d/60-broken.conf', 'NoSuchOption yes\n');
    // The main file sets MaxStartups before its Include; OpenSSH 9.2 takes the last value it
    // reads, so the drop-in's overrides it. Then 2 connections held: start reached.
    await lab.setSshdOption(hosts.dropin!, 'MaxStartups 10:30:100');
    await lab.writeFile(hosts.dropin!, '/etc/ssh/sshd_config.d/50-low.conf', 'MaxStartups 2:30:10\n');
    await lab.reloadSshd(hosts.dropin!);
    await lab.setSshdOption(hosts.denyusers!, `DenyUsers root@${lab.clientIp}`);
    // The inventory: the lab's hosts under their fault names, plus one address nobody answers.
    const gone = lab.clientIp.replace(/\.1$/, '.250');
    inventory = join(lab.dir, 'diagnose-inventory.yml');
    await writeFile(inventory, [
      'all:',
      '  vars:',
      '    ansible_user: root',
      `    ansible_ssh_private_key_file: ${JSON.stringify(lab.keyFile)}`,
      `    remedy_bind_address: ${JSON.stringify(lab.mgmtIp)}`,
      '  hosts:',
      ...names.map((n) => `    ${n}: { ansible_host: ${JSON.stringify(hosts[n]!.ip)} }`),
      `    gone: { ansible_host: ${JSON.stringify(gone)} }`,
      '',
    ].join('\n'));
    before = await state();
    // Held last: sshd forgets unauthenticated connections after LoginGraceTime (120 s).
    releases = [await lab.holdConnections(hosts.maxstartups!, 3, 'client'), await lab.holdConnections(hosts.dropin!, 2, 'client')];
    const t0 = Date.now();
    run = await diagnose({ inventory, knownHosts: [lab.knownHostsFile], json: true });
    ms = Date.now() - t0;
    doc = JSON.parse(run.stdout);
  });
  afterAll(async () => {
    for (const r of releases) r();
    await lab?.stop();
  });

  /** The fix diagnose prints: diagnose's own -i and --known-hosts repeated, shell-quoted. */
  const unblockFix = (host: string) =>
    `remedy apply ${quoteArgv(['playbooks/unblock.yml', '-i', inventory, '--known-hosts', lab.knownHostsFile, '-l', host])} -e client_ip=${lab.clientIp}`;
  const first = (h: string) => doc.hosts[h].causes[0]?.id;
  const evidence = (h: string) => doc.hosts[h].causes[0]?.evidence.join('\n') as string;

  it('prints one JSON document, exits 3 (two hosts unreachable on every path), in one pass', () => {
    expect(run.code, run.stderr).toBe(3);
    expect(Object.keys(doc.hosts).sort()).toEqual([...Object.keys(hosts), 'gone'].sort());
    for (const [name, h] of Object.entries<any>(doc.hosts)) {
      expect(h.clientIp, name).toBe(lab.clientIp);
      expect(h.vantage.timings.totalMs, name).toBeTypeOf('number');
      for (const c of h.causes) expect(typeof c.fix, name).toBe('string');
    }
    // Hosts run concurrently: the slowest (libwrap's 5 s) sets the pace.
    expect(ms).toBeLessThan(45_000);
  });

  it('tcp_wrappers: a deny rule naming the client, with file:line, after libwrap 5 s delay', () => {
    expect(first('deny')).toBe('tcp_wrappers');
    expect(doc.hosts.deny.vantage.outcome).toMatch(/^(closed|reset)_after_delay$/);
    expect(doc.hosts.deny.vantage.timings.preBannerMs).toBeGreaterThan(3_000);
    expect(evidence('deny')).toMatch(new RegExp(`/etc/hosts\\.deny:\\d+: sshd: ${lab.clientIp.replace(/\./g, '\\.')} .*names this client`));
    expect(doc.hosts.deny.causes[0].fix).toBe(unblockFix('deny'));
    expect(doc.hosts.deny.paths.at(-1)).toMatchObject({ path: `bind ${lab.mgmtIp}`, ok: true });
  });

  it('tcp_wrappers: an ALL EXCEPT policy', () => {
    expect(first('allexcept')).toBe('tcp_wrappers');
    expect(evidence('allexcept')).toContain(`sshd: ALL EXCEPT ${lab.mgmtIp}`);
    expect(evidence('allexcept')).toContain('a policy that matches this client');
  });

  it('fail2ban: the jail banning the client and its REJECT rule; the client sees refused', () => {
    expect(first('fail2ban')).toBe('fail2ban');
    expect(doc.hosts.fail2ban.vantage.outcome).toBe('tcp_refused');
    expect(evidence('fail2ban')).toContain(`fail2ban jail sshd bans ${lab.clientIp}`);
    expect(evidence('fail2ban')).toMatch(kind.kind === 'netns' ? /f2b-sshd .*REJECT/ : /f2b-table.*addr-set-sshd/);
    // Its firewall rule belongs to fail2ban: not reported as a firewall cause of its own.
    expect(doc.hosts.fail2ban.causes.map((c: any) => c.id)).not.toContain('firewall');
  });

  it('firewall: the REJECT rule naming the client', () => {
    expect(first('firewall')).toBe('firewall');
    expect(doc.hosts.firewall.vantage.outcome).toBe('tcp_refused');
    expect(evidence('firewall')).toMatch(kind.kind === 'netns'
      ? new RegExp(`INPUT rule 1: -A INPUT -s ${esc(lab.clientIp)}/32 .*REJECT --reject-with tcp-reset — names this client`)
      : new RegExp(`nft inet filter chain input handle \\d+: ip saddr ${esc(lab.clientIp)} tcp dport 22 reject with tcp reset.*names this client`));
  });

  it('maxstartups: start reached by unauthenticated connections (random drops or not)', () => {
    expect(first('maxstartups')).toBe('maxstartups');
    expect(evidence('maxstartups')).toMatch(/MaxStartups 3:30:100 at \/etc\/ssh\/sshd_config:1/);
    expect(evidence('maxstartups')).toMatch(/unauthenticated connections now: [34] .*dropped with probability \d+%/);
    expect(doc.hosts.maxstartups.causes[0].fix).toMatch(/^remedy apply playbooks\/raise-maxstartups\.yml -i \S+ --known-hosts \S+ -l maxstartups/);
    // Whatever the client drew: a drop, "Exceeded MaxStartups", or a login that got through.
    // OpenSSH >= 9.8 says "Not allowed at this time" for a MaxStartups drop, as for a penalty.
    expect(['ok', 'closed_at_once', 'reset_at_once', 'maxstartups_message', 'penalty_message']).toContain(doc.hosts.maxstartups.vantage.outcome);
  });

  it('maxstartups: a drop-in overriding the main file, cited by file:line', () => {
    expect(first('dropin')).toBe('maxstartups');
    expect(evidence('dropin')).toContain('MaxStartups 2:30:10 at /etc/ssh/sshd_config.d/50-low.conf:1 (a drop-in, included from /etc/ssh/sshd_config:');
    expect(evidence('dropin')).toContain('it overrides /etc/ssh/sshd_config:1: MaxStartups 10:30:100');
  });

  it('hosts.deny and the fail2ban ban it earned: both named, the fix lifts both', () => {
    const ids = doc.hosts.denyban.causes.map((c: any) => c.id);
    expect(ids.slice(0, 2).sort()).toEqual(['fail2ban', 'tcp_wrappers']);
    const all = doc.hosts.denyban.causes.flatMap((c: any) => c.evidence).join('\n');
    expect(all).toMatch(new RegExp(`/etc/hosts\\.deny:\\d+: sshd: ${esc(lab.clientIp)}`));
    expect(all).toContain(`fail2ban jail sshd bans ${lab.clientIp}`);
  });

  it.runIf(penalties)('per_source_penalty: the log says penalty, not MaxStartups, and names the client', () => {
    expect(first('penalty')).toBe('per_source_penalty');
    expect(doc.hosts.penalty.causes.map((c: any) => c.id)).not.toContain('maxstartups');
    expect(evidence('penalty')).toMatch(new RegExp(`drop connection #\\d+ from \\[${esc(lab.clientIp)}\\]:\\d+ .*penalty: failed authentication`));
    expect(doc.hosts.penalty.causes[0].fix).toBe(unblockFix('penalty'));
  });

  it.runIf(penalties)('maxstartups on OpenSSH 10: "Not allowed at this time" read as MaxStartups from the log, not a penalty', () => {
    expect(doc.hosts.maxstartups.causes.map((c: any) => c.id)).not.toContain('per_source_penalty');
    expect(doc.hosts.dropin.causes.map((c: any) => c.id)).not.toContain('per_source_penalty');
  });

  it('evidence names the OpenSSH generation and the firewall front end', () => {
    const server = doc.hosts.healthy.server;
    expect(server.facts.opensshGeneration).toBe(kind.kind === 'systemd' ? 'sshd-auth' : 'monolithic');
    expect(server.facts.firewallFrontend).toBe(kind.kind === 'systemd' ? kind.firewall : 'iptables');
    expect(server.facts.libwrapIn).toEqual(kind.kind === 'systemd' ? ['/usr/lib/openssh/sshd-session'] : ['/usr/sbin/sshd']);
  });

  it('sshd_not_running: refused on every path, from the client side alone', () => {
    const h = doc.hosts.stopped;
    expect(first('stopped')).toBe('sshd_not_running');
    expect(h.unreachable).toBe(true);
    expect(h.server).toBeNull();
    expect(h.vantage.outcome).toBe('tcp_refused');
    expect(h.paths).toEqual([expect.objectContaining({ path: `bind ${lab.mgmtIp}`, ok: false, phase: 'connect' })]);
    expect(evidence('stopped')).toContain('every path was refused at the TCP level');
    expect(h.causes[0].fix).toMatch(/^remedy apply playbooks\/restore-sshd\.yml -i \S+ --known-hosts \S+ -l stopped/);
  });

  it('sshd_config_invalid: a drop-in sshd -t rejects, waiting for the next restart', () => {
    expect(first('broken')).toBe('sshd_config_invalid');
    expect(doc.hosts.broken.vantage.outcome).toBe('ok'); // sshd still runs the old config
    expect(evidence('broken')).toContain('/etc/ssh/sshd_config.d/60-broken.conf:1: Bad configuration option: NoSuchOption');
    expect(evidence('broken')).toContain('the next restart or reload fails');
  });

  it('user_not_allowed: DenyUsers naming the user from the client', () => {
    expect(first('denyusers')).toBe('user_not_allowed');
    expect(doc.hosts.denyusers.vantage.outcome).toBe('auth_failed');
    expect(evidence('denyusers')).toContain(`DenyUsers root@${lab.clientIp} at /etc/ssh/sshd_config:1 matches root from ${lab.clientIp}`);
  });

  it('host_down: nothing answers on any path', () => {
    const h = doc.hosts.gone;
    expect(first('gone')).toBe('host_down');
    expect(h.unreachable).toBe(true);
    expect(['tcp_unreachable', 'tcp_timeout']).toContain(h.vantage.outcome);
  });

  it('healthy: the login got through, with the evidence', () => {
    expect(doc.hosts.healthy.causes).toHaveLength(1);
    expect(first('healthy')).toBe('healthy');
    expect(evidence('healthy')).toContain('the login got through');
    expect(evidence('healthy')).toContain('sshd -t: the configuration is valid');
  });

  it('changed nothing on any host', async () => {
    expect(await state()).toEqual(before);
  });

  it('text output: the verdict, evidence indented, the fix; --limit and --client-ip', async () => {
    const r = await diagnose({ inventory, knownHosts: [lab.knownHostsFile], limit: 'deny:healthy', clientIp: lab.clientIp });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^deny \(\S+:22\): tcp_wrappers\n {2}client /m);
    expect(r.stdout).toMatch(/^ {7}\/etc\/hosts\.deny:\d+: sshd: /m);
    expect(r.stdout).toContain(`     fix: ${unblockFix('deny')}`);
    expect(r.stdout).toMatch(/^healthy \(\S+:22\): healthy$/m);
    expect(r.stdout).not.toMatch(/^maxstartups/m);
    // Behind NAT the server sees another address: --client-ip is what the evidence is read for.
    const nat = await diagnose({ inventory, knownHosts: [lab.knownHostsFile], limit: 'healthy', clientIp: '203.0.113.9', json: true });
    const h = JSON.parse(nat.stdout).hosts.healthy;
    expect(h.clientIp).toBe('203.0.113.9');
    expect(h.causes[0].evidence.join('\n')).toContain('no rule refuses 203.0.113.9');
  });

  it('is wired into the CLI as `remedy diagnose`', async () => {
    const r = await runCli(['diagnose', '-i', inventory, '--known-hosts', lab.knownHostsFile, '-l', 'deny,healthy', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d.hosts.deny.causes[0].id).toBe('tcp_wrappers');
    expect(d.hosts.healthy.causes[0].id).toBe('healthy');
    expect((await runCli(['diagnose', '-i', inventory, '--client-ip', 'not-an-ip'])).code).toBe(5);
  });

  it('the printed fix runs as printed (under --check: it finds the inventory, reaches the host, changes nothing)', async () => {
    const [cmd, ...args] = splitArgs(doc.hosts.deny.causes[0].fix);
    expect(cmd).toBe('remedy');
    const r = await runCli([...args, '--check']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^deny +: ok=\d+ +changed=[1-9]/m);
    expect(r.stdout).not.toMatch(/UNREACHABLE/);
  });
});

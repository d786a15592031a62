// A fleet behind one bastion costs the bastion one login: 40 locked-out targets reachable only
// through a jump host that keeps OpenSSH's default MaxStartups 10:30:100, fixed with
// `--forks 40`, every target riding a channel of one shared connection. Killing that
// connection mid-run makes the targets still to come reconnect (one more login) and the ones
// in flight fail clearly; the run never hangs.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labKinds } from '../lab/kinds.js';
import { labAvailable, startLab, type Lab, type LabHost } from '../lab/lab.js';
import { runCli, json } from './run-cli.js';

// 40 targets on both kinds: 41 booted containers are up in ~45 s here (once the lab raises the
// inotify limit they exhaust at ~20), and the suite takes under 2 min on 2 cores.
const TARGETS = 40;
// The kill test keeps a quarter of them in flight, so most come after the kill and reconnect.
const KILL_FORKS = 10;

describe.skipIf(!labAvailable()).each(labKinds())('one shared jump connection for a fleet ($name)', (kind) => {
  let lab: Lab;
  let jump: LabHost;
  let targets: LabHost[];
  let tmp: string;
  let inv: string;

  /** Logins on the jump host so far, by its own sshd log (nobody but remedy logs in to it here). */
  const jumpLogins = async (): Promise<number> =>
    (await lab.sshdLog(jump)).split('\n').filter((l) => l.includes('Accepted publickey for root from ')).length;

  beforeAll(async () => {
    lab = await startLab({ hosts: TARGETS + 1, prefix: 'remedy-jumps', ...kind });
    [jump, ...targets] = lab.hosts as [LabHost, ...LabHost[]];
    tmp = mkdtempSync(join(tmpdir(), 'remedy-jumps-'));
    inv = join(tmp, 'inventory.yml');
    // The targets refuse the client; only the jump host (reached from the management address) gets in.
    const hosts = targets.map((t) => `        ${t.name}: { ansible_host: ${t.ip} }`).join('\n');
    writeFileSync(inv, [
      'all:',
      '  vars:',
      '    ansible_user: root',
      `    ansible_ssh_private_key_file: ${lab.keyFile}`,
      '  children:',
      '    jumps:',
      '      hosts:',
      `        ${jump.name}: { ansible_host: ${jump.ip} }`,
      '    targets:',
      '      vars:',
      `        remedy_paths: [direct, { via: ${jump.name} }]`,
      '      hosts:',
      hosts,
      '',
    ].join('\n'));
    for (const t of targets) await lab.denyClient(t);
    const cfg = await lab.exec(jump, 'sshd -T | grep -i ^maxstartups');
    expect(cfg.stdout.trim()).toBe('maxstartups 10:30:100');
  });
  afterAll(async () => {
    await lab?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const common = () => ['-i', inv, '--known-hosts', lab.knownHostsFile, '-l', 'targets', '--json', '-T', '15'];

  it(`unblock.yml with --forks ${TARGETS}: all fixed and verified, one login on the jump host`, async () => {
    expect((await lab.sshLogin(targets[0]!, { from: 'client' })).ok).toBe(false);
    const before = await jumpLogins();
    const run = await runCli(['apply', 'playbooks/unblock.yml', ...common(), '--forks', String(TARGETS)]);
    const doc = json(run);
    expect(run.code, run.stderr + JSON.stringify(doc.recap).slice(0, 3000)).toBe(0);
    expect(await jumpLogins()).toBe(before + 1);
    expect(doc.jump_chains).toEqual([{ chain: `root@${jump.ip}:22`, logins: 1, channels: expect.any(Number) }]);
    // Every target's own login rode the one connection (plus its fresh-login check after the fix).
    expect(doc.jump_chains[0].channels).toBeGreaterThanOrEqual(TARGETS);
    for (const t of targets) {
      const host = doc.recap[t.name];
      expect(host.status, t.name).toBe('changed');
      expect(host.path, t.name).toBe(`via ${jump.name}`);
      // stats.connections counts the target's own logins; the shared jump is in jump_chains.
      expect(host.stats.connections, t.name).toBeGreaterThanOrEqual(1);
    }
    for (const t of targets) {
      const login = await lab.sshLogin(t, { from: 'client' });
      expect(login.ok, `${t.name}: ${login.stderr}`).toBe(true);
    }
  }, 300_000);

  it('a killed shared connection is reopened once; hosts in flight fail clearly, the rest finish; no hang', async () => {
    const pb = join(tmp, 'slow.yml');
    writeFileSync(pb, '- hosts: all\n  gather_facts: false\n  tasks:\n    - shell: sleep 2\n      changed_when: false\n');
    for (const t of targets) await lab.denyClient(t); // locked out again: only the jump host gets in
    const before = await jumpLogins();
    const started = Date.now();
    const running = runCli(['apply', pb, ...common(), '--forks', String(KILL_FORKS)]);
    // The jump host's per-connection sshd processes ("sshd: root [priv]", "sshd: root@notty";
    // OpenSSH 10: "sshd-session: root ..."): remedy's shared connection, its only SSH client.
    const serving = async (): Promise<string[]> => {
      const r = await lab.exec(jump, `pgrep -f '^sshd(-session)?: root' || true`);
      return r.stdout.split('\n').filter(Boolean);
    };
    // Kill once a first host is in its `sleep` (logged in over the shared connection, the task
    // running): a kill during the targets' own logins is only a reach retry, with nothing lost.
    const sleeping = async (): Promise<boolean> => {
      const r = await Promise.all(targets.slice(0, KILL_FORKS).map((t) => lab.exec(t, 'pgrep -x sleep')));
      return r.some((x) => x.code === 0);
    };
    await expect.poll(sleeping, { timeout: 60_000, interval: 100 }).toBe(true);
    const pids = await serving();
    expect(pids.length).toBeGreaterThan(0);
    await lab.exec(jump, `kill -9 ${pids.join(' ')}`);
    const run = await running;
    const ms = Date.now() - started;
    const doc = json(run);
    const statuses = targets.map((t) => [t.name, doc.recap[t.name].status as string, doc.plays[0].hosts[t.name].msg as string | null] as const);
    const ok = statuses.filter(([, s]) => s === 'ok');
    const lost = statuses.filter(([, s]) => s !== 'ok');
    // Those riding the killed connection say so; every one after it finished over the new one.
    for (const [name, , msg] of lost) expect(msg, name).toMatch(/lost|closed|not connected|reset/i);
    expect(lost.length).toBeGreaterThan(0); // the kill came while hosts were in flight
    expect(lost.length).toBeLessThanOrEqual(KILL_FORKS);
    expect(ok.length).toBeGreaterThanOrEqual(TARGETS - KILL_FORKS);
    expect(await jumpLogins()).toBe(before + 2);
    expect(doc.jump_chains[0].logins).toBe(2);
    expect(ms).toBeLessThan(120_000);
  }, 180_000);
});

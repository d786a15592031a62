// The dead-man guard at fleet scale (issue 11): it never fires while the controller is alive and
// holds the host, it fires soon after the controller dies, every step is bounded by
// --task-timeout, and the journal names every host before anything may change it.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labKinds } from '../lab/kinds.js';
import { labAvailable, startLab, type Lab, type LabHost } from '../lab/lab.js';
import { runCli, json } from './run-cli.js';

const FILES = ['/etc/hosts.deny', '/etc/hosts.allow', '/etc/ssh/sshd_config', '/etc/ssh/sshd_config.d/70-remedy-test.conf'];
const tmp = mkdtempSync(join(tmpdir(), 'remedy-deadman-'));
const playbook = (name: string, text: string) => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};
const until = async (what: string, fn: () => Promise<boolean>, ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
};
const guardsLeft = async (lab: Lab, h: LabHost) => (await lab.exec(h, "pgrep -f 'runs/.*/[g]uard.sh' || true")).stdout.trim();

describe.skipIf(!labAvailable()).each(labKinds())('the dead-man guard on real sshd hosts ($name)', (kind) => {
  let lab: Lab;
  let common: string[];
  const env = () => ({ XDG_STATE_HOME: join(tmp, 'state') });

  beforeAll(async () => {
    lab = await startLab({ hosts: 3, prefix: 'remedy-guard', ...kind });
    common = ['-i', lab.inventoryFile, '--known-hosts', lab.knownHostsFile];
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('a first play that outlasts --confirm-timeout rolls back no host: every host verified, exit 0, no guard left', async () => {
    // --forks 1: the third host starts its play long after the first one's guard was armed.
    const pb = playbook('long-play.yml', `- hosts: all
  tasks:
    - sshd_config: { set: { LoginGraceTime: "100" } }
      notify: restart sshd
    - command: sleep 4
  handlers:
    - name: restart sshd
      service: { state: restarted }
- hosts: all
  gather_facts: false
  tasks:
    - verify_ssh: { over: direct }
`);
    const started = Date.now();
    const run = await runCli(['apply', pb, ...common, '--forks', '1', '--confirm-timeout', '6', '--json'], env());
    expect(run.code, run.stdout.slice(0, 4000)).toBe(0);
    expect(Date.now() - started).toBeGreaterThan(12_000); // the play really outlasted the timeout
    const doc = json(run);
    for (const h of lab.hosts) {
      expect(doc.recap[h.name]).toMatchObject({ status: 'changed', failed: 0, rescued: 0, rolled_back: null });
      expect((await lab.exec(h, "sshd -T | grep -i '^logingracetime '")).stdout.trim()).toBe('logingracetime 100');
      const log = (await lab.exec(h, `cat /var/lib/remedy/runs/${doc.run_id}/${h.name}/log`)).stdout;
      expect(log).not.toMatch(/lease expired|rolled back/);
      expect(log).toMatch(/checkpoint after play/);
      expect(await guardsLeft(lab, h)).toBe('');
    }
  }, 180_000);

  it('a hung check with --task-timeout 10: the host fails in about that time and is restored, sshd answers, the others finish', async () => {
    const [bad, good] = lab.hosts as [LabHost, LabHost];
    // sshd -t -f on a FIFO blocks in open(2) until a writer comes: a check that hangs.
    await lab.exec(bad, 'rm -f /tmp/hang.conf; mkfifo /tmp/hang.conf');
    await lab.exec(good, 'rm -f /tmp/hang.conf; cp /etc/ssh/sshd_config /tmp/hang.conf');
    const pb = playbook('hung.yml', `- hosts: ${bad.name},${good.name}
  tasks:
    - lineinfile: { path: /etc/hosts.deny, line: "# one" }
    - lineinfile: { path: /etc/hosts.deny, line: "# two" }
    - lineinfile: { path: /etc/hosts.allow, line: "# three" }
    - lineinfile: { path: /etc/hosts.allow, line: "# four" }
    - sshd_validate: { path: /tmp/hang.conf }
`);
    const before = await lab.fileState(bad, FILES);
    const run = await runCli(['apply', pb, ...common, '--task-timeout', '10', '--json'], env());
    expect(run.code, run.stdout.slice(0, 4000)).toBe(2);
    const doc = json(run);
    const host = doc.plays[0].hosts[bad.name];
    expect(host.status).toBe('failed');
    expect(host.msg).toMatch(/timed out after 10 s/);
    expect(host.msg).toMatch(/rolled back/);
    // The batch held 5 steps: bounded per step, not by their sum (50 s).
    expect(host.stats.ms).toBeLessThan(25_000);
    expect(await lab.fileState(bad, FILES)).toEqual(before);
    expect((await lab.sshLogin(bad, { from: 'mgmt' })).ok).toBe(true);
    expect(doc.recap[good.name]).toMatchObject({ status: 'changed', failed: 0 });
    expect((await lab.exec(bad, 'pgrep -f "[s]shd -t -f /tmp/hang.conf" || true')).stdout.trim()).toBe('');
    await lab.exec(bad, 'rm -f /tmp/hang.conf');
  }, 120_000);

  it('SIGKILL after the first write and before the restart: the guard restores the host in time; runs and rollback know it', async () => {
    const h = lab.hosts[2]!;
    const before = await lab.fileState(h, FILES);
    // The drop-in's validator holds the batch after hosts.deny was already rewritten.
    const pb = playbook('kill.yml', `- hosts: ${h.name}
  tasks:
    - lineinfile: { path: /etc/hosts.deny, line: "# written before the kill" }
    - copy:
        dest: /etc/ssh/sshd_config.d/70-remedy-test.conf
        content: "MaxStartups 20:30:100\\n"
        validate: "sleep 12; true %s"
      notify: restart sshd
  handlers:
    - name: restart sshd
      service: { state: restarted }
`);
    const child = spawn(process.execPath, ['dist/src/cli.js', 'apply', pb, ...common, '--confirm-timeout', '6'], {
      env: { ...process.env, ...env(), NO_COLOR: '1' }, stdio: 'ignore',
    });
    let killedAt = 0;
    try {
      await until('hosts.deny rewritten', async () => (await lab.exec(h, 'grep -c "written before the kill" /etc/hosts.deny || true')).stdout.trim() === '1', 60_000);
      child.kill('SIGKILL');
      killedAt = Date.now();
    } finally {
      child.kill('SIGKILL');
    }
    await until('the guard to restore hosts.deny', async () => (await lab.fileState(h, FILES))['/etc/hosts.deny']?.sha256 === before['/etc/hosts.deny']?.sha256, 30_000);
    // Within the lease (6 s) plus a few seconds.
    expect(Date.now() - killedAt).toBeLessThan(6_000 + 5_000);
    // The orphaned validator ends later: its write must never land after the rollback.
    await new Promise((r) => setTimeout(r, Math.max(0, killedAt + 14_000 - Date.now())));
    expect(await lab.fileState(h, FILES)).toEqual(before);
    expect(await guardsLeft(lab, h)).toBe('');
    const runs = await runCli(['runs'], env());
    const line = runs.stdout.split('\n').find((l) => l.includes('kill.yml'))!;
    expect(line, runs.stdout).toMatch(/\(unfinished\).* 1 host\(s\) changed/);
    expect(line).toContain(h.name);
    const runId = line.split(/\s+/)[0]!;
    const back = await runCli(['rollback', runId, ...common, '--json'], env());
    expect(back.code, back.stdout.slice(0, 3000)).toBe(0);
    expect(Object.keys(json(back).recap)).toEqual([h.name]);
    expect(await lab.fileState(h, FILES)).toEqual(before);
  }, 180_000);
});

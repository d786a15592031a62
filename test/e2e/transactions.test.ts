// A run leaves a host verified-better or exactly as it was: bytes, modes, owners and a running
// sshd. Each scenario compares the sha256, mode and owner of every touched file before and after
// and checks that sshd answers a new login.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labKinds } from '../lab/kinds.js';
import { labAvailable, startLab, type Lab, type LabHost } from '../lab/lab.js';
import { runCli, json } from './run-cli.js';

const FILES = ['/etc/hosts.deny', '/etc/hosts.allow', '/etc/ssh/sshd_config'];
const tmp = mkdtempSync(join(tmpdir(), 'remedy-tx-'));
const playbook = (name: string, text: string) => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};
const sshdPid = async (lab: Lab, h: LabHost) => (await lab.exec(h, 'cat /run/sshd.pid')).stdout.trim();
const effective = async (lab: Lab, h: LabHost, key: string) => (await lab.exec(h, `sshd -T | grep -i '^${key} '`)).stdout.trim();
const until = async (what: string, fn: () => Promise<boolean>, ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe.skipIf(!labAvailable()).each(labKinds())('transactions on real sshd hosts ($name)', (kind) => {
  let lab: Lab;
  let common: string[];
  const env = () => ({ XDG_STATE_HOME: join(tmp, 'state') });

  beforeAll(async () => {
    lab = await startLab({ hosts: 3, prefix: 'remedy-tx', ...kind });
    common = ['-i', lab.inventoryFile, '--known-hosts', lab.knownHostsFile];
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('a change that fails sshd -t: nothing restarted, files identical, host failed, others succeed', async () => {
    const [bad, good] = lab.hosts as [LabHost, LabHost];
    const pb = playbook('invalid.yml', `- hosts: ${bad.name},${good.name}
  tasks:
    - name: an edit that is fine on its own
      lineinfile: { path: /etc/hosts.deny, line: "# remedy transaction test" }
    - name: a value sshd rejects, only on one host
      sshd_config:
        set: { LoginGraceTime: "{{ 'banana' if inventory_hostname == '${bad.name}' else '90' }}" }
      notify: restart sshd
  handlers:
    - name: restart sshd
      service: { state: restarted }
`);
    const before = await lab.fileState(bad, FILES);
    const pid = await sshdPid(lab, bad);
    const run = await runCli(['apply', pb, ...common, '--json'], env());
    expect(run.code, run.stderr).toBe(2);
    const doc = json(run);
    expect(doc.recap[bad.name]).toMatchObject({ status: 'failed', failed: 1, rescued: 1 });
    expect(doc.plays[0].hosts[bad.name].msg).toMatch(/validation .* failed.*rolled back/s);
    expect(doc.recap[good.name]).toMatchObject({ status: 'changed', failed: 0 });
    expect(await lab.fileState(bad, FILES)).toEqual(before);
    expect(await sshdPid(lab, bad)).toBe(pid);
    expect((await lab.sshLogin(bad, { from: 'mgmt' })).ok).toBe(true);
  });

  it('a change that passes sshd -t but cuts the path is detected, restored, restarted, reachable again', async () => {
    const h = lab.hosts[2]!;
    const pb = playbook('port.yml', `- hosts: ${h.name}
  tasks:
    - name: a drop-in moving sshd to a port the working path does not use (valid for sshd -t)
      copy: { dest: /etc/ssh/sshd_config.d/90-port.conf, content: "Port 2222\\n" }
      notify: restart sshd
  handlers:
    - name: restart sshd
      service: { state: restarted }
`);
    const files = [...FILES, '/etc/ssh/sshd_config.d/90-port.conf'];
    const before = await lab.fileState(h, files);
    expect(before['/etc/ssh/sshd_config.d/90-port.conf']).toBeNull();
    const run = await runCli(['apply', pb, ...common, '--json'], env());
    expect(run.code, run.stdout.slice(0, 3000)).toBe(2);
    const host = json(run).plays[0].hosts[h.name];
    expect(host.msg).toMatch(/new connection over the working path .* failed/);
    expect(host.msg).toMatch(/the old state answers a new login again/);
    expect(host.recap.rescued).toBe(1);
    expect(await lab.fileState(h, files)).toEqual(before);
    expect(await effective(lab, h, 'port')).toBe('port 22');
    expect((await lab.sshLogin(h, { from: 'mgmt' })).ok).toBe(true);
  });

  it('a controller killed after the restart and before confirming: the host restores itself in time', async () => {
    const h = lab.hosts[1]!;
    const pb = playbook('slow.yml', `- hosts: ${h.name}
  tasks:
    - sshd_config: { set: { MaxStartups: "20:30:100" } }
      notify: restart sshd
    # The restart now, then a task that outlasts the kill: the play is not confirmed yet.
    - meta: flush_handlers
    - command: sleep 60
  handlers:
    - name: restart sshd
      service: { state: restarted }
`);
    const before = await lab.fileState(h, FILES);
    const original = await effective(lab, h, 'maxstartups');
    // The timer must outlast the restart and its check even on a loaded machine, and fire soon after the kill.
    const child = spawn(process.execPath, ['dist/src/cli.js', 'apply', pb, ...common, '--confirm-timeout', '15'], {
      env: { ...process.env, ...env(), NO_COLOR: '1' }, stdio: 'ignore',
    });
    try {
      await until('the restart with the new value', async () => (await effective(lab, h, 'maxstartups')) === 'maxstartups 20:30:100', 60_000);
      child.kill('SIGKILL');
      await until('the host to roll itself back', async () => (await lab.fileState(h, FILES))['/etc/ssh/sshd_config']?.sha256 === before['/etc/ssh/sshd_config']?.sha256, 60_000);
      await until('the old configuration on disk', async () => (await effective(lab, h, 'maxstartups')) === original, 15_000);
    } finally {
      child.kill('SIGKILL');
    }
    expect(await lab.fileState(h, FILES)).toEqual(before);
    // The timer restarted sshd: a new login gets in once it listens again.
    await until('a new login after the timer restarted sshd', async () => (await lab.sshLogin(h, { from: 'mgmt' })).ok, 20_000);
    expect((await lab.exec(h, `cat /var/lib/remedy/runs/*/${h.name}/log`)).stdout).toMatch(/lease expired .*: the controller did not renew it; rolling back/);
  }, 240_000);

  it('remedy rollback of a successful run brings back the original bytes; a second rollback changes nothing', async () => {
    const h = lab.hosts[0]!;
    await lab.denyClient(h);
    await lab.setSshdOption(h, 'MaxStartups 4:30:8');
    await lab.firewallReject(h);
    const rejects = async () => (await lab.firewallRules(h)).split('\n').filter((l) => l.includes(lab.clientIp) && /reject|drop/i.test(l));
    const rulesBefore = await rejects();
    expect(rulesBefore.length).toBeGreaterThan(0);
    const before = await lab.fileState(h, FILES);
    const apply = await runCli(['apply', 'playbooks/unblock.yml', ...common, '-l', h.name, '--json'], env());
    expect(apply.code, apply.stderr).toBe(0);
    const runId = json(apply).run_id as string;
    expect(runId).toMatch(/^\d{8}T\d{6}-[0-9a-f]{6}$/);
    expect((await lab.fileState(h, FILES))['/etc/hosts.deny']).not.toEqual(before['/etc/hosts.deny']);
    expect(await rejects()).toEqual([]);
    expect((await runCli(['runs'], env())).stdout).toContain(runId);

    const plan = await runCli(['rollback', runId, ...common, '--check'], env());
    expect(plan.code, plan.stdout).toBe(0);
    expect(await lab.fileState(h, FILES)).not.toEqual(before);
    const back = await runCli(['rollback', runId, ...common, '--json'], env());
    expect(back.code, back.stdout.slice(0, 3000)).toBe(0);
    expect(await lab.fileState(h, FILES)).toEqual(before);
    expect(await effective(lab, h, 'maxstartups')).toBe('maxstartups 4:30:8');
    // The firewall rule the run removed is back (the recorded undo replayed), once.
    expect(await rejects()).toEqual(rulesBefore);
    const again = await runCli(['rollback', runId, ...common, '--json'], env());
    expect(again.code).toBe(0);
    expect(json(again).recap[h.name].changed).toBe(0);
    expect(await rejects()).toEqual(rulesBefore);
  });
});

describe.skipIf(!labAvailable()).each(labKinds())('interruptions on real sshd hosts ($name)', (kind) => {
  let lab: Lab;
  let common: string[];
  const env = { XDG_STATE_HOME: join(tmp, 'state2') };

  beforeAll(async () => {
    lab = await startLab({ hosts: 3, prefix: 'remedy-int', ...kind });
    common = ['-i', lab.inventoryFile, '--known-hosts', lab.knownHostsFile];
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('the control connection cut in the middle of a write leaves no half-written file; a rerun converges', async () => {
    const h = lab.hosts[0]!;
    const target = '/etc/hosts.allow';
    const before = (await lab.fileState(h, [target]))[target]!;
    // The validator holds the candidate between "written to a temp file" and the rename.
    const pb = playbook('cut.yml', `- hosts: ${h.name}
  tasks:
    - lineinfile: { path: ${target}, line: "sshd: 192.0.2.1", validate: "sleep 3; grep -q 192.0.2.1 %s" }
`);
    const running = runCli(['apply', pb, ...common, '--json'], env);
    await until('the candidate temp file', async () => (await lab.exec(h, 'ls /etc/.remedy.* 2>/dev/null')).stdout.trim() !== '', 15_000);
    // The session's process: `sshd: root@notty` (OpenSSH < 9.8), `sshd-session: root@notty` (>= 9.8).
    await lab.exec(h, "pkill -f 'sshd(-session)?: root@notty' || true");
    const cut = await running;
    expect(cut.code).not.toBe(0);
    // Whatever the moment of the cut: the target holds the old or the new bytes, never a part.
    await new Promise((r) => setTimeout(r, 4000));
    const after = (await lab.fileState(h, [target]))[target]!;
    const content = (await lab.exec(h, `cat ${target}`)).stdout;
    if (after.sha256 !== before.sha256) expect(content).toMatch(/^sshd: 192\.0\.2\.1$/m);
    expect(after.mode).toBe(before.mode);
    expect((await lab.exec(h, 'ls -a /etc | grep -c "^\\.remedy\\." || true')).stdout.trim()).toBe('0');
    const rerun = await runCli(['apply', pb, ...common], env);
    expect(rerun.code, rerun.stdout).toBe(0);
    const third = await runCli(['apply', pb, ...common, '--json'], env);
    expect(json(third).recap[h.name].changed).toBe(0);
  });

  it('SIGINT during a fleet run: hosts stop before their next task and roll back, a recap is printed, exit non-zero', async () => {
    const before = Object.fromEntries(await Promise.all(lab.hosts.map(async (h) => [h.name, await lab.fileState(h, FILES)] as const)));
    const pb = playbook('slow-fleet.yml', `- hosts: all
  tasks:
    - lineinfile: { path: /etc/hosts.deny, line: "# first change" }
    - command: sleep 3
    - lineinfile: { path: /etc/hosts.deny, line: "# never reached" }
`);
    const child = spawn(process.execPath, ['dist/src/cli.js', 'apply', pb, ...common], {
      env: { ...process.env, ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    await until('every host to make its first change', async () => (out.match(/changed \| lineinfile/g) ?? []).length === lab.hosts.length, 30_000);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(130);
    expect(out).toMatch(/PLAY RECAP/);
    for (const h of lab.hosts) {
      expect(out).toMatch(new RegExp(`${h.name}\\s+: .*failed=1 .*rescued=1`));
      expect(await lab.fileState(h, FILES)).toEqual(before[h.name]);
    }
  });
});

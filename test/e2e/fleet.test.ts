// Fleet behaviour against real sshd hosts: a host that hangs (a frozen sshd, a command that never
// ends) fails alone and quickly, and rolling batches stop at the failure budget so the later
// batches (and later plays) never start on the hosts they hold back.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labKinds } from '../lab/kinds.js';
import { labAvailable, startLab, type Lab, type LabHost } from '../lab/lab.js';
import { runCli, json } from './run-cli.js';

const MARKER = '/tmp/remedy-fleet-marker';

describe.skipIf(!labAvailable()).each(labKinds())('fleet on real sshd hosts ($name)', (kind) => {
  let lab: Lab;
  let common: string[];
  const tmp = mkdtempSync(join(tmpdir(), 'remedy-fleet-'));
  const playbook = (name: string, text: string) => {
    const p = join(tmp, name);
    writeFileSync(p, text);
    return p;
  };
  const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
    const t0 = Date.now();
    const r = await fn();
    return [r, Date.now() - t0];
  };

  beforeAll(async () => {
    lab = await startLab({ hosts: 4, prefix: 'remedy-fleet', ...kind });
    common = ['-i', lab.inventoryFile, '--known-hosts', lab.knownHostsFile];
  });
  afterAll(async () => {
    await lab?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('a host whose sshd hangs before the banner is unreachable within -T; the others complete', async () => {
    const hung = lab.host('h2');
    const pb = playbook('ping.yml', `- hosts: all\n  gather_facts: false\n  tasks:\n    - name: ping\n      command: /bin/true\n      changed_when: false\n`);
    // The listening socket stays in the kernel: TCP connects complete in its backlog, and no
    // banner ever comes.
    const pid = (await lab.exec(hung, 'cat /run/sshd.pid')).stdout.trim();
    expect(pid).toMatch(/^\d+$/);
    expect((await lab.exec(hung, `kill -STOP ${pid}`)).code).toBe(0);
    let run: Awaited<ReturnType<typeof runCli>>;
    let ms: number;
    try {
      [run, ms] = await timed(() => runCli(['apply', pb, ...common, '-l', 'h1:h2:h3', '-T', '2', '--json']));
    } finally {
      await lab.exec(hung, `kill -CONT ${pid}`);
    }
    expect(run.code, run.stdout + run.stderr).toBe(3); // README: a host was unreachable and none failed
    const doc = json(run);
    expect(doc.exit_code).toBe(3);
    expect(doc.outcome).toBe('unreachable');
    const hosts = doc.plays[0].hosts;
    expect(Object.keys(hosts).sort()).toEqual(['h1', 'h2', 'h3']);
    expect(hosts.h2.status).toBe('unreachable');
    expect(hosts.h2.tasks).toEqual([]);
    expect(hosts.h2.msg).toMatch(/^unreachable on every path \(bind [\d.]+: timeout: .*timed out.*\)$/);
    expect(hosts.h2.attempts.length).toBeGreaterThan(0);
    for (const a of hosts.h2.attempts) expect([a.ok, a.phase]).toEqual([false, 'timeout']);
    for (const h of ['h1', 'h3']) {
      expect(hosts[h].status).toBe('ok');
      expect(hosts[h].tasks.map((t: any) => t.status)).toEqual(['ok']);
    }
    expect(doc.recap.h2).toMatchObject({ unreachable: 1, ok: 0 });
    // README: "-T bounds each connection attempt". With -T 2 the wait for the banner ends after
    // ~2 s, far from the 20 s defaults (generous bounds: the CI machine is small and shared).
    const slowest = Math.max(...hosts.h2.attempts.map((a: any) => a.max_ms));
    expect(slowest, `an attempt on the hung host took ${slowest} ms with -T 2: ${hosts.h2.msg}`).toBeLessThan(10_000);
    expect(ms).toBeLessThan(15_000);
    // Thawed, it answers again.
    expect((await lab.sshLogin(hung, { from: 'mgmt' })).ok).toBe(true);
  });

  it('a command that hangs on one host fails that host at --task-timeout; the others go on', async () => {
    const pb = playbook('hang.yml', `- hosts: all
  gather_facts: false
  tasks:
    - name: hang on h2
      command: sleep 60
      when: inventory_hostname == 'h2'
    - name: after
      command: /bin/true
      changed_when: false
`);
    const [run, ms] = await timed(() => runCli(['apply', pb, ...common, '-l', 'h1:h2:h3', '--task-timeout', '2', '--json']));
    expect(run.code, run.stderr).toBe(2); // README: a host failed
    const doc = json(run);
    const hosts = doc.plays[0].hosts;
    expect(hosts.h2.status).toBe('failed');
    expect(hosts.h2.msg).toMatch(/^hang on h2: .*timed out after 2000 ms/);
    expect(hosts.h2.tasks.map((t: any) => [t.task, t.status])).toEqual([['hang on h2', 'failed']]);
    for (const h of ['h1', 'h3']) {
      expect(hosts[h].status).toBe('ok');
      expect(hosts[h].tasks.map((t: any) => [t.task, t.status])).toEqual([['hang on h2', 'skipped'], ['after', 'ok']]);
    }
    expect(ms).toBeLessThan(15_000); // the command alone would take 60 s
    // README: the command that timed out is killed on the host (sshd signals its process group
    // before the channel closes), not left sleeping. The host has a PID namespace of its own.
    const left = async () => (await lab.exec('h2', "pgrep -fx 'sleep 60' || true")).stdout.trim();
    const deadline = Date.now() + 3_000;
    while ((await left()) !== '' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await left(), 'sleep 60 still runs on h2 after --task-timeout 2').toBe('');
  });

  it('rolling batches: a failing canary with max_fail_percentage 0 stops the play; later batches never start', async () => {
    const hosts = lab.hosts.map((h: LabHost) => h.name);
    expect(hosts).toEqual(['h1', 'h2', 'h3', 'h4']);
    await Promise.all(lab.hosts.map((h) => lab.exec(h, `rm -f ${MARKER}`)));
    const pb = playbook('canary.yml', `- name: rolling
  hosts: all
  gather_facts: false
  serial: [1, "50%"]
  max_fail_percentage: 0
  tasks:
    - name: mark
      command: touch ${MARKER}
      changed_when: false
    - name: canary check
      command: /bin/false
      when: inventory_hostname == 'h1'
`);
    const [run, ms] = await timed(() => runCli(['apply', pb, ...common, '--json']));
    expect(run.code, run.stdout + run.stderr).toBe(2); // README: a host failed
    const doc = json(run);
    expect(doc.exit_code).toBe(2);
    expect(doc.outcome).toBe('failed');
    const play = doc.plays[0];
    expect(Object.keys(play.hosts)).toEqual(['h1']);
    expect(play.hosts.h1.status).toBe('failed');
    expect(play.hosts.h1.msg).toMatch(/^canary check: non-zero return code 1/);
    expect(play.not_run).toEqual(['h2', 'h3', 'h4']);
    expect(play.stopped).toBe('max_fail_percentage 0% exceeded: 1 of 1 hosts in the batch failed');
    expect(Object.keys(doc.recap)).toEqual(['h1']);
    // Nothing ran on the hosts of the later batches: the marker exists on the canary only.
    const marked = await Promise.all(lab.hosts.map(async (h) => (await lab.exec(h, `test -e ${MARKER}`)).code === 0));
    expect(marked).toEqual([true, false, false, false]);

    // The text report: recap for the canary only, and the stop with the hosts not started.
    const text = await runCli(['apply', pb, ...common]);
    expect(text.code, text.stderr).toBe(2);
    const recap = text.stdout.slice(text.stdout.indexOf('PLAY RECAP'));
    expect(recap).toMatch(/^h1\s+: ok=1\s+changed=0\s+unreachable=0\s+failed=1\s+skipped=0/m);
    expect(recap).not.toMatch(/^h[234]\s+:/m);
    expect(recap).toMatch(/^play 'rolling' stopped: max_fail_percentage 0% exceeded: 1 of 1 hosts in the batch failed; not started: h2, h3, h4$/m);
    expect(text.stdout).toMatch(/^NOTICE: play 'rolling' stopped: .*not started: h2, h3, h4$/m);
    expect(text.stdout).not.toMatch(/^h[234] \| /m);
    expect(ms).toBeLessThan(15_000);
  });

  it('rolling batches: the canary passes, a failure in the second batch stops the third', async () => {
    const pb = playbook('second-batch.yml', `- name: rolling
  hosts: all
  gather_facts: false
  serial: [1, "50%"]
  max_fail_percentage: 49
  tasks:
    - name: fails on h3
      command: /bin/false
      when: inventory_hostname == 'h3'
`);
    const run = await runCli(['apply', pb, ...common, '--json']);
    expect(run.code, run.stderr).toBe(2);
    const play = json(run).plays[0];
    // Batches of 1, 2 (50% of 4) and 1: h1 | h2 h3 | h4.
    expect(Object.keys(play.hosts).sort()).toEqual(['h1', 'h2', 'h3']);
    expect([play.hosts.h1.status, play.hosts.h2.status, play.hosts.h3.status]).toEqual(['ok', 'ok', 'failed']);
    expect(play.not_run).toEqual(['h4']);
    expect(play.stopped).toBe('max_fail_percentage 49% exceeded: 1 of 2 hosts in the batch failed');
  });

  it('a play stopped by its failure budget ends the run: hosts it never started take no part in later plays', async () => {
    const pb = playbook('two-plays.yml', `- name: rolling
  hosts: all
  gather_facts: false
  serial: 1
  max_fail_percentage: 0
  tasks:
    - name: canary check
      command: /bin/false
      when: inventory_hostname == 'h1'
- name: verify
  hosts: all
  gather_facts: false
  tasks:
    - name: after the fix
      command: /bin/true
      changed_when: false
`);
    const run = await runCli(['apply', pb, ...common, '--json']);
    expect(run.code, run.stderr).toBe(2);
    const doc = json(run);
    expect(doc.plays[0].not_run).toEqual(['h2', 'h3', 'h4']);
    // As in Ansible, exceeding max_fail_percentage ends the playbook: the second play would
    // otherwise run (and report ok) on hosts the first play never touched.
    for (const p of doc.plays.slice(1)) expect(Object.keys(p.hosts), `play '${p.name}'`).toEqual([]);
    expect(Object.keys(doc.recap)).toEqual(['h1']);
    // The play that never ran is reported with the hosts it would have run on.
    expect(doc.plays[1]).toMatchObject({ name: 'verify', stopped: "not run: play 'rolling' ended the playbook", not_run: ['h2', 'h3', 'h4'] });
    const text = await runCli(['apply', pb, ...common]);
    expect(text.code, text.stderr).toBe(2);
    expect(text.stdout).toMatch(/^NOTICE: the playbook ended at play 'rolling' \(max_fail_percentage 0% exceeded: .*\); not run: play 'verify' on h2, h3, h4$/m);
    expect(text.stdout).toMatch(/^play 'verify' stopped: not run: play 'rolling' ended the playbook; not started: h2, h3, h4$/m);
  });
});

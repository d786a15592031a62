// block / rescue / always on real sshd hosts: a failure the rescue handles leaves the host
// rescued (not failed) and its changes in place, as Ansible would; a rescue that fails too
// fails the host, and the transaction puts back every byte, the block's changes and the
// rescue's alike. The failing step is a write the batch carries out with the edit before it, so
// the failure is known only when the batch runs (before the rescue decides).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labKinds } from '../lab/kinds.js';
import { labAvailable, startLab, type Lab, type LabHost } from '../lab/lab.js';
import { runCli, json } from './run-cli.js';

const FILES = ['/etc/hosts.deny', '/etc/hosts.allow'];
const tmp = mkdtempSync(join(tmpdir(), 'remedy-blocks-'));

function playbook(host: string, rescue: string): string {
  const p = join(tmp, `${host}-${rescue.length}.yml`);
  writeFileSync(p, `- hosts: ${host}
  tasks:
    - name: guarded edit
      block:
        - name: edit hosts.deny
          lineinfile: { path: /etc/hosts.deny, line: "# remedy block test" }
        - name: write into a missing directory
          copy: { dest: /etc/remedy-no-such-dir/x, content: "x\\n" }
        - name: never reached
          lineinfile: { path: /etc/hosts.deny, line: "# not reached" }
      rescue:
${rescue}
      always:
        - name: always
          debug: { msg: "always ran" }
`);
  return p;
}

describe.skipIf(!labAvailable()).each(labKinds())('block / rescue / always on real sshd hosts ($name)', (kind) => {
  let lab: Lab;
  let h: LabHost;
  let common: string[];
  const env = () => ({ XDG_STATE_HOME: join(tmp, 'state') });
  const names = (doc: any) => doc.plays[0].hosts[h.name].tasks.map((t: { task: string; status: string }) => `${t.task}:${t.status}`);

  beforeAll(async () => {
    lab = await startLab({ hosts: 1, prefix: 'remedy-blk', ...kind });
    h = lab.hosts[0]!;
    common = ['-i', lab.inventoryFile, '--known-hosts', lab.knownHostsFile];
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('the rescue handles the failure: host rescued, not failed, its change kept (no rollback)', async () => {
    const before = await lab.fileState(h, FILES);
    const pb = playbook(h.name, `        - name: report
          debug: { msg: "{{ ansible_failed_task.name }} failed: {{ ansible_failed_result.msg }}" }
        - name: note it in hosts.allow
          lineinfile: { path: /etc/hosts.allow, line: "# remedy rescue ran" }
`);
    const run = await runCli(['apply', pb, ...common, '--json'], env());
    expect(run.code, run.stdout.slice(0, 3000)).toBe(0);
    const doc = json(run);
    expect(doc.recap[h.name]).toMatchObject({ status: 'changed', failed: 0, rescued: 1, ok: 4, changed: 2 });
    expect(doc.plays[0].hosts[h.name].rolled_back).toBeNull();
    expect(names(doc)).toEqual(['edit hosts.deny:changed', 'write into a missing directory:failed', 'report:ok', 'note it in hosts.allow:changed', 'always:ok']);
    expect(doc.plays[0].hosts[h.name].tasks[2].output).toMatch(/^write into a missing directory failed: writing \/etc\/remedy-no-such-dir\/x failed/);
    const deny = (await lab.exec(h, 'cat /etc/hosts.deny')).stdout;
    expect(deny).toContain('# remedy block test');
    expect(deny).not.toContain('# not reached');
    expect((await lab.exec(h, 'cat /etc/hosts.allow')).stdout).toContain('# remedy rescue ran');
    expect((await lab.sshLogin(h, { from: 'mgmt' })).ok).toBe(true);
    // Put the host back for the next case (the rollback of a confirmed run).
    expect((await runCli(['rollback', doc.run_id, ...common], env())).code).toBe(0);
    expect(await lab.fileState(h, FILES)).toEqual(before);
  });

  it('the rescue fails too: host failed, rolled back byte for byte, always still ran', async () => {
    const before = await lab.fileState(h, FILES);
    const pb = playbook(h.name, `        - name: note it in hosts.allow
          lineinfile: { path: /etc/hosts.allow, line: "# remedy rescue ran" }
        - name: the rescue fails
          copy: { dest: /etc/remedy-no-such-dir/y, content: "y\\n" }
`);
    const run = await runCli(['apply', pb, ...common, '--json'], env());
    expect(run.code, run.stdout.slice(0, 3000)).toBe(2);
    const doc = json(run);
    // rescued: the rescue section that began (Ansible's count) and the rollback (remedy's).
    expect(doc.recap[h.name]).toMatchObject({ status: 'failed', failed: 1, rescued: 2 });
    expect(doc.plays[0].hosts[h.name].rolled_back).toBe('remedy');
    expect(names(doc)).toEqual(['edit hosts.deny:changed', 'write into a missing directory:failed', 'note it in hosts.allow:changed', 'the rescue fails:failed', 'always:ok']);
    expect(await lab.fileState(h, FILES)).toEqual(before);
    expect((await lab.sshLogin(h, { from: 'mgmt' })).ok).toBe(true);
  });
});

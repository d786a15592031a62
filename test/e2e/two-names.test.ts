// Two inventory names that reach one machine (issue 11): each keeps its own run directory,
// guard and lease on the host, so neither disarms the other's guard nor leaves one behind, and
// `remedy rollback` of the run brings back the original bytes, whichever name changed them.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labKinds } from '../lab/kinds.js';
import { labAvailable, startLab, type Lab, type LabHost } from '../lab/lab.js';
import { runCli, json } from './run-cli.js';

const FILES = ['/etc/hosts.allow', '/etc/hosts.deny'];
const tmp = mkdtempSync(join(tmpdir(), 'remedy-two-names-'));

describe.skipIf(!labAvailable()).each(labKinds())('two inventory names for one real sshd host ($name)', (kind) => {
  let lab: Lab;
  let h: LabHost;
  let common: string[];
  const env = { XDG_STATE_HOME: join(tmp, 'state') };

  beforeAll(async () => {
    lab = await startLab({ hosts: 1, prefix: 'remedy-2names', ...kind });
    h = lab.hosts[0]!;
    const inventory = join(tmp, 'inventory.yml');
    writeFileSync(inventory, `all:
  vars:
    ansible_user: root
    ansible_ssh_private_key_file: ${JSON.stringify(lab.keyFile)}
    remedy_bind_address: ${JSON.stringify(lab.mgmtIp)}
  hosts:
    web:
      ansible_host: ${JSON.stringify(h.ip)}
    web-by-address:
      ansible_host: ${JSON.stringify(h.ip)}
`);
    common = ['-i', inventory, '--known-hosts', lab.knownHostsFile];
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('a run directory and a guard each, none left after the run; rollback restores the original bytes', async () => {
    const before = await lab.fileState(h, FILES);
    const pb = join(tmp, 'both.yml');
    writeFileSync(pb, `- hosts: all
  tasks:
    - lineinfile: { path: /etc/hosts.allow, line: "# changed by {{ inventory_hostname }}" }
    - lineinfile: { path: /etc/hosts.deny, line: "# changed by {{ inventory_hostname }}" }
    - command: sleep 2
`);
    const run = await runCli(['apply', pb, ...common, '--forks', '2', '--confirm-timeout', '60', '--json'], env);
    expect(run.code, run.stdout.slice(0, 3000)).toBe(0);
    const doc = json(run);
    // With one shared directory, the second guard's pid replaced the first's: one was never stopped.
    expect((await lab.exec(h, "pgrep -f 'runs/.*/[g]uard.sh' || true")).stdout.trim()).toBe('');
    expect((await lab.exec(h, 'pgrep -x sleep || true')).stdout.trim()).toBe('');
    for (const name of ['web', 'web-by-address']) {
      expect(doc.recap[name], name).toMatchObject({ status: 'changed', failed: 0, rescued: 0 });
      expect((await lab.exec(h, `cat /var/lib/remedy/runs/${doc.run_id}/${name}/log`)).stdout, name).toMatch(/confirmed|checkpoint/);
    }
    const back = await runCli(['rollback', doc.run_id, ...common, '--forks', '2', '--json'], env);
    expect(back.code, back.stdout.slice(0, 3000)).toBe(0);
    expect(await lab.fileState(h, FILES)).toEqual(before);
  }, 120_000);
});

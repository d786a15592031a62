// A drop-in whose name holds a newline (any byte but NUL and '/' may be in a name) is found by
// the Include listing, edited where sshd takes the value from, and restored by a rollback
// (issue 11, defect 7).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labKinds } from '../lab/kinds.js';
import { labAvailable, startLab, type Lab, type LabHost } from '../lab/lab.js';
import { runCli, json } from './run-cli.js';

const DROP_IN = "/etc/ssh/sshd_config.d/nl\nx 'q'.conf";
const tmp = mkdtempSync(join(tmpdir(), 'remedy-names-'));

describe.skipIf(!labAvailable()).each(labKinds())('drop-ins with odd names on a real sshd host ($name)', (kind) => {
  let lab: Lab;
  let h: LabHost;
  let common: string[];
  const env = { XDG_STATE_HOME: join(tmp, 'state') };

  beforeAll(async () => {
    lab = await startLab({ hosts: 1, prefix: 'remedy-names', ...kind });
    h = lab.hosts[0]!;
    common = ['-i', lab.inventoryFile, '--known-hosts', lab.knownHostsFile];
    await lab.writeFile(h, DROP_IN, 'LoginGraceTime 77\n', '0644');
    await lab.reloadSshd(h);
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('a drop-in named "nl\\nx \'q\'.conf" is read, edited in place and rolled back byte for byte', async () => {
    expect((await lab.exec(h, "sshd -T | grep -i '^logingracetime '")).stdout.trim()).toBe('logingracetime 77');
    const before = await lab.fileState(h, [DROP_IN, '/etc/ssh/sshd_config']);
    const pb = join(tmp, 'grace.yml');
    writeFileSync(pb, `- hosts: all
  tasks:
    - sshd_config: { set: { LoginGraceTime: "100" } }
      notify: restart sshd
  handlers:
    - name: restart sshd
      service: { state: restarted }
`);
    const run = await runCli(['apply', pb, ...common, '--json'], env);
    expect(run.code, run.stdout.slice(0, 3000)).toBe(0);
    const doc = json(run);
    expect(doc.recap[h.name]).toMatchObject({ status: 'changed', failed: 0 });
    expect((await lab.exec(h, "sshd -T | grep -i '^logingracetime '")).stdout.trim()).toBe('logingracetime 100');
    // The winning line was edited where it is, in the odd-named file; the main file untouched.
    expect((await lab.exec(h, "cat /etc/ssh/sshd_config.d/nl*x*.conf")).stdout).toBe('LoginGraceTime 100\n');
    expect((await lab.fileState(h, ['/etc/ssh/sshd_config']))['/etc/ssh/sshd_config']).toEqual(before['/etc/ssh/sshd_config']);
    const back = await runCli(['rollback', doc.run_id, ...common, '--json'], env);
    expect(back.code, back.stdout.slice(0, 3000)).toBe(0);
    expect(await lab.fileState(h, [DROP_IN, '/etc/ssh/sshd_config'])).toEqual(before);
    expect((await lab.exec(h, "sshd -T | grep -i '^logingracetime '")).stdout.trim()).toBe('logingracetime 77');
    expect((await lab.exec(h, 'ls -a /etc/ssh/sshd_config.d | grep -c "^\\.remedy\\." || true')).stdout.trim()).toBe('0');
  }, 120_000);

  it('a file whose name ends in a newline is put back by the rollback of a failed host, not a namesake', async () => {
    const path = '/etc/remedy-trail\n';
    await lab.writeFile(h, path, 'original\n', '0640');
    const before = await lab.fileState(h, [path, '/etc/remedy-trail']);
    expect(before['/etc/remedy-trail']).toBeNull();
    const pb = join(tmp, 'trail.yml');
    writeFileSync(pb, `- hosts: all
  tasks:
    - lineinfile: { path: "/etc/remedy-trail\\n", line: "added" }
    - command: /bin/false
`);
    const run = await runCli(['apply', pb, ...common, '--json'], env);
    expect(run.code, run.stdout.slice(0, 3000)).toBe(2);
    expect(json(run).recap[h.name]).toMatchObject({ status: 'failed', rescued: 1 });
    expect(await lab.fileState(h, [path, '/etc/remedy-trail'])).toEqual(before);
  }, 120_000);
});

// environment, delegate_to: localhost and run_once on real sshd hosts: the environment
// reaches the remote command (quoted: its value's quotes and $ arrive as written), and a
// delegated run_once task runs once, on the controller, with its register on both hosts.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labKinds } from '../lab/kinds.js';
import { labAvailable, startLab, type Lab } from '../lab/lab.js';
import { runCli, json } from './run-cli.js';

describe.skipIf(!labAvailable()).each(labKinds())('task keywords on real sshd hosts ($name)', (kind) => {
  let lab: Lab;
  let dir: string;
  let common: string[];

  beforeAll(async () => {
    lab = await startLab({ hosts: 2, prefix: 'remedy-kw', ...kind });
    dir = mkdtempSync(join(tmpdir(), 'remedy-kw-'));
    common = ['-i', lab.inventoryFile, '--known-hosts', lab.knownHostsFile];
  });
  afterAll(async () => {
    await lab?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('environment reaches the remote command; a delegated run_once task runs once on the controller, registered on every host', async () => {
    const pb = join(dir, 'keywords.yml');
    writeFileSync(pb, `- hosts: all
  gather_facts: false
  environment: {REMEDY_PLAY: from-play}
  tasks:
    - name: environment on the host
      shell: printf '%s|%s' "$GREETING" "$REMEDY_PLAY" > /tmp/remedy-kw-env
      environment: {GREETING: "hello 'world' $HOME \\"{{ inventory_hostname }}\\""}
    - name: once, on the controller
      shell: echo "{{ inventory_hostname }}" >> ${dir}/once.log; readlink /proc/self/ns/net
      delegate_to: localhost
      run_once: true
      register: once
    - name: every host has the register
      copy: {dest: /tmp/remedy-kw-once, content: "{{ once.stdout }}"}
`);
    const run = await runCli(['apply', pb, ...common, '--json']);
    expect(run.code, run.stdout.slice(0, 4000) + run.stderr).toBe(0);
    const doc = json(run);
    const controllerNet = readlinkSync('/proc/self/ns/net');
    // As in Ansible, only the host that ran the run_once task counts it.
    const [first, second] = lab.hosts.map((h) => doc.recap[h.name].changed as number);
    expect(first! - second!).toBe(1);
    expect(readFileSync(join(dir, 'once.log'), 'utf8').trim().split('\n')).toHaveLength(1);
    for (const h of lab.hosts) {
      expect(doc.recap[h.name]).toMatchObject({ failed: 0 });
      expect((await lab.exec(h, 'cat /tmp/remedy-kw-env')).stdout).toBe(`hello 'world' $HOME "${h.name}"|from-play`);
      // The delegated command ran in the controller's network namespace, not the host's.
      expect((await lab.exec(h, 'cat /tmp/remedy-kw-once')).stdout).toBe(controllerNet);
      expect((await lab.exec(h, 'readlink /proc/self/ns/net')).stdout.trim()).not.toBe(controllerNet);
      await lab.exec(h, 'rm -f /tmp/remedy-kw-env /tmp/remedy-kw-once');
    }
  }, 180_000);
});

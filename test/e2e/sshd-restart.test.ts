// sshd's checked restart on real hosts (src/modules/sshd-restart.ts): restarts in quick succession
// never hit systemd's start limit (StartLimitBurst=5 per 10 s: the sixth start is refused and
// sshd stays dead), and a stopped sshd whose privilege separation directory is gone (systemd
// removes ssh.service's RuntimeDirectory when the unit stops) is checked and started again.
// Both over remedy's control connection, which outlives the listener it restarts.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labKinds } from '../lab/kinds.js';
import { labAvailable, startLab, type Lab, type LabHost } from '../lab/lab.js';
import { runCli, json } from './run-cli.js';

describe.skipIf(!labAvailable()).each(labKinds())("sshd's checked restart ($name)", (kind) => {
  let lab: Lab;
  let h: LabHost;
  let dir: string;
  let common: string[];
  const stopUnit = kind.kind === 'systemd' ? 'systemctl stop ssh.service' : 'service ssh stop';

  beforeAll(async () => {
    lab = await startLab({ hosts: 1, prefix: 'remedy-rst', ...kind });
    h = lab.hosts[0]!;
    dir = mkdtempSync(join(tmpdir(), 'remedy-rst-'));
    common = ['-i', lab.inventoryFile, '--known-hosts', lab.knownHostsFile, '--json'];
  });
  afterAll(async () => {
    await lab?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const sshdRuns = async () => (await lab.exec(h, kind.kind === 'systemd' ? 'systemctl is-active ssh.service' : 'service ssh status')).code === 0;

  it('eight restarts in a row all land: sshd runs and a new login gets in', async () => {
    const pb = join(dir, 'restarts.yml');
    writeFileSync(pb, `- hosts: all
  gather_facts: true
  tasks:
    - name: restart sshd
      service: {state: restarted}
      loop: [1, 2, 3, 4, 5, 6, 7, 8]
`);
    const run = await runCli(['apply', pb, ...common]);
    expect(run.code, run.stdout.slice(-3000) + run.stderr).toBe(0);
    expect(json(run).recap[h.name]).toMatchObject({ failed: 0, changed: 1 });
    expect(await sshdRuns()).toBe(true);
    expect((await lab.sshLogin(h)).ok).toBe(true);
  }, 240_000);

  it('a stopped sshd without /run/sshd is checked and started again by service: started', async () => {
    const pb = join(dir, 'start.yml');
    writeFileSync(pb, `- hosts: all
  gather_facts: true
  tasks:
    - name: stop sshd's listener (the control connection's session stays)
      shell: ${stopUnit} >/dev/null; rm -rf /run/sshd
    - name: start sshd
      service: {state: started}
`);
    try {
      const run = await runCli(['apply', pb, ...common]);
      expect(run.code, run.stdout.slice(-3000) + run.stderr).toBe(0);
      expect(json(run).recap[h.name]).toMatchObject({ failed: 0, changed: 2 });
      expect(await sshdRuns()).toBe(true);
      expect((await lab.exec(h, 'stat -c %a /run/sshd')).stdout.trim()).toBe('755');
      expect((await lab.sshLogin(h)).ok).toBe(true);
    } finally {
      if (!(await sshdRuns())) await lab.startSshd(h);
    }
  }, 240_000);
});

// sshd under systemd socket activation, as Ubuntu ships it (ssh.service disabled, ssh.socket
// enabled and listening): the fix restarts into a running sshd that the client reaches, and a
// Port change that the socket would not follow is refused before anything changes.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemdKinds } from '../lab/kinds.js';
import { labAvailable, startLab, type Lab } from '../lab/lab.js';
import { runCli, json } from './run-cli.js';

const kinds = systemdKinds(['nftables']);
const tmp = mkdtempSync(join(tmpdir(), 'remedy-sock-'));

describe.skipIf(!labAvailable() || kinds.length === 0).each(kinds)('ssh.socket activation ($name)', (kind) => {
  let lab: Lab;
  let common: string[];
  const env = { XDG_STATE_HOME: join(tmp, 'state') };
  const FILES = ['/etc/hosts.deny', '/etc/ssh/sshd_config', '/etc/ssh/sshd_config.d/50-low.conf'];

  beforeAll(async () => {
    lab = await startLab({ hosts: 1, prefix: 'remedy-sock', ...kind });
    common = ['-i', lab.inventoryFile, '--known-hosts', lab.knownHostsFile];
    await lab.useSocketActivation('h1');
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('unblock restarts sshd through systemd and the client logs in; ssh.socket still owns the port', async () => {
    await lab.denyClient('h1');
    await lab.writeFile('h1', '/etc/ssh/sshd_config.d/50-low.conf', 'MaxStartups 2:30:10\n');
    expect((await lab.sshLogin('h1', { from: 'client' })).ok).toBe(false);
    const apply = await runCli(['apply', 'playbooks/unblock.yml', ...common, '--json'], env);
    expect(apply.code, apply.stderr + apply.stdout.slice(0, 3000)).toBe(0);
    const handler = json(apply).plays[0].hosts.h1.tasks.find((t: any) => t.handler);
    expect(handler.commands.join('\n')).toMatch(/systemctl restart ssh; }$/);
    const login = await lab.sshLogin('h1', { from: 'client' });
    expect(login.ok, login.stderr).toBe(true);
    const units = await lab.exec('h1', 'systemctl is-active ssh.socket ssh.service; systemctl is-enabled ssh.service || true');
    expect(units.stdout).toBe('active\nactive\ndisabled\n');
    expect((await lab.exec('h1', 'sshd -T | grep -i ^maxstartups')).stdout.trim()).toBe('maxstartups 10:30:100');
  });

  it('a Port change is refused with what to do instead; nothing changed, the host still answers', async () => {
    const before = await lab.fileState('h1', FILES);
    const pb = join(tmp, 'port.yml');
    writeFileSync(pb, '- hosts: all\n  tasks:\n    - sshd_config: { set: { Port: 2222 } }\n      notify: restart sshd\n  handlers:\n    - name: restart sshd\n      service: { state: restarted }\n');
    const run = await runCli(['apply', pb, ...common, '--json'], env);
    expect(run.code).toBe(2);
    expect(json(run).plays[0].hosts.h1.tasks[0].msg).toMatch(/socket-activated .*ListenStream= in a drop-in of ssh\.socket/);
    expect(await lab.fileState('h1', FILES)).toEqual(before);
    expect((await lab.sshLogin('h1', { from: 'client' })).ok).toBe(true);
  });
});

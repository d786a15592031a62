// become: true through sudo on a real host, as an unprivileged login user, with the password
// on stdin (never in argv) and a clear failure for a wrong one.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labKinds } from '../lab/kinds.js';
import { labAvailable, startLab, type Lab } from '../lab/lab.js';
import { runCli, json } from './run-cli.js';

const PASSWORD = 'S3cret pass: with spaces';

describe.skipIf(!labAvailable() || !existsSync('/usr/bin/sudo')).each(labKinds())('become through sudo on a real host ($name)', (kind) => {
  let lab: Lab;
  let inv: string;
  const tmp = mkdtempSync(join(tmpdir(), 'remedy-become-'));
  const pb = join(tmp, 'become.yml');

  beforeAll(async () => {
    lab = await startLab({ hosts: 1, prefix: 'remedy-become', ...kind });
    const h = lab.hosts[0]!;
    // An unprivileged user with the lab key, allowed full sudo with a password (the host's /etc is its own).
    const r = await lab.exec(h, [
      'useradd -M -s /bin/sh deploy',
      `echo 'deploy:${PASSWORD}' | chpasswd`,
      'cp /etc/ssh/authorized_keys/root /etc/ssh/authorized_keys/deploy && chown deploy /etc/ssh/authorized_keys/deploy',
      "echo 'deploy ALL=(ALL:ALL) ALL' > /etc/sudoers.d/deploy && chmod 0440 /etc/sudoers.d/deploy",
    ].join(' && '));
    expect(r.code, r.stderr).toBe(0);
    inv = join(tmp, 'inv.yml');
    writeFileSync(inv, `all:\n  hosts:\n    ${h.name}:\n      ansible_host: ${h.ip}\n      ansible_user: deploy\n      ansible_ssh_private_key_file: ${lab.keyFile}\n      remedy_bind_address: ${lab.mgmtIp}\n`);
    writeFileSync(pb, `- hosts: all\n  become: true\n  tasks:\n    - command: id -u\n      register: who\n      changed_when: false\n    - copy:\n        dest: /etc/remedy-become-test\n        content: "root wrote this\\n"\n        mode: '0600'\n    - command: id -u\n      become: false\n      register: plain\n      changed_when: false\n`);
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('runs tasks as root with the password sent on stdin', async () => {
    const run = await runCli(['apply', pb, '-i', inv, '--known-hosts', lab.knownHostsFile, '--json'], { REMEDY_BECOME_PASSWORD: PASSWORD });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const tasks = json(run).plays[0].hosts.h1.tasks;
    expect(tasks[0].stdout).toBe('0');
    expect(tasks[2].stdout).not.toBe('0');
    expect(run.stdout).not.toContain(PASSWORD);
    const st = await lab.fileState(lab.hosts[0]!, ['/etc/remedy-become-test']);
    expect(st['/etc/remedy-become-test']).toMatchObject({ mode: '0600', owner: 'root:root' });
  });

  it('fails the host clearly with a wrong password', async () => {
    const run = await runCli(['apply', pb, '-i', inv, '--known-hosts', lab.knownHostsFile, '--json'], { REMEDY_BECOME_PASSWORD: 'wrong' });
    expect(run.code).toBe(2);
    const host = json(run).plays[0].hosts.h1;
    expect(host.status).toBe('failed');
    expect(host.msg).toMatch(/sudo|password/i);
    expect(run.stdout).not.toContain('wrong"');
  });

  it('says why in the plain output too, and never shows the password', async () => {
    const run = await runCli(['apply', pb, '-i', inv, '--known-hosts', lab.knownHostsFile], { REMEDY_BECOME_PASSWORD: 'wrong-secret-4711' });
    expect(run.code).toBe(2);
    const line = run.stdout.split('\n').find((l) => /^h1 \| FAILED/.test(l));
    expect(line, run.stdout).toMatch(/\| .*(sudo|password)/i);
    expect(run.stdout + run.stderr).not.toContain('wrong-secret-4711');
  });
});

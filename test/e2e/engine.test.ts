// The engine against real sshd hosts: the client is refused by hosts.deny on its direct path,
// remedy reaches every host over the working path, `plan` changes no byte, `apply` changes
// exactly what `plan` showed, and a second `apply` changes nothing.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labKinds } from '../lab/kinds.js';
import { labAvailable, startLab, type Lab } from '../lab/lab.js';
import { runCli, json } from './run-cli.js';

const FILES = ['/etc/hosts.deny', '/etc/hosts.allow', '/etc/ssh/sshd_config'];

describe.skipIf(!labAvailable()).each(labKinds())('engine end-to-end on real sshd hosts ($name)', (kind) => {
  let lab: Lab;
  let common: string[];
  const tmp = mkdtempSync(join(tmpdir(), 'remedy-e2e-'));
  const snapshot = async () => Object.fromEntries(await Promise.all(lab.hosts.map(async (h) => [h.name, await lab.fileState(h, FILES)] as const)));

  beforeAll(async () => {
    lab = await startLab({ hosts: 3, prefix: 'remedy-e2e', ...kind });
    for (const h of lab.hosts) await lab.denyClient(h);
    common = ['-i', lab.inventoryFile, '--known-hosts', lab.knownHostsFile, '-e', `client_ip=${lab.clientIp}`];
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('the direct path is refused by hosts.deny while the working path works', async () => {
    const direct = await lab.sshLogin(lab.hosts[0]!, { from: 'client' });
    expect(direct.ok).toBe(false);
    expect(direct.stderr).toMatch(/Connection reset by peer|Connection closed/);
    expect((await lab.sshLogin(lab.hosts[0]!, { from: 'mgmt' })).ok).toBe(true);
  });

  it('reaches every host over the working path and reports it', async () => {
    const pb = join(tmp, 'whoami.yml');
    writeFileSync(pb, `- hosts: all\n  tasks:\n    - name: where am I\n      command: cat /proc/sys/kernel/hostname\n      register: hn\n      changed_when: false\n    - assert:\n        that: hn.stdout == inventory_hostname\n`);
    const run = await runCli(['apply', pb, ...common, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const doc = json(run);
    for (const h of lab.hosts) {
      const host = doc.plays[0].hosts[h.name];
      expect(host.status).toBe('ok');
      expect(host.path).toBe(`bind ${lab.mgmtIp}`);
      expect(host.stats.connections).toBe(1);
    }
  });

  it('plan changes no byte, apply changes exactly what plan showed, a second apply changes nothing', async () => {
    const before = await snapshot();
    const plan = await runCli(['plan', 'playbooks/unblock.yml', ...common, '--json', '--detailed-exitcode']);
    expect(plan.code, plan.stderr).toBe(2);
    expect(await snapshot()).toEqual(before);
    const planned = json(plan);

    const apply = await runCli(['apply', 'playbooks/unblock.yml', ...common, '--json']);
    expect(apply.code, apply.stderr).toBe(0);
    const applied = json(apply);
    for (const h of lab.hosts) {
      const p = planned.plays[0].hosts[h.name].tasks;
      const a = applied.plays[0].hosts[h.name].tasks;
      expect(a.map((t: any) => [t.task, t.status, t.diffs, t.commands])).toEqual(p.map((t: any) => [t.task, t.status, t.diffs, t.commands]));
      expect(p.some((t: any) => t.diffs.some((d: any) => d.path === '/etc/hosts.deny'))).toBe(true);
    }
    const after = await snapshot();
    for (const h of lab.hosts) {
      // Exactly the planned files changed; the others kept every byte, mode and owner.
      expect(after[h.name]!['/etc/hosts.allow']).toEqual(before[h.name]!['/etc/hosts.allow']);
      expect(after[h.name]!['/etc/hosts.deny']!.sha256).not.toBe(before[h.name]!['/etc/hosts.deny']!.sha256);
      expect(after[h.name]!['/etc/hosts.deny']!.mode).toBe(before[h.name]!['/etc/hosts.deny']!.mode);
      expect((await lab.sshLogin(h, { from: 'client' })).ok).toBe(true);
    }

    const again = await runCli(['apply', 'playbooks/unblock.yml', ...common, '--json']);
    expect(again.code).toBe(0);
    for (const h of lab.hosts) expect(json(again).recap[h.name].changed).toBe(0);
    const replan = await runCli(['plan', 'playbooks/unblock.yml', ...common, '--detailed-exitcode']);
    expect(replan.code).toBe(0);
    expect(replan.stdout).toMatch(/PLAY RECAP/);
  });

  it('refuses an unknown host key under strict checking, naming the fingerprint', async () => {
    const empty = join(tmp, 'known_hosts_empty');
    writeFileSync(empty, '');
    const run = await runCli(['apply', 'playbooks/unblock.yml', '-i', lab.inventoryFile, '--known-hosts', empty, '-e', `client_ip=${lab.clientIp}`, '-l', 'h1', '--json']);
    expect(run.code).toBe(3);
    const host = json(run).plays[0].hosts.h1;
    expect(host.status).toBe('unreachable');
    expect(host.attempts[0].phase).toBe('hostkey');
    expect(host.attempts[0].message).toMatch(/SHA256:[A-Za-z0-9+/]{43}/);
  });

  it('reports an unreachable host with exit 3 while the others succeed', async () => {
    const inv = join(tmp, 'with-dead.yml');
    const deadIp = lab.hosts[0]!.ip.replace(/\.\d+$/, '.250');
    writeFileSync(inv, `all:\n  vars:\n    ansible_user: root\n    ansible_ssh_private_key_file: ${lab.keyFile}\n    remedy_bind_address: ${lab.mgmtIp}\n  hosts:\n    h1: { ansible_host: ${lab.hosts[0]!.ip} }\n    dead: { ansible_host: ${deadIp} }\n`);
    const run = await runCli(['apply', 'playbooks/unblock.yml', '-i', inv, '--known-hosts', lab.knownHostsFile, '-e', `client_ip=${lab.clientIp}`, '-T', '4']);
    expect(run.code, run.stdout + run.stderr).toBe(3);
    expect(run.stdout).toMatch(/dead\s*\|\s*UNREACHABLE\s*\|.*connect/);
    expect(run.stdout).toMatch(/h1\s+: ok=\d+\s+changed=\d+\s+unreachable=0\s+failed=0/);
    expect(run.stdout).toMatch(/dead\s+: ok=0\s+changed=0\s+unreachable=1/);
  });

  it('a broken playbook exits 4 naming file:line:col', async () => {
    const pb = join(tmp, 'broken.yml');
    writeFileSync(pb, `- hosts: all\n  tasks:\n    - name: typo\n      lineinfile:\n        path: /etc/hosts.deny\n        lien: x\n`);
    const run = await runCli(['apply', pb, ...common]);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain(`${pb}:6:9: lineinfile: unknown argument 'lien'`);
  });

  it('reaches a host that refuses both client and management addresses through a jump host', async () => {
    const [jump, target] = [lab.hosts[0]!, lab.hosts[2]!];
    await lab.denyAllExcept(target, jump.ip);
    expect((await lab.sshLogin(target, { from: 'mgmt' })).ok).toBe(false);
    const inv = join(tmp, 'via.yml');
    writeFileSync(inv, `all:\n  vars:\n    ansible_user: root\n    ansible_ssh_private_key_file: ${lab.keyFile}\n  hosts:\n    ${jump.name}: { ansible_host: ${jump.ip}, remedy_bind_address: ${lab.mgmtIp} }\n    ${target.name}:\n      ansible_host: ${target.ip}\n      remedy_paths:\n        - direct\n        - via: ${jump.name}\n`);
    const pb = join(tmp, 'id.yml');
    writeFileSync(pb, `- hosts: ${target.name}\n  tasks:\n    - shell: echo $SSH_CONNECTION\n      register: c\n      changed_when: false\n`);
    const run = await runCli(['apply', pb, '-i', inv, '--known-hosts', lab.knownHostsFile, '--json', '-T', '15']);
    expect(run.code, run.stderr).toBe(0);
    const host = json(run).plays[0].hosts[target.name];
    expect(host.path).toBe(`via ${jump.name}`);
    expect(host.attempts.map((a: any) => [a.path, a.ok])).toEqual([['direct', false], [`via ${jump.name}`, true]]);
    expect(host.attempts[0].phase).toBe('banner');
    // The target saw the jump host as its client.
    expect(host.tasks[0].stdout.split(' ')[0]).toBe(jump.ip);
    await lab.writeFile(target, '/etc/hosts.deny', '');
  });

  it('honours ~/.ssh/config (HostName, User, IdentityFile, BindAddress, UserKnownHostsFile)', async () => {
    const inv = join(tmp, 'bare.ini');
    writeFileSync(inv, `[lab]\n${lab.hosts.map((h) => h.name).join('\n')}\n`);
    const pb = join(tmp, 'ping.yml');
    writeFileSync(pb, `- hosts: lab\n  gather_facts: false\n  tasks:\n    - command: "true"\n      changed_when: false\n`);
    const run = await runCli(['apply', pb, '-i', inv, '--ssh-config', lab.sshConfigFile, '--json']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    for (const h of lab.hosts) expect(json(run).plays[0].hosts[h.name].path).toBe(`bind ${lab.mgmtIp}`);
  });

  it('reads hashed known_hosts entries, and accept-new records unknown keys', async () => {
    const hashed = join(tmp, 'known_hosts_hashed');
    writeFileSync(hashed, readFileSync(lab.knownHostsFile));
    execFileSync('ssh-keygen', ['-H', '-f', hashed], { stdio: 'ignore' });
    expect(readFileSync(hashed, 'utf8')).toMatch(/^\|1\|/);
    const pb = join(tmp, 'ping2.yml');
    writeFileSync(pb, `- hosts: all\n  gather_facts: false\n  tasks:\n    - command: "true"\n      changed_when: false\n`);
    const strict = await runCli(['apply', pb, '-i', lab.inventoryFile, '--known-hosts', hashed]);
    expect(strict.code, strict.stdout).toBe(0);

    const fresh = join(tmp, 'known_hosts_new');
    writeFileSync(fresh, '');
    const acceptNew = await runCli(['apply', pb, '-i', lab.inventoryFile, '--known-hosts', fresh, '--host-key-checking', 'accept-new']);
    expect(acceptNew.code, acceptNew.stdout).toBe(0);
    for (const h of lab.hosts) expect(readFileSync(fresh, 'utf8')).toContain(h.ip);
    // The recorded keys now pass strict checking.
    expect((await runCli(['apply', pb, '-i', lab.inventoryFile, '--known-hosts', fresh])).code).toBe(0);
  });

  it('follows ProxyJump from ~/.ssh/config through a jump host', async () => {
    const [jump, target] = [lab.hosts[0]!, lab.hosts[2]!];
    const cfg = join(tmp, 'ssh_config_jump');
    const common = `  User root\n  IdentityFile ${lab.keyFile}\n  UserKnownHostsFile ${lab.knownHostsFile}\n`;
    writeFileSync(cfg, `Host ${jump.name}\n  HostName ${jump.ip}\n  BindAddress ${lab.mgmtIp}\n${common}Host ${target.name}\n  HostName ${target.ip}\n  ProxyJump ${jump.name}\n${common}`);
    const inv = join(tmp, 'jump.ini');
    writeFileSync(inv, `${target.name}\n`);
    const pb = join(tmp, 'conn.yml');
    writeFileSync(pb, `- hosts: all\n  gather_facts: false\n  tasks:\n    - shell: echo $SSH_CONNECTION\n      changed_when: false\n`);
    const run = await runCli(['apply', pb, '-i', inv, '--ssh-config', cfg, '--json']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const host = json(run).plays[0].hosts[target.name];
    // The jump host's own BindAddress applies to the one socket this machine opens.
    expect(host.path).toBe(`via ${jump.name} bind ${lab.mgmtIp}`);
    expect(host.tasks[0].stdout.split(' ')[0]).toBe(jump.ip);
  });
});

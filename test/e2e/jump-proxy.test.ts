// A jump host that is itself reachable only through a ProxyCommand (issue 12): as with
// `ssh -J bastion`, whose inner `ssh -W` uses the bastion's own ProxyCommand, remedy opens the
// chain's first hop over the jump host's command and rides a channel of it to the target.
// The jump host's firewall rejects both addresses of this machine, so only the command (nc to
// its 127.0.0.1, inside its network namespace) gets there; the target refuses the client in
// hosts.deny and the management address in its firewall, so only the jump host gets there.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labKinds } from '../lab/kinds.js';
import { labAvailable, startLab, type Lab, type LabHost } from '../lab/lab.js';
import { json, runCli } from './run-cli.js';

const hasNc = existsSync('/usr/bin/nc') || existsSync('/bin/nc');

describe.skipIf(!labAvailable() || !hasNc).each(labKinds())("a jump host reached by its own ProxyCommand ($name)", (kind) => {
  const tmp = mkdtempSync(join(tmpdir(), 'remedy-jproxy-'));
  let lab: Lab;
  let jump: LabHost;
  let target: LabHost;

  const inventory = (jumpProxy: string): string[] => {
    const file = join(tmp, 'inventory.yml');
    writeFileSync(file, `all:
  vars:
    ansible_user: root
    ansible_ssh_private_key_file: ${JSON.stringify(lab.keyFile)}
  hosts:
    bastion:
      ansible_host: ${JSON.stringify(jump.ip)}
      remedy_proxy_command: ${JSON.stringify(jumpProxy)}
    web:
      ansible_host: ${JSON.stringify(target.ip)}
      remedy_via: bastion
`);
    return ['-i', file, '--known-hosts', lab.knownHostsFile, '-l', 'web'];
  };
  const intoJump = () => `${lab.netnsCommand(jump).join(' ')} nc 127.0.0.1 %p`;
  /** Logins on the jump host that arrived from its own 127.0.0.1: the ProxyCommand's. */
  const loginsFromLocalhost = async () =>
    (await lab.sshdLog(jump)).split('\n').filter((l) => /Accepted publickey for root from 127\.0\.0\.1 /.test(l)).length;

  beforeAll(async () => {
    lab = await startLab({ hosts: 2, prefix: 'remedy-jproxy', ...kind });
    [jump, target] = lab.hosts as [LabHost, LabHost];
    await lab.firewallReject(jump, lab.clientIp);
    await lab.firewallReject(jump, lab.mgmtIp);
    await lab.denyClient(target);
    await lab.firewallReject(target, lab.mgmtIp);
  }, 180_000);
  afterAll(async () => {
    await lab?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('this machine reaches neither host by address', async () => {
    for (const h of [jump, target]) {
      for (const from of ['client', 'mgmt'] as const) expect((await lab.sshLogin(h, { from })).ok, `${h.name} from ${from}`).toBe(false);
    }
  });

  it("a failing jump host's ProxyCommand names the jump host, its stderr and exit code", async () => {
    const run = await runCli(['apply', 'playbooks/unblock.yml', ...inventory(`sh -c 'echo no way to %h >&2; exit 5'`), '-e', `client_ip=${lab.clientIp}`, '--json', '--reach-timeout', '5']);
    expect(run.code).not.toBe(0);
    const host = json(run).plays[0].hosts.web;
    expect(host.status, host.msg).toBe('unreachable');
    expect(host.msg).toContain(`bastion (root@${jump.ip}:22): `);
    expect(host.msg).toContain(`ProxyCommand exited with code 5: no way to ${jump.ip}`);
  }, 90_000);

  it('unblock.yml fixes the target through the jump host opened over its ProxyCommand; the client logs in again', async () => {
    const before = await loginsFromLocalhost();
    const run = await runCli(['apply', 'playbooks/unblock.yml', ...inventory(intoJump()), '-e', `client_ip=${lab.clientIp}`, '--json']);
    expect(run.code, run.stderr + run.stdout.slice(0, 4000)).toBe(0);
    const doc = json(run);
    expect(doc.recap.web).toMatchObject({ failed: 0, path: 'via bastion' });
    expect(doc.recap.web.changed).toBeGreaterThan(0);
    // The jump host was entered from its own localhost, i.e. over the command: once, shared.
    expect(await loginsFromLocalhost()).toBe(before + 1);
    const login = await lab.sshLogin(target, { from: 'client' });
    expect(login.ok, login.stderr).toBe(true);
  }, 240_000);
});

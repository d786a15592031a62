// ProxyCommand as the working path (issue 12 part 2): a host whose hosts.deny refuses all but
// localhost and whose firewall rejects both the client and the management address is reached
// only through a ProxyCommand that enters its network namespace and connects to 127.0.0.1:22,
// as SSM, IAP or Teleport arrive at sshd from localhost. unblock.yml fixes it over that path and
// the client logs in again; a failing ProxyCommand is reported with its stderr and exit code.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labAvailable, startLab, type Lab, type LabHost } from '../lab/lab.js';
import { json, runCli } from './run-cli.js';

const hasNc = existsSync('/usr/bin/nc') || existsSync('/bin/nc');

describe.skipIf(!labAvailable() || !hasNc)('ProxyCommand as the working path (netns)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'remedy-proxy-'));
  let lab: Lab;
  let h: LabHost;
  let inventory: string;

  const writeInventory = (proxy: string) => {
    inventory = join(tmp, 'inventory.yml');
    writeFileSync(inventory, `all:
  vars:
    ansible_user: root
    ansible_ssh_private_key_file: ${JSON.stringify(lab.keyFile)}
  hosts:
    web:
      ansible_host: ${JSON.stringify(h.ip)}
      remedy_proxy_command: ${JSON.stringify(proxy)}
`);
    return ['-i', inventory, '--known-hosts', lab.knownHostsFile];
  };

  beforeAll(async () => {
    lab = await startLab({ hosts: 1, prefix: 'remedy-proxy', kind: 'netns' });
    h = lab.hosts[0]!;
    await lab.denyAllExcept(h, '127.0.0.1');
    await lab.firewallReject(h, lab.clientIp);
    await lab.firewallReject(h, lab.mgmtIp);
  }, 120_000);
  afterAll(async () => {
    await lab?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('neither the client nor the management address gets in', async () => {
    expect((await lab.sshLogin(h, { from: 'client' })).ok).toBe(false);
    expect((await lab.sshLogin(h, { from: 'mgmt' })).ok).toBe(false);
  });

  it('a failing ProxyCommand is reported unreachable, with its stderr and exit code', async () => {
    const common = writeInventory(`sh -c 'echo no route to %h >&2; exit 7'`);
    const run = await runCli(['apply', 'playbooks/unblock.yml', ...common, '-e', `client_ip=${lab.clientIp}`, '--json', '--reach-timeout', '5']);
    expect(run.code, run.stdout.slice(0, 3000)).not.toBe(0);
    const text = run.stdout + run.stderr;
    expect(text).toMatch(/unreachable/i);
    expect(text).toContain(`ProxyCommand exited with code 7: no route to ${h.ip}`);
  }, 60_000);

  it('diagnose works over the ProxyCommand and names the causes', async () => {
    const common = writeInventory(`ip netns exec ${h.ns} nc 127.0.0.1 %p`);
    const run = await runCli(['diagnose', ...common, '--client-ip', lab.clientIp, '--json']);
    const doc = json(run);
    const causes = doc.hosts.web.causes.map((c: any) => c.id);
    expect(causes, run.stdout.slice(0, 3000)).toContain('tcp_wrappers');
    expect(causes).toContain('firewall');
  }, 120_000);

  it('unblock.yml works over the ProxyCommand and the client logs in again', async () => {
    const common = writeInventory(`ip netns exec ${h.ns} nc 127.0.0.1 %p`);
    const run = await runCli(['apply', 'playbooks/unblock.yml', ...common, '-e', `client_ip=${lab.clientIp}`, '--json']);
    expect(run.code, run.stderr + run.stdout.slice(0, 4000)).toBe(0);
    expect(json(run).recap.web).toMatchObject({ failed: 0 });
    expect(JSON.stringify(json(run))).toContain('proxy ip netns exec');
    const login = await lab.sshLogin(h, { from: 'client' });
    expect(login.ok, login.stderr).toBe(true);
    // No ProxyCommand child outlives the run (it runs on this machine, in the host's netns only).
    expect(spawnSync('pgrep', ['-f', `netns exec ${h.ns} nc`], { encoding: 'utf8' }).stdout.trim()).toBe('');
  }, 180_000);
});

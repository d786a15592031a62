// ProxyCommand as the working path (issue 12 part 2): a host whose hosts.deny refuses all but
// localhost and whose firewall rejects both the client and the management address is reached
// only through a ProxyCommand that enters its network namespace and connects to 127.0.0.1:22,
// as SSM, IAP or Teleport arrive at sshd from localhost. unblock.yml fixes it over that path and
// the client logs in again; a failing ProxyCommand is reported with its stderr and exit code.
// The ProxyCommand is this machine's nc (netcat-openbsd, scripts/prepare.sh) run in the host's
// network namespace (lab.netnsCommand): the same command for a bare namespace and a container.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labKinds } from '../lab/kinds.js';
import { labAvailable, startLab, type Lab, type LabHost } from '../lab/lab.js';
import { json, runCli } from './run-cli.js';

const hasNc = existsSync('/usr/bin/nc') || existsSync('/bin/nc');

describe.skipIf(!labAvailable() || !hasNc).each(labKinds())('ProxyCommand as the working path ($name)', (kind) => {
  const tmp = mkdtempSync(join(tmpdir(), 'remedy-proxy-'));
  let lab: Lab;
  let h: LabHost;
  let inventory: string;
  /** nc to the host's own 127.0.0.1, run inside its network namespace. */
  const viaNetns = () => `${lab.netnsCommand(h).join(' ')} nc 127.0.0.1 %p`;

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
    lab = await startLab({ hosts: 1, prefix: 'remedy-proxy', ...kind });
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
    const common = writeInventory(viaNetns());
    const run = await runCli(['diagnose', ...common, '--client-ip', lab.clientIp, '--json']);
    const doc = json(run);
    const causes = doc.hosts.web.causes.map((c: any) => c.id);
    expect(causes, run.stdout.slice(0, 3000)).toContain('tcp_wrappers');
    expect(causes).toContain('firewall');
  }, 120_000);

  it('unblock.yml works over the ProxyCommand and the client logs in again', async () => {
    const common = writeInventory(viaNetns());
    const run = await runCli(['apply', 'playbooks/unblock.yml', ...common, '-e', `client_ip=${lab.clientIp}`, '--json']);
    expect(run.code, run.stderr + run.stdout.slice(0, 4000)).toBe(0);
    expect(json(run).recap.web).toMatchObject({ failed: 0 });
    expect(JSON.stringify(json(run))).toContain(`proxy ${lab.netnsCommand(h)[0]}`);
    const login = await lab.sshLogin(h, { from: 'client' });
    expect(login.ok, login.stderr).toBe(true);
    // No ProxyCommand child outlives the run: no nc left in the host's network namespace
    // (nsenter execs nc, so it is found by its namespace, not by the command line).
    const left = spawnSync('pgrep', ['--ns', String(h.holderPid), '--nslist', 'net', '-x', 'nc'], { encoding: 'utf8' });
    expect(left.status, left.stderr).toBe(1); // 1: none matched (2 and 3 are pgrep's own errors)
  }, 180_000);
});

// The firewall a host really runs, lifted through its own front end, and put back by `remedy
// rollback`: iptables (Debian 12), nftables' stock table inet filter, ufw and firewalld (runtime
// and permanent), each on a real host. One reject of the client per host; plain ssh decides.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labKinds } from '../lab/kinds.js';
import { labAvailable, startLab, type Lab } from '../lab/lab.js';
import { runCli, json } from './run-cli.js';

// How each front end's own listing shows the client's reject (firewalld: runtime, then permanent).
const LISTING: Record<Lab['firewall'], string> = {
  iptables: 'iptables -w -S INPUT',
  nftables: 'nft list chain inet filter input',
  ufw: 'ufw status',
  firewalld: 'firewall-cmd --list-rich-rules; firewall-cmd --permanent --list-rich-rules',
};
// The command that lifts it, as the plan prints it.
const LIFT: Record<Lab['firewall'], RegExp> = {
  iptables: /^iptables (-w )?-D INPUT /m,
  nftables: /^nft delete rule inet filter input handle \d+$/m,
  ufw: /^ufw (--force )?delete /m,
  firewalld: /^firewall-cmd .*--remove-rich-rule/m,
};

describe.skipIf(!labAvailable()).each(labKinds(['nftables', 'ufw', 'firewalld']))('a firewall reject through the front end ($name)', (kind) => {
  let lab: Lab;
  let common: string[];
  const env = { XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'remedy-fw-')) };
  const rejects = async (): Promise<string[]> =>
    (await lab.exec('h1', LISTING[lab.firewall])).stdout.split('\n').filter((l) => l.includes(lab.clientIp) && /reject/i.test(l));

  beforeAll(async () => {
    lab = await startLab({ hosts: 1, prefix: 'remedy-fw', ...kind });
    common = ['-i', lab.inventoryFile, '--known-hosts', lab.knownHostsFile];
    await lab.firewallReject('h1');
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('apply lifts it with the front end, the client logs in, a rerun changes nothing; rollback puts it back once', async () => {
    const before = await rejects();
    expect(before.length).toBeGreaterThan(0);
    expect((await lab.sshLogin('h1', { from: 'client' })).ok).toBe(false);

    const apply = await runCli(['apply', 'playbooks/unblock.yml', ...common, '--json'], env);
    expect(apply.code, apply.stderr + apply.stdout.slice(0, 3000)).toBe(0);
    const task = json(apply).plays[0].hosts.h1.tasks.find((t: any) => /firewall/i.test(t.task));
    expect(task.commands.join('\n')).toMatch(LIFT[lab.firewall]);
    expect(task.undo.length).toBeGreaterThan(0);
    expect((task.msg ?? '').split('\n').length).toBeLessThanOrEqual(20);
    expect(await rejects()).toEqual([]);
    const login = await lab.sshLogin('h1', { from: 'client' });
    expect(login.ok, login.stderr).toBe(true);
    const again = await runCli(['apply', 'playbooks/unblock.yml', ...common, '--json'], env);
    expect(json(again).recap.h1.changed).toBe(0);

    const runId = json(apply).run_id as string;
    const plan = await runCli(['rollback', runId, ...common, '--check'], env);
    expect(plan.code, plan.stdout).toBe(0);
    expect(await rejects()).toEqual([]);
    const back = await runCli(['rollback', runId, ...common, '--json'], env);
    expect(back.code, back.stdout.slice(0, 3000)).toBe(0);
    expect(await rejects()).toEqual(before);
    expect((await lab.sshLogin('h1', { from: 'client' })).ok).toBe(false);
    const twice = await runCli(['rollback', runId, ...common, '--json'], env);
    expect(twice.code).toBe(0);
    expect(json(twice).recap.h1.changed).toBe(0);
    expect(await rejects()).toEqual(before);
  });
});

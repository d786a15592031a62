// The smaller shipped playbooks on real hosts: MaxStartups is raised where sshd reads it and
// never lowered; restore-sshd on a healthy host validates and changes nothing.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { labKinds } from '../lab/kinds.js';
import { labAvailable, startLab, type Lab, type LabHost } from '../lab/lab.js';
import { runCli, json } from './run-cli.js';

const effective = async (lab: Lab, h: LabHost) => (await lab.exec(h, 'sshd -T | grep -i ^maxstartups')).stdout.trim();

describe.skipIf(!labAvailable()).each(labKinds())('shipped playbooks on real hosts ($name)', (kind) => {
  let lab: Lab;
  let low: LabHost, high: LabHost;
  let common: string[];

  beforeAll(async () => {
    lab = await startLab({ hosts: 2, prefix: 'remedy-pbs', ...kind });
    [low, high] = lab.hosts as [LabHost, LabHost];
    await lab.setSshdOption(low, 'MaxStartups 5:30:50');
    await lab.setSshdOption(high, 'MaxStartups 50:30:200');
    common = ['-i', lab.inventoryFile, '--known-hosts', lab.knownHostsFile];
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('raise-maxstartups.yml raises a low value, keeps a higher one, and verifies a new login', async () => {
    const run = await runCli(['apply', 'playbooks/raise-maxstartups.yml', ...common, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const doc = json(run);
    expect(doc.recap[low.name].changed).toBe(2); // the edit and the reload
    expect(doc.recap[high.name].changed).toBe(0);
    expect(await effective(lab, low)).toBe('maxstartups 10:30:100');
    expect(await effective(lab, high)).toBe('maxstartups 50:30:200');
    const again = await runCli(['apply', 'playbooks/raise-maxstartups.yml', ...common, '--json']);
    for (const h of lab.hosts) expect(json(again).recap[h.name].changed).toBe(0);
  });

  it('raise-maxstartups.yml refuses to lower: a floor below the current value changes nothing', async () => {
    const run = await runCli(['plan', 'playbooks/raise-maxstartups.yml', ...common, '-e', 'maxstartups_floor=3:30:10', '--detailed-exitcode']);
    expect(run.code, run.stdout).toBe(0);
  });

  it('restore-sshd.yml on a healthy host validates and changes nothing', async () => {
    const run = await runCli(['apply', 'playbooks/restore-sshd.yml', ...common, '--json']);
    expect(run.code, run.stderr + run.stdout.slice(0, 3000)).toBe(0);
    for (const h of lab.hosts) expect(json(run).recap[h.name].changed).toBe(0);
  });
});

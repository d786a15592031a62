// A fleet split over N controllers with --shard K/N, as a Kubernetes Indexed Job or a CI matrix
// runs it: every host handled by exactly one shard, `remedy report merge` giving the recap and the
// exit code one run over the whole fleet gives on the same faults, each shard's run rolled back
// by its own id.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labKinds } from '../lab/kinds.js';
import { labAvailable, startLab, type Lab } from '../lab/lab.js';
import { runCli, json } from './run-cli.js';

const N = 3;
const tmp = mkdtempSync(join(tmpdir(), 'remedy-shards-'));
const env = { XDG_STATE_HOME: join(tmp, 'state') };

/** One shard as its own process (one controller), its --json report kept in a file. */
function shardProcess(args: string[], k: number): Promise<{ code: number | null; file: string }> {
  const file = join(tmp, `shard-${k}.json`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['dist/src/cli.js', ...args, '--shard', `${k}/${N}`, '--json'], {
      env: { ...process.env, ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('exit', (code) => {
      writeFileSync(file, out);
      resolve({ code, file });
    });
  });
}

const counts = (recap: Record<string, any>) =>
  Object.fromEntries(Object.entries(recap).map(([h, r]) => [h, { status: r.status, ok: r.ok, changed: r.changed, failed: r.failed, unreachable: r.unreachable, skipped: r.skipped }]));

describe.skipIf(!labAvailable()).each(labKinds())(`${N} shards of one fleet (real sshd hosts) ($name)`, (kind) => {
  let lab: Lab;
  let common: string[];

  beforeAll(async () => {
    lab = await startLab({ hosts: 6, prefix: 'remedy-shards', ...kind });
    // The lab's hosts plus one address nobody answers: that host's shard ends unreachable (exit 3).
    const inventory = join(tmp, 'inventory.yml');
    const gone = lab.clientIp.replace(/\.1$/, '.250');
    writeFileSync(inventory, [
      'all:', '  vars:', '    ansible_user: root', `    ansible_ssh_private_key_file: ${JSON.stringify(lab.keyFile)}`,
      `    remedy_bind_address: ${JSON.stringify(lab.mgmtIp)}`, '  hosts:',
      ...lab.hosts.map((h) => `    ${h.name}: { ansible_host: ${JSON.stringify(h.ip)} }`),
      `    gone: { ansible_host: ${JSON.stringify(gone)} }`, '',
    ].join('\n'));
    common = ['-i', inventory, '--known-hosts', lab.knownHostsFile, '-T', '3'];
    for (const h of lab.hosts) await lab.denyClient(h);
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('each host in exactly one shard; the merge equals one run over the fleet, exit code included; rollback per shard run', async () => {
    const shards = await Promise.all(Array.from({ length: N }, (_, i) => shardProcess(['apply', 'playbooks/unblock.yml', ...common], i + 1)));
    const docs = shards.map((s) => JSON.parse(readFileSync(s.file, 'utf8')));
    const seen = docs.flatMap((d) => Object.keys(d.recap)).sort();
    expect(seen).toEqual([...lab.hosts.map((h) => h.name), 'gone'].sort());
    expect(docs.map((d) => d.shard.index).sort()).toEqual([1, 2, 3]);
    for (const h of lab.hosts) expect((await lab.sshLogin(h, { from: 'client' })).ok, h.name).toBe(true);

    const merged = await runCli(['report', 'merge', ...shards.map((s) => s.file), '--json']);
    expect(merged.code, merged.stdout.slice(0, 2000)).toBe(3); // `gone` unreachable, the rest fixed
    const m = json(merged);
    expect(m.problems).toEqual([]);
    expect(m.run_ids).toHaveLength(N);
    const text = await runCli(['report', 'merge', ...shards.map((s) => s.file)]);
    expect(text.code).toBe(3);
    expect(text.stdout).toMatch(/PLAY RECAP/);
    expect(text.stdout).toMatch(/^gone\s+: ok=0 .*unreachable=1/m);

    // Each shard is its own run: its id rolls back exactly its hosts (the faults come back).
    for (const d of docs) {
      if (!d.run_id) continue;
      const back = await runCli(['rollback', d.run_id, ...common, '--json'], env);
      expect([0, 3]).toContain(back.code);
    }
    for (const h of lab.hosts) expect((await lab.sshLogin(h, { from: 'client' })).ok, h.name).toBe(false);

    // The same faults, one run over the whole fleet: the same recap and exit code.
    const single = await runCli(['apply', 'playbooks/unblock.yml', ...common, '--json'], env);
    expect(single.code).toBe(merged.code);
    expect(counts(m.recap)).toEqual(counts(json(single).recap));

    // A missing shard: the merge says so and exits 1.
    const partial = await runCli(['report', 'merge', shards[0]!.file, shards[2]!.file]);
    expect(partial.code).toBe(1);
    expect(partial.stdout).toContain('shard 2/3 has no report');
  }, 180_000);
});

// A write its validate refused leaves the old bytes, so later tasks must not plan on the bytes
// it would have written: with ignore_errors the next edit of the same file starts from what is
// really there (found by running Ansible's lineinfile target, where the refused line leaked
// into the next write and so past its validation).
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePlaybook } from '../../src/playbook/load.js';
import { runTask, type TaskEnv } from '../../src/engine/task-run.js';
import { HostSession } from '../../src/engine/host-session.js';
import { LocalConnection } from '../../src/transport/local.js';
import type { Facts } from '../../src/facts.js';

const dir = mkdtempSync(join(tmpdir(), 'remedy-refused-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a write refused by its validate', () => {
  it('is not what the next task plans on', async () => {
    const f = join(dir, 'conf');
    writeFileSync(f, 'a\n');
    const play = parsePlaybook(`- hosts: all
  tasks:
    - lineinfile: {path: ${f}, line: refused, validate: "false %s"}
      ignore_errors: true
    - lineinfile: {path: ${f}, line: accepted}
`, 'pb.yml').plays[0]!;
    const env: TaskEnv = { session: new HostSession(new LocalConnection()), facts: { userId: 0 } as Facts, baseVars: {}, registered: {}, extraVars: {}, check: false, verify: async () => undefined };
    for (const t of play.tasks) {
      const o = await runTask(t, env);
      if (o.pending) {
        await env.session.flush();
        await o.pending.settle();
      }
    }
    await env.session.flush();
    expect(readFileSync(f, 'utf8')).toBe('a\naccepted\n');
  });
});

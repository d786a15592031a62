// What `register:` holds for a loop, in Ansible's shape (TaskExecutor.run and _run_loop):
// each item's result carries its item (under the loop variable) and ansible_loop_var, the
// index under index_var; the whole has 'All items completed' / 'One or more items failed'.
import { describe, it, expect } from 'vitest';
import { parsePlaybook } from '../../src/playbook/load.js';
import { runTask, type TaskEnv } from '../../src/engine/task-run.js';
import { HostSession } from '../../src/engine/host-session.js';
import { LocalConnection } from '../../src/transport/local.js';
import type { Facts } from '../../src/facts.js';

async function registered(task: string): Promise<Record<string, any>> {
  const play = parsePlaybook(`- hosts: all\n  tasks:\n${task}`, 'pb.yml').plays[0]!;
  const env: TaskEnv = { session: new HostSession(new LocalConnection()), facts: { userId: 0 } as Facts, baseVars: {}, registered: {}, extraVars: {}, check: false, verify: async () => undefined };
  const o = await runTask(play.tasks[0]!, env);
  return (o.pending ? await o.pending.settle() : o).registered;
}

describe('a registered loop', () => {
  it('names each item and index in its result, and sums up as Ansible does', async () => {
    const r = await registered(`    - command: echo {{ x }}
      loop: [a, b]
      loop_control: {loop_var: x, index_var: i}
      register: r
`);
    expect(r.msg).toBe('All items completed');
    expect(r.results.map((x: any) => [x.x, x.ansible_loop_var, x.i, x.ansible_index_var, x.stdout])).toEqual([
      ['a', 'x', 0, 'i', 'a'], ['b', 'x', 1, 'i', 'b'],
    ]);
  });
  it("a failed item: 'One or more items failed'", async () => {
    const r = await registered(`    - command: "false"
      loop: [1]
      ignore_errors: true
`);
    expect(r).toMatchObject({ failed: true, msg: 'One or more items failed' });
    expect(r.results[0]).toMatchObject({ item: 1, ansible_loop_var: 'item', failed: true });
  });
  it('no items: skipped, with the reason', async () => {
    expect(await registered(`    - command: echo\n      loop: []\n`)).toEqual({ changed: false, skipped: true, skipped_reason: 'No items in the list', results: [] });
  });
});

// `run_once:` the task runs on one host of the batch and its outcome is every host's, as in
// Ansible. Hosts of a batch run in parallel without meeting at task boundaries, so each batch
// has one cell per task: the first host of the batch that is still running carries the task
// out; the others wait for its outcome (or, if that host ends before it got there, the next one
// runs it). What the task set on the running host (register:, set_fact) is set on each host.
import type { Task } from '../playbook/model.js';
import type { TaskOutcome } from './task-run.js';
import type { Vars } from './vars.js';

interface Shared {
  /** The host that carried the task out. */
  by: string;
  outcome: TaskOutcome;
  /** Variables the task set on the host that ran it. */
  set: Vars;
}

export class RunOnce {
  private readonly cells = new Map<Task, Promise<Shared>>();
  private readonly ended = new Set<string>();
  private waiting: Array<() => void> = [];

  /** `hosts`: the batch in inventory order (the first still running carries out each task). */
  constructor(private readonly hosts: readonly string[]) {}

  /** The host finished its play: it will never reach another task. */
  hostDone(host: string): void {
    this.ended.add(host);
    this.wake();
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = [];
    for (const f of w) f();
  }

  /**
   * The task's outcome for `host`: carried out here by `run` (`registered` is the host's
   * variables, watched for what the task sets), or the outcome another host got.
   */
  async outcome(task: Task, host: string, registered: Vars, run: () => Promise<TaskOutcome>): Promise<TaskOutcome> {
    for (;;) {
      const cell = this.cells.get(task);
      if (cell) return follow(await cell, registered);
      const first = this.hosts.find((h) => !this.ended.has(h));
      if (first === host || first === undefined || !this.hosts.includes(host)) {
        const before = new Map(Object.entries(registered));
        const shared = run().then((outcome) => ({ by: host, outcome, set: setSince(before, registered) }));
        this.cells.set(task, shared);
        this.wake();
        return (await shared).outcome;
      }
      await new Promise<void>((r) => this.waiting.push(r));
    }
  }
}

function setSince(before: Map<string, unknown>, now: Vars): Vars {
  return Object.fromEntries(Object.entries(now).filter(([k, v]) => before.get(k) !== v || !before.has(k)));
}

/**
 * Another host's outcome, for this host: as in Ansible it gets the register and the variables,
 * but no result of its own (not reported, not counted, notifies nothing) — unless the task
 * failed: Ansible then ends the batch, remedy fails this host too (and so rolls it back).
 */
function follow(shared: Shared, registered: Vars): TaskOutcome {
  Object.assign(registered, shared.set);
  const { result, registered: reg } = shared.outcome;
  if (result.status === 'failed' && !result.ignored) {
    const msg = `run_once: the task failed on ${shared.by}: ${result.msg ?? 'failed'}`;
    return { result: { ...result, msg, executed: false, items: undefined }, registered: reg };
  }
  return { result: { ...result, executed: false, sharedFrom: shared.by }, registered: reg };
}

// A play's steps on one host, with Ansible's block semantics: a task failure inside a block
// runs its `rescue` (a failure the rescue handles does not fail the host), then `always`
// whatever happened; a failure nothing rescues goes up to the enclosing block, then fails the
// host. Changes may wait in the host's batch (their failure is known only when it runs), so the
// batch is carried out before a guarded block begins, at the end of each of its sections.
import type { Block, Meta, Step, Task } from '../playbook/model.js';
import type { TaskResult } from './results.js';

/** What the walker asks of the host it runs on (HostPlay). */
export interface StepHost {
  /** Run one task; false once a task failed (the failure waits to be rescued) or the host stopped. */
  task(task: Task): Promise<boolean>;
  meta(meta: Meta): Promise<boolean>;
  /** An include_tasks is reached: reported as a task of its own, its tasks run or skipped by its `when`. */
  include(b: Block): Promise<'run' | 'skip' | 'stopped'>;
  /** Carry out what waits in the batch and record it; false as for task(). */
  flush(): Promise<boolean>;
  /** The task failure that stopped the walk, taken over (the host may go on); undefined when the host cannot go on at all. */
  takeFailure(): TaskFailure | undefined;
  /** A taken failure stands again (nothing rescued it). */
  restoreFailure(f: TaskFailure): void;
  /** A rescue section takes the failure: `ansible_failed_task`/`ansible_failed_result`, the recap's `rescued`. */
  rescuing(f: TaskFailure): void;
}

export interface TaskFailure {
  task: Task;
  /** What `register:` would hold (Ansible's ansible_failed_result). */
  registered: Record<string, unknown>;
  msg: string;
  result: TaskResult;
}

export async function runSteps(steps: readonly Step[], host: StepHost): Promise<boolean> {
  for (const s of steps) {
    const ok = s.kind === 'block' ? await runBlock(s, host) : s.kind === 'meta' ? await host.meta(s) : await host.task(s);
    if (!ok) return false;
  }
  return true;
}

async function runBlock(b: Block, host: StepHost): Promise<boolean> {
  if (b.include) {
    const go = await host.include(b);
    if (go !== 'run') return go === 'skip';
  }
  if (!b.rescue.length && !b.always.length) return runSteps(b.block, host);
  // A failure of a task before the block is not the block's to rescue.
  if (!(await host.flush())) return false;
  let failure: TaskFailure | undefined;
  if (!(await section(b.block, host))) {
    failure = host.takeFailure();
    if (!failure) return false;
  }
  if (failure && b.rescue.length) {
    host.rescuing(failure);
    failure = undefined;
    if (!(await section(b.rescue, host))) {
      failure = host.takeFailure();
      if (!failure) return false;
    }
  }
  // `always` runs whatever happened; a failure in it replaces the block's.
  if (b.always.length && !(await section(b.always, host))) return false;
  if (failure) {
    host.restoreFailure(failure);
    return false;
  }
  return true;
}

/** A section's tasks, its batch carried out before the next section decides. */
async function section(steps: readonly Step[], host: StepHost): Promise<boolean> {
  return (await runSteps(steps, host)) && (await host.flush());
}

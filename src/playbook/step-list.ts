// Walking a play's steps (tasks inside blocks) without running them.
import type { Step, Task } from './model.js';

/** Every task, in order: each block's block, rescue and always sections (or only `sections`). */
export function tasksOf(steps: readonly Step[], sections: ReadonlyArray<'block' | 'rescue' | 'always'> = ['block', 'rescue', 'always']): Task[] {
  return steps.flatMap((s) => {
    if (s.kind === 'meta') return [];
    if (s.kind === 'block') return sections.flatMap((k) => tasksOf(s[k], sections));
    return [s];
  });
}

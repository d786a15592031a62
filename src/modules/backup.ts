// `backup: true` of copy, lineinfile, replace and template: before the write that changes a
// file's content, a copy of it as Ansible's backup_local names it (`dest.PID.YYYY-MM-DD@HH:MM:SS~`,
// here the controller's PID and UTC time), made with `cp -p` (bytes, mode, owner, times) as a
// visible step of the plan. The transaction saves the copy's path too: a rollback removes it.
import type { FileState, ModulePlan, RunChange } from '../engine/change.js';
import type { PlanContext } from './module.js';
import { boolArg } from './arg-types.js';
import { quote } from '../shell.js';

export const backupArg = boolArg.default(false);

const two = (n: number) => String(n).padStart(2, '0');

/** backup_local's name for a copy of `path` made at `now` by process `pid`. */
export function backupName(path: string, now: Date, pid: number): string {
  const day = `${now.getUTCFullYear()}-${two(now.getUTCMonth() + 1)}-${two(now.getUTCDate())}`;
  return `${path}.${pid}.${day}@${two(now.getUTCHours())}:${two(now.getUTCMinutes())}:${two(now.getUTCSeconds())}~`;
}

/**
 * The plan with the backup copy first, when asked for and a write changes existing content.
 * `key`: where the result names the copy (lineinfile says `backup`, the others `backup_file`).
 */
export function withBackup(plan: ModulePlan & { kind: 'change' }, backup: boolean, before: FileState, ctx: PlanContext, key = 'backup_file'): ModulePlan {
  if (!backup || before.kind !== 'file') return plan;
  const path = before.link ?? before.path;
  const rewrites = plan.changes.some((c) => c.kind === 'write' && !c.content.equals(before.content));
  if (!rewrites) return plan;
  const clock = ctx.clock ?? { now: new Date(0), pid: 0 };
  const dest = backupName(path, clock.now, clock.pid);
  const copy: RunChange = {
    kind: 'run', command: `cp -p -- ${quote(path)} ${quote(dest)}`, registers: false,
    saves: [dest], touches: { files: [dest], probes: [] },
  };
  return { ...plan, changes: [copy, ...plan.changes], registered: { ...plan.registered, ...(ctx.check ? {} : { [key]: dest }) } };
}

// Tags as Ansible selects by them (--tags / --skip-tags, with the specials always, never,
// tagged, untagged, all). A task's tags are its own plus those of its blocks, imports and play;
// handlers are not selected by tags (Ansible runs a notified handler whatever its tags).
import type { PathKey } from '../yaml.js';
import type { Checker } from './checker.js';
import type { Block, Play, Step } from './model.js';
import { tasksOf } from './step-list.js';

export interface TagSelection {
  /** --tags (default: all). */
  only: string[];
  /** --skip-tags. */
  skip: string[];
}

/** `tags:` as written: a list, or a comma-separated string as Ansible splits it. */
export function tagList(c: Checker, v: unknown, path: PathKey[]): string[] {
  if (v === undefined || v === null) return [];
  const items = Array.isArray(v) ? v : [v];
  if (!items.every((t) => typeof t === 'string' || typeof t === 'number')) {
    c.fail(path, 'tags: expected a tag, a comma-separated string or a list of tags');
    return [];
  }
  return items.flatMap((t) => String(t).split(',')).map((t) => t.trim()).filter(Boolean);
}

/** The union, sorted as Ansible prints it. */
export function mergeTags(...lists: readonly string[][]): string[] {
  return [...new Set(lists.flat())].sort();
}

/** Ansible's Taggable.evaluate_tags (2.14). */
export function selected(tags: readonly string[], sel: TagSelection): boolean {
  const t = new Set(tags.length ? tags : ['untagged']);
  const untagged = t.size === 1 && t.has('untagged');
  const hits = (list: readonly string[]) => list.some((x) => t.has(x));
  let run = true;
  if (sel.only.length) {
    run = t.has('always') || (sel.only.includes('all') && !t.has('never')) || hits(sel.only)
      || (sel.only.includes('tagged') && !untagged && !t.has('never'));
  }
  if (run && sel.skip.length) {
    if (sel.skip.includes('all')) run = t.has('always') && !sel.skip.includes('always');
    else if (hits(sel.skip)) run = false;
    else if (sel.skip.includes('tagged') && !untagged) run = false;
  }
  return run;
}

/** The steps that run under the selection; a block left with no task is dropped. */
export function selectSteps(steps: readonly Step[], sel: TagSelection): Step[] {
  const out: Step[] = [];
  for (const s of steps) {
    if (s.kind === 'block') {
      if (s.include && !selected(s.tags, sel)) continue;
      const b: Block = { ...s, block: selectSteps(s.block, sel), rescue: selectSteps(s.rescue, sel), always: selectSteps(s.always, sel) };
      if (b.include || b.block.length || b.rescue.length || b.always.length) out.push(b);
    } else if ((s.kind === 'meta' && s.implicit) || selected(s.tags ?? [], sel)) out.push(s);
  }
  return out;
}

export function selectPlay(play: Play, sel: TagSelection): Play {
  const steps = selectSteps(play.steps ?? play.tasks, sel);
  return { ...play, steps, tasks: tasksOf(steps) };
}

/** What Ansible selects without --tags/--skip-tags: everything but `never`. */
export const DEFAULT_SELECTION: TagSelection = { only: ['all'], skip: [] };

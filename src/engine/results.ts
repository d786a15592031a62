// What a run reports: per task, per host, and the recap. Plain data, shared by the progress
// view, the JSON report and the exit code.

export type TaskStatus = 'ok' | 'changed' | 'skipped' | 'failed';

export interface FileDiff {
  path: string;
  /** Unified diff of the content ('' when only mode/owner change). */
  unified: string;
  /** Attribute changes, e.g. 'mode 0600 -> 0644'. */
  attrs: string[];
  created: boolean;
}

export interface TaskResult {
  task: string;
  status: TaskStatus;
  changed: boolean;
  /** A failure that `ignore_errors` let pass. */
  ignored?: boolean;
  /** A failure a block's `rescue` took: the host went on (and was not rolled back). */
  rescued?: boolean;
  msg?: string;
  /** What the task prints in the log whatever its status (debug's message). */
  output?: string;
  /** Files this task writes (or would write), as diffs. */
  diffs: FileDiff[];
  /** Exact commands this task runs (or would run). */
  commands: string[];
  /** How to reverse those commands (files are restored from their recorded `before`). */
  undo?: string[];
  /** Whether the changes were carried out (false under check mode). */
  executed: boolean;
  rc?: number | null;
  stdout?: string;
  stderr?: string;
  /** delegate_to: where the task ran instead of the host (the log shows `host -> localhost`). */
  delegatedTo?: string;
  /** run_once: the host that carried the task out; this host only took its register (not reported). */
  sharedFrom?: string;
  /** The task's `diff:` keyword (or its play's): shows or hides its file diffs whatever --diff says. */
  diff?: boolean;
  /** Per-item results of a loop. */
  items?: TaskResult[];
  handler?: boolean;
}

export interface Recap {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

export interface PathAttempt {
  path: string;
  ok: boolean;
  phase?: string;
  message?: string;
  ms: number;
  /** Backoff wait before the next attempt on the same path (a retry after sshd dropped this one). */
  waitMs?: number;
}

export type HostStatus = 'ok' | 'changed' | 'failed' | 'unreachable';

export interface HostResult {
  host: string;
  status: HostStatus;
  /** Label of the working path that reached the host. */
  path?: string;
  attempts: PathAttempt[];
  tasks: TaskResult[];
  recap: Recap;
  msg?: string;
  /** The host was put back as it was: by remedy itself, or by its on-host timer (the lease ran out). */
  rolledBack?: 'remedy' | 'timer';
  /**
   * Counters of this host's control connection, its own time in the play (`ms`), and the time
   * from the start of the run to this host being done (`sinceStartMs`; in the recap: to its last
   * play, i.e. verified when the playbook ends with a verification).
   */
  stats: { connections: number; execs: number; bytesIn: number; bytesOut: number; ms: number; sinceStartMs: number };
}

export function emptyRecap(): Recap {
  return { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 };
}

/**
 * Ansible's counting: `ok` counts every task that did not fail or skip, changed ones included,
 * and a failure `ignore_errors` let pass (it is also `ignored`).
 */
export function countTask(recap: Recap, r: TaskResult): void {
  if (r.status === 'skipped') recap.skipped++;
  else if (r.status === 'failed' && !r.ignored) recap.failed++;
  else if (r.status === 'failed') {
    recap.ignored++;
    recap.ok++;
  } else {
    recap.ok++;
    if (r.changed) recap.changed++;
  }
}

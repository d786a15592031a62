// The loaded, validated playbook. Values that may hold templates stay raw here: they are
// rendered per host at run time, with that host's variables.
import type { SourcePos } from '../errors.js';
import type { LoopKind } from './loops.js';

export interface Task {
  kind?: undefined;
  name: string;
  module: string;
  /** Module arguments as written (templates unrendered). */
  args: Record<string, unknown>;
  when?: unknown;
  register?: string;
  notify: string[];
  changedWhen?: unknown;
  failedWhen?: unknown;
  ignoreErrors: boolean;
  loop?: unknown;
  /** Which loop keyword `loop` came from: `loop`, or the lookup of a `with_*` (src/playbook/loops.ts). */
  loopKind?: LoopKind;
  loopVar: string;
  loopLabel?: string;
  /** `loop_control.index_var`: the variable that holds the item's 0-based index. */
  loopIndexVar?: string;
  become?: boolean;
  becomeUser?: string;
  vars: Record<string, unknown>;
  /** `environment:` as written (a mapping, a list of them, or a template): templated per host. */
  environment?: unknown;
  /** Handlers only: extra names this handler answers to. */
  listen: string[];
  noLog: boolean;
  /** Per-task override of check mode, like Ansible's `check_mode`. */
  checkMode?: boolean;
  /** `delegate_to:` the controller (a template is rendered per host and must give it too). */
  delegateTo?: string;
  /** `run_once:` runs on one host of the batch; its result and register go to them all. */
  runOnce?: boolean;
  /** `diff:` whether --diff/plan shows this task's file diffs (the play's, else shown). */
  diff?: boolean;
  /** Effective tags: its own, its blocks' and imports', its play's (sorted, for --tags/--skip-tags). */
  tags?: string[];
  pos: SourcePos;
  /** Position of the module's arguments, for run-time argument errors. */
  argsPos: SourcePos;
}

/**
 * `block:` with its `rescue:` and `always:`, also what `import_tasks`/`include_tasks` expand to.
 * The keywords written on it (when, become, vars, tags...) are already pushed down into its
 * tasks at load time, as Ansible applies them to each.
 */
export interface Block {
  kind: 'block';
  name?: string;
  block: Step[];
  rescue: Step[];
  always: Step[];
  /** Effective tags (listing only: each task carries its own). */
  tags: string[];
  /**
   * include_tasks: a task of its own, as in Ansible — selected by its own tags (its tasks do not
   * inherit them), its `when` decided once, reported ok (or skipped), listed alone.
   */
  include?: { file: string; when?: unknown };
  pos: SourcePos;
}

export type MetaAction = 'flush_handlers' | 'noop' | 'end_host';

/** `meta:` — an action of the engine itself, not a module. */
export interface Meta {
  kind: 'meta';
  action: MetaAction;
  name: string;
  when?: unknown;
  tags: string[];
  /** Ansible's own flush_handlers after pre_tasks and after tasks: never listed, never deselected. */
  implicit?: boolean;
  pos: SourcePos;
}

export type Step = Task | Block | Meta;

export interface Play {
  name: string;
  hosts: string;
  vars: Record<string, unknown>;
  /** `environment:` of the play, under each task's own. */
  environment?: unknown;
  /**
   * Every task of pre_tasks, tasks and post_tasks in order, blocks flattened (their rescue and
   * always sections included): for checks and prefetching. What runs is `steps`.
   */
  tasks: Task[];
  /** The same with their structure (blocks, meta); absent: `tasks`, one after the other. */
  steps?: Step[];
  handlers: Task[];
  /** The play's own tags (its tasks carry them too). */
  tags?: string[];
  become: boolean;
  becomeUser: string;
  gatherFacts: boolean;
  connection: 'ssh' | 'local';
  remoteUser?: string;
  serial?: Array<number | string>;
  maxFailPercentage?: number;
  /** `diff:` of the play: the default of its tasks' own. */
  diff?: boolean;
  pos: SourcePos;
}

export interface Playbook {
  file: string;
  plays: Play[];
}

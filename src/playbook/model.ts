// The loaded, validated playbook. Values that may hold templates stay raw here: they are
// rendered per host at run time, with that host's variables.
import type { SourcePos } from '../errors.js';
import type { LoopKind } from './loops.js';

export interface Task {
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
  pos: SourcePos;
  /** Position of the module's arguments, for run-time argument errors. */
  argsPos: SourcePos;
}

export interface Play {
  name: string;
  hosts: string;
  vars: Record<string, unknown>;
  /** `environment:` of the play, under each task's own. */
  environment?: unknown;
  tasks: Task[];
  handlers: Task[];
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

// The contract every module follows: declare what it must know (files, read-only probe
// commands), then plan from facts and that knowledge. Planning is pure; only the engine
// performs I/O, so `plan` prints exactly what `apply` will do.
import type { z } from 'zod';
import type { ModulePlan, FileState } from '../engine/change.js';
import type { Facts } from '../facts.js';

/** Output of a read-only probe command run on the host. */
export interface ProbeResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** What a module may consult while deciding what it needs to know. */
export interface KnowContext {
  facts: Facts;
  /** A path's state if it has been read already, else undefined. */
  known(path: string): FileState | undefined;
  /** A probe's output if it has run already, else undefined. */
  probed(command: string): ProbeResult | undefined;
  vars: Record<string, unknown>;
}

export interface PlanContext {
  facts: Facts;
  /** State of every path the module listed in `reads`, as it would be after earlier tasks. */
  file(path: string): FileState;
  /** Output of every probe the module listed in `probes`. */
  probe(command: string): ProbeResult;
  /** True under --check: planners must not assume commands ran. */
  check: boolean;
  /** The task's variables, for modules that evaluate expressions (assert). */
  vars: Record<string, unknown>;
  /** When and by whom the plan is made: the name of a `backup: true` copy. */
  clock?: { now: Date; pid: number };
}

/** What a module may use for its controller-side I/O (`prepare`). */
export interface PrepareContext {
  vars: Record<string, unknown>;
  /** Directories relative controller paths are searched in (the task file's own first). */
  baseDirs: readonly string[];
}

export interface ModuleDef<A = any> {
  name: string;
  /** Ansible names that mean this module (e.g. ansible.builtin.command). */
  aliases?: string[];
  /** Short description for docs. */
  summary: string;
  args: z.ZodType<A>;
  /** Other names of arguments, as Ansible's argument spec declares them (lineinfile's `dest` → `path`). */
  argAliases?: Record<string, string>;
  /** Argument that receives a free-form string (`command: echo hi`). */
  freeForm?: string;
  /**
   * Absolute paths whose state the plan needs. Called again after each round of reads until it
   * asks for nothing new, so a module can follow what it found (sshd_config's Include).
   */
  reads?(args: A, ctx: KnowContext): string[];
  /** Read-only commands whose output the plan needs; same rounds as `reads`. */
  probes?(args: A, ctx: KnowContext): string[];
  /**
   * Which of its probes print paths (each ended by a NUL) the module reads next: the engine
   * reads them in the same exec, which saves a round (sshd_config's Include listings).
   */
  listsPaths?(command: string): boolean;
  /**
   * Probes a later round will most likely ask for, run ahead by the play's first exec (the
   * Include of sshd_config.d that Debian, Ubuntu and Fedora ship). A wrong guess costs nothing
   * but the guess.
   */
  likelyProbes?(args: A): string[];
  /**
   * I/O on the controller before the host is read (template's and copy's `src`: found, read,
   * rendered): returns the arguments the plan works from, so `plan` stays pure. Throws with a
   * message on a missing file or a template error; the task fails with it.
   */
  prepare?(args: A, ctx: PrepareContext): Promise<A>;
  plan(args: A, ctx: PlanContext): ModulePlan;
}

// The contract every module follows: declare the files it must read, then plan from facts and
// file states. Planning is pure; only the engine performs I/O.
import type { z } from 'zod';
import type { ModulePlan, FileState } from '../engine/change.js';
import type { Facts } from '../facts.js';

export interface PlanContext {
  facts: Facts;
  /** State of every path the module listed in `reads`, as it would be after earlier tasks. */
  file(path: string): FileState;
  /** True under --check: planners must not assume commands ran. */
  check: boolean;
  /** The task's variables, for modules that evaluate expressions (assert). */
  vars: Record<string, unknown>;
}

export interface ModuleDef<A = any> {
  name: string;
  /** Ansible names that mean this module (e.g. ansible.builtin.command). */
  aliases?: string[];
  /** Short description for `remedy validate` and docs. */
  summary: string;
  args: z.ZodType<A>;
  /** Argument that receives a free-form string (`command: echo hi`). */
  freeForm?: string;
  /** Absolute paths whose state the plan needs. */
  reads?(args: A): string[];
  plan(args: A, ctx: PlanContext): ModulePlan;
}

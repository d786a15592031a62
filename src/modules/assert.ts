// `assert`: fail the host unless every condition holds. Evaluated on the controller, so it works
// the same under plan and apply (a guard that a dry run would skip is no guard).
import { z } from 'zod';
import { str } from './arg-types.js';
import { evalCondition } from '../playbook/condition.js';
import type { ModuleDef } from './module.js';

const args = z.strictObject({
  that: z.union([str(), z.array(str()).min(1)]),
  fail_msg: str().optional(),
  msg: str().optional(),
  success_msg: str().optional(),
});

export const assert: ModuleDef<z.infer<typeof args>> = {
  name: 'assert',
  aliases: ['ansible.builtin.assert'],
  summary: 'fail unless every condition holds',
  args,
  plan(a, ctx) {
    for (const cond of Array.isArray(a.that) ? a.that : [a.that]) {
      if (!evalCondition(cond, ctx.vars)) return { kind: 'fail', message: a.fail_msg ?? a.msg ?? `assertion failed: ${cond}` };
    }
    return { kind: 'ok', message: a.success_msg ?? 'all assertions passed' };
  },
};

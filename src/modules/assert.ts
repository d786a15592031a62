// `assert`: fail the host unless every condition holds. Evaluated on the controller, so it works
// the same under plan and apply (a guard that a dry run would skip is no guard). Messages and the
// registered result are Ansible's; unless `quiet`, the message is printed as Ansible prints it.
import { z } from 'zod';
import { str, boolArg } from './arg-types.js';
import { evalCondition } from '../playbook/condition.js';
import type { ModuleDef } from './module.js';

const message = z.union([str(), z.array(z.string()).min(1)]);

const args = z.strictObject({
  that: z.union([str(), z.array(str()).min(1)]),
  fail_msg: message.optional(),
  msg: message.optional(),
  success_msg: message.optional(),
  quiet: boolArg.default(false),
});

const text = (m: string | string[]) => (Array.isArray(m) ? m.join('\n') : m);

export const assert: ModuleDef<z.infer<typeof args>> = {
  name: 'assert',
  aliases: ['ansible.builtin.assert'],
  summary: 'fail unless every condition holds',
  args,
  plan(a, ctx) {
    for (const cond of Array.isArray(a.that) ? a.that : [a.that]) {
      if (evalCondition(cond, ctx.vars)) continue;
      const msg = a.fail_msg ?? a.msg ?? 'Assertion failed';
      return { kind: 'fail', message: text(msg), registered: { assertion: cond, evaluated_to: false, msg } };
    }
    const msg = a.success_msg ?? 'All assertions passed';
    return { kind: 'ok', message: text(msg), show: !a.quiet, registered: { changed: false, failed: false, msg } };
  },
};

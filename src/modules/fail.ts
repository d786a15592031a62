// `fail`: fail the host with a message. Runs on the controller, the same under plan and apply.
import { z } from 'zod';
import { toText } from '../playbook/expr.js';
import type { ModuleDef } from './module.js';

const args = z.strictObject({ msg: z.unknown().optional() });

export const fail: ModuleDef<z.infer<typeof args>> = {
  name: 'fail',
  aliases: ['ansible.builtin.fail'],
  summary: 'fail the host with a message',
  args,
  plan(a) {
    const msg = a.msg ?? 'Failed as requested from task';
    return { kind: 'fail', message: typeof msg === 'string' ? msg : toText(msg) };
  },
};

// `debug`: print a message or a variable's value. Runs on the controller and changes nothing, so
// it behaves the same under plan and apply; its result is Ansible's, so `register:` works.
import { z } from 'zod';
import { int } from './arg-types.js';
import { evaluate, toText, UndefinedError } from '../playbook/expr.js';
import type { ModuleDef } from './module.js';

const args = z
  .strictObject({
    msg: z.unknown().optional(),
    var: z.string().min(1).optional(),
    verbosity: int(z.number().int().min(0)).default(0),
  })
  .refine((a) => a.msg === undefined || a.var === undefined, { message: "'msg' and 'var' are incompatible options" });

/** Ansible's text for a value that is not defined. */
const UNDEFINED = 'VARIABLE IS NOT DEFINED!';

function valueOf(expr: string, vars: Record<string, unknown>): unknown {
  try {
    return evaluate(expr, vars);
  } catch (err) {
    if (err instanceof UndefinedError) return UNDEFINED;
    throw err;
  }
}

const shown = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

export const debug: ModuleDef<z.infer<typeof args>> = {
  name: 'debug',
  aliases: ['ansible.builtin.debug'],
  summary: 'print a message or a variable',
  args,
  plan(a, ctx) {
    // remedy has no -v levels: like Ansible at its default verbosity, only verbosity 0 prints.
    if (a.verbosity > 0) return { kind: 'skip', reason: `verbosity ${a.verbosity}: not shown at the default verbosity` };
    if (a.var !== undefined) {
      const value = valueOf(a.var, ctx.vars);
      return { kind: 'ok', show: true, message: `${a.var}: ${shown(value)}`, registered: { [a.var]: value, changed: false, failed: false } };
    }
    const msg = a.msg ?? 'Hello world!';
    return { kind: 'ok', show: true, message: typeof msg === 'string' ? msg : toText(msg), registered: { msg, changed: false, failed: false } };
  },
};

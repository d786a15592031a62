// `sshd_validate`: `<sshd> -t [-f path]` — the whole configuration as sshd will read it (main file
// and every Include), checked before anything restarts into it.
//
// It is a check, not a change: the RunChange is `readOnly`, so it runs under apply (never under
// plan), a failure fails the task, and success never makes the task 'changed' — a second apply
// still reports changed=0.
import { z } from 'zod';
import { str } from './arg-types.js';
import { quoteArgv } from '../shell.js';
import type { ModuleDef } from './module.js';

const args = z.strictObject({
  /** Config file to check; default: sshd's own default (/etc/ssh/sshd_config). */
  path: str(z.string().refine((p) => p.startsWith('/'), 'expected an absolute path')).optional(),
});

type Args = z.infer<typeof args>;

export const sshdValidate: ModuleDef<Args> = {
  name: 'sshd_validate',
  summary: 'check the sshd configuration with sshd -t (a check: never counts as changed)',
  args,
  plan(a, ctx) {
    const sshd = ctx.facts.sshdPath;
    if (!sshd) return { kind: 'fail', message: 'cannot check the sshd configuration: no sshd binary was found on the host (facts)' };
    const command = quoteArgv([sshd, '-t', ...(a.path === undefined ? [] : ['-f', a.path])]);
    return {
      kind: 'change',
      changes: [{ kind: 'run', command, readOnly: true }],
      message: `check ${a.path ?? 'the configuration'} (with every Include) with sshd -t`,
    };
  },
};

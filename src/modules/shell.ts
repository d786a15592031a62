// `shell`: run a command line through /bin/sh, like Ansible's shell (pipes, redirections).
import { z } from 'zod';
import { str } from './arg-types.js';
import { quote } from '../shell.js';
import type { ModuleDef } from './module.js';
import { guardReads, planRun, runGuards } from './command.js';

const args = z.strictObject({
  cmd: str(z.string().min(1)),
  executable: str().default('/bin/sh'),
  ...runGuards,
});

export const shell: ModuleDef<z.infer<typeof args>> = {
  name: 'shell',
  aliases: ['ansible.builtin.shell', 'ansible.legacy.shell'],
  summary: 'run a command line through a shell',
  args,
  freeForm: 'cmd',
  reads: guardReads,
  plan: (a, ctx) => planRun(a, ctx, `${quote(a.executable)} -c ${quote(a.cmd)}`, a.cmd),
};

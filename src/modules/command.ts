// `command`: run a program without a shell (argv quoted word by word), like Ansible's command.
import { z } from 'zod';
import { str } from './arg-types.js';
import path from 'node:path';
import { quote, quoteArgv, splitArgs } from '../shell.js';
import type { ModuleDef, PlanContext } from './module.js';
import type { ModulePlan } from '../engine/change.js';

export const runGuards = {
  chdir: str().optional(),
  /** Skip when this path exists. */
  creates: str().optional(),
  /** Skip when this path does not exist. */
  removes: str().optional(),
  stdin: str().optional(),
};

interface Guards {
  chdir?: string;
  creates?: string;
  removes?: string;
}

function resolveIn(p: string, chdir: string | undefined): string {
  return path.posix.isAbsolute(p) || !chdir ? p : path.posix.join(chdir, p);
}

export function guardReads(a: Guards): string[] {
  return [a.creates, a.removes].filter((p): p is string => !!p).map((p) => resolveIn(p, a.chdir));
}

/** Apply creates/removes, then plan the exact command line. */
export function planRun(a: Guards & { stdin?: string }, ctx: PlanContext, command: string, cmd?: string | string[]): ModulePlan {
  if (a.creates && ctx.file(resolveIn(a.creates, a.chdir)).kind !== 'absent') {
    return { kind: 'skip', reason: `${a.creates} exists (creates)` };
  }
  if (a.removes && ctx.file(resolveIn(a.removes, a.chdir)).kind === 'absent') {
    return { kind: 'skip', reason: `${a.removes} does not exist (removes)` };
  }
  const line = a.chdir ? `cd ${quote(a.chdir)} && ${command}` : command;
  return { kind: 'change', changes: [{ kind: 'run', command: line, cmd, stdin: a.stdin }] };
}

const args = z
  .strictObject({
    cmd: str().optional(),
    argv: z.array(str()).min(1).optional(),
    ...runGuards,
  })
  .superRefine((a, ctx) => {
    if ((a.cmd === undefined) === (a.argv === undefined)) {
      ctx.addIssue({ code: 'custom', message: "give exactly one of 'cmd' (or a free-form command) and 'argv'" });
    }
    if (a.cmd !== undefined) {
      try {
        if (splitArgs(a.cmd).length === 0) ctx.addIssue({ code: 'custom', path: ['cmd'], message: 'the command is empty' });
      } catch (e) {
        ctx.addIssue({ code: 'custom', path: ['cmd'], message: (e as Error).message });
      }
    }
  });

export const command: ModuleDef<z.infer<typeof args>> = {
  name: 'command',
  aliases: ['ansible.builtin.command', 'ansible.legacy.command'],
  summary: 'run a program with arguments, without a shell',
  args,
  freeForm: 'cmd',
  reads: guardReads,
  plan(a, ctx) {
    const argv = a.argv ?? splitArgs(a.cmd!);
    return planRun(a, ctx, quoteArgv(argv), argv);
  },
};

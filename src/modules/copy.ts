// `copy` with `content`: make a file hold exactly these bytes, with mode and owner.
import { z } from 'zod';
import { str } from './arg-types.js';
import { jsonDumps } from '../playbook/filters.js';
import type { ModuleDef } from './module.js';
import { fileAttrArgs, planWrite } from './file-attrs.js';

const args = z.strictObject({
  dest: str(z.string().min(1)),
  // Ansible's copy action writes a list or dict as json.dumps() of it.
  content: z.preprocess((v) => (v !== null && typeof v === 'object' && !(v instanceof Date) ? jsonDumps(v) : v), str()),
  ...fileAttrArgs,
});

export const copy: ModuleDef<z.infer<typeof args>> = {
  name: 'copy',
  aliases: ['ansible.builtin.copy'],
  summary: 'write a file with the given content (atomic, keeps mode and owner)',
  args,
  reads: (a) => [a.dest],
  plan(a, ctx) {
    const before = ctx.file(a.dest);
    if (before.kind === 'dir' || before.kind === 'other') return { kind: 'fail', message: `${a.dest} exists and is not a regular file` };
    if (before.kind === 'large') return { kind: 'fail', message: `${a.dest} is too large to compare (${before.size} bytes)` };
    const write = planWrite(before, Buffer.from(a.content, 'utf8'), a);
    return write ? { kind: 'change', changes: [write] } : { kind: 'ok' };
  },
};

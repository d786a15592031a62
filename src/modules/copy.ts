// `copy` with `content` or `src` (a file on the controller, looked up in `files/` next to the
// playbook, then the playbook's directory): make a file hold exactly these bytes, with mode and
// owner. A directory as `src` is refused (remedy copies single files).
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { absPath, str } from './arg-types.js';
import { jsonDumps } from '../playbook/filters.js';
import type { ModuleDef, PlanContext } from './module.js';
import type { ModulePlan } from '../engine/change.js';
import { fileAttrArgs, planWrite, type FileAttrs } from './file-attrs.js';
import { readControllerFile } from './controller-file.js';
import { backupArg, withBackup } from './backup.js';

const args = z.strictObject({
  dest: absPath,
  // Ansible's copy action writes a list or dict as json.dumps() of it.
  content: z.preprocess((v) => (v !== null && typeof v === 'object' && !(v instanceof Date) ? jsonDumps(v) : v), str()).optional(),
  src: str(z.string().min(1)).optional(),
  backup: backupArg,
  ...fileAttrArgs,
}).superRefine((a, ctx) => {
  if (a.content !== undefined && a.src !== undefined) ctx.addIssue({ code: 'custom', message: "'src' and 'content' are mutually exclusive" });
  if (a.content === undefined && a.src === undefined) ctx.addIssue({ code: 'custom', message: "needs 'src' or 'content'" });
});
type Args = z.infer<typeof args> & { loaded?: Buffer };

/**
 * The write (after a backup copy, when asked) that makes `dest` hold `content` with `attrs`;
 * registered as Ansible's copy result (dest, checksum, size, state, mode).
 */
export function planFileWrite(dest: string, content: Buffer, attrs: FileAttrs & { backup: boolean }, ctx: PlanContext): ModulePlan {
  const before = ctx.file(dest);
  if (before.kind === 'dir' || before.kind === 'other') return { kind: 'fail', message: `${dest} exists and is not a regular file` };
  if (before.kind === 'large') return { kind: 'fail', message: `${dest} is too large to compare (${before.size} bytes)` };
  const write = planWrite(before, content, attrs);
  const result = { dest, checksum: createHash('sha1').update(content).digest('hex'), size: content.length, state: 'file', mode: write?.mode ?? attrs.mode ?? (before.kind === 'file' ? before.mode : undefined) };
  if (!write) return { kind: 'ok', registered: { changed: false, failed: false, ...result } };
  return withBackup({ kind: 'change', changes: [write], registered: result }, attrs.backup, before, ctx);
}

export const copy: ModuleDef<Args> = {
  name: 'copy',
  aliases: ['ansible.builtin.copy'],
  summary: 'write a file with the given content or a controller file (atomic, keeps mode and owner)',
  args,
  async prepare(a, ctx) {
    if (a.src === undefined) return a;
    return { ...a, loaded: (await readControllerFile('files', a.src, ctx.baseDirs)).content };
  },
  reads: (a) => [a.dest],
  plan(a, ctx) {
    const content = a.loaded ?? (a.content !== undefined ? Buffer.from(a.content, 'utf8') : undefined);
    if (!content) return { kind: 'fail', message: 'internal: copy src planned before it was read' };
    return planFileWrite(a.dest, content, a, ctx);
  },
};

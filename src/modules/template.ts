// `template` as ansible.builtin.template: `src` is a file on the controller (looked up in
// `templates/` next to the playbook, then the playbook's directory), rendered with the host's
// variables by remedy's Jinja engine before the host is read (`prepare`), then written like
// `copy` — the plan holds the exact bytes.
import { hostname } from 'node:os';
import { z } from 'zod';
import { absPath, str } from './arg-types.js';
import type { ModuleDef } from './module.js';
import { fileAttrArgs } from './file-attrs.js';
import { readControllerFile } from './controller-file.js';
import { backupArg } from './backup.js';
import { renderText } from '../playbook/template.js';
import { ExprSyntaxError } from '../playbook/expr-parse.js';
import { planFileWrite } from './copy.js';

const args = z.strictObject({
  src: str(z.string().min(1)),
  dest: absPath,
  backup: backupArg,
  // Ansible's defaults, and the only values remedy's engine renders with.
  trim_blocks: z.literal(true).optional(),
  lstrip_blocks: z.literal(false).optional(),
  newline_sequence: z.literal('\n').optional(),
  output_encoding: z.literal('utf-8').optional(),
  force: z.literal(true).optional(),
  ...fileAttrArgs,
});
type Args = z.infer<typeof args> & { rendered?: Buffer };

/** Line and column of an offset into a template's text. */
function lineCol(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}

export const template: ModuleDef<Args> = {
  name: 'template',
  aliases: ['ansible.builtin.template'],
  summary: 'render a Jinja template from the controller into a file on the host',
  args,
  async prepare(a, ctx) {
    const { path, content } = await readControllerFile('templates', a.src, ctx.baseDirs);
    const text = content.toString('utf8');
    const vars = {
      ...ctx.vars, template_path: path, template_fullpath: path, template_host: hostname(),
      template_destpath: a.dest, ansible_managed: 'Ansible managed',
    };
    try {
      return { ...a, rendered: Buffer.from(renderText(text, vars), 'utf8') };
    } catch (e) {
      const at = e instanceof ExprSyntaxError ? `:${lineCol(text, e.offset)}` : '';
      throw new Error(`template ${path}${at}: ${(e as Error).message}`);
    }
  },
  reads: (a) => [a.dest],
  plan(a, ctx) {
    if (!a.rendered) return { kind: 'fail', message: 'internal: template planned before it was rendered' };
    return planFileWrite(a.dest, a.rendered, a, ctx);
  },
};

// `replace` as ansible.builtin.replace: every match of `regexp` (Python re, MULTILINE) in the
// file — or in the part between `after` and `before` (DOTALL) — replaced with `replace`
// (backreferences \1, \g<name>), planned as the exact new content of one write.
import { z } from 'zod';
import { absPath, boolArg, str } from './arg-types.js';
import type { ModuleDef } from './module.js';
import { editableText, fileAttrArgs, planWrite } from './file-attrs.js';
import { PyRegexError, pyExpand, pyRegex } from './py-regex.js';
import { backupArg, withBackup } from './backup.js';

const regexText = () => str(z.string()).superRefine((v, ctx) => {
  try {
    pyRegex(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${(e as Error).message}` });
  }
});

const args = z.strictObject({
  path: absPath,
  regexp: regexText(),
  replace: str().default(''),
  after: regexText().optional(),
  before: regexText().optional(),
  encoding: z.literal('utf-8').optional(),
  backup: backupArg,
  // Accepted and ignored: remedy's writes are always atomic.
  unsafe_writes: boolArg.optional(),
  ...fileAttrArgs,
});
type Args = z.infer<typeof args>;

/** The section `after`/`before` select, as [start, end) in `text`; null when they do not match. */
function section(text: string, a: Args): [number, number] | null {
  if (a.after === undefined && a.before === undefined) return [0, text.length];
  const pattern = a.after !== undefined && a.before !== undefined ? `${a.after}(?P<subsection>.*?)${a.before}`
    : a.after !== undefined ? `${a.after}(?P<subsection>.*)` : `(?P<subsection>.*)${a.before}`;
  const m = pyRegex(pattern, 'sd').exec(text);
  const at = m?.indices?.groups?.subsection;
  return at ? [at[0], at[1]] : null;
}

/** The file's new text and how many replacements were made (as re.subn counts them). */
export function replaceText(text: string, a: Args): { text: string; count: number; unmatched?: true } {
  const range = section(text, a);
  if (!range) return { text, count: 0, unmatched: true };
  const [from, to] = range;
  const part = text.slice(from, to);
  let out = '';
  let last = 0;
  let count = 0;
  for (const m of part.matchAll(pyRegex(a.regexp, 'mg'))) {
    out += part.slice(last, m.index) + pyExpand(a.replace, m);
    last = m.index! + m[0].length;
    count++;
  }
  out += part.slice(last);
  return { text: text.slice(0, from) + out + text.slice(to), count };
}

/** The section pattern as Ansible builds it (for its message). */
function sectionPattern(a: Args): string {
  if (a.after && a.before) return `${a.after}(?P<subsection>.*?)${a.before}`;
  return a.after ? `${a.after}(?P<subsection>.*)` : `(?P<subsection>.*)${a.before}`;
}

export const replace: ModuleDef<Args> = {
  name: 'replace',
  aliases: ['ansible.builtin.replace'],
  summary: 'replace every match of a regular expression in a file (Python re semantics)',
  args,
  argAliases: { dest: 'path', destfile: 'path', name: 'path' },
  reads: (a) => [a.path],
  plan(a, ctx) {
    const state = ctx.file(a.path);
    const cur = editableText(state);
    if ('error' in cur) return { kind: 'fail', message: cur.error };
    if ('absent' in cur) return { kind: 'fail', message: `Path ${a.path} does not exist !`, registered: { rc: 257 } };
    let next;
    try {
      next = replaceText(cur.text, a);
    } catch (e) {
      if (e instanceof PyRegexError) return { kind: 'fail', message: `replace: ${e.message}` };
      throw e;
    }
    const content = next.text === cur.text && state.kind === 'file' ? state.content : Buffer.from(next.text, 'utf8');
    const write = planWrite(state, content, a);
    // Ansible's words: a section that is not there changes nothing and says which pattern missed.
    if (next.unmatched) return { kind: 'ok', registered: { msg: `Pattern for before/after params did not match the given file: ${sectionPattern(a)}` } };
    const message = next.text !== cur.text ? `${next.count} replacements made` : '';
    return write ? withBackup({ kind: 'change', changes: [write], message, registered: { msg: message } }, a.backup, state, ctx) : { kind: 'ok', registered: { msg: '' } };
  },
};

// `lineinfile` with Ansible's semantics (so existing playbooks behave the same): with `regexp`
// the LAST matching line is replaced, unless `firstmatch: true`. Every other byte of the file,
// including each line's own line ending, is kept.
import { z } from 'zod';
import { absPath, str, boolArg } from './arg-types.js';
import type { ModuleDef, PlanContext } from './module.js';
import { editableText, fileAttrArgs, planWrite } from './file-attrs.js';
import { backupArg, withBackup } from './backup.js';
import { dirsToMake, lineage, mkdirStep, parentOf } from './parent-dirs.js';
import type { ModulePlan } from '../engine/change.js';

const args = z
  .strictObject({
    path: absPath,
    line: str().optional(),
    regexp: str().optional(),
    search_string: str().optional(),
    state: z.enum(['present', 'absent']).default('present'),
    insertafter: str().optional(),
    insertbefore: str().optional(),
    create: boolArg.default(false),
    backrefs: boolArg.default(false),
    firstmatch: boolArg.default(false),
    backup: backupArg,
    ...fileAttrArgs,
  })
  .superRefine((a, ctx) => {
    const need = (cond: boolean, message: string) => cond || ctx.addIssue({ code: 'custom', message });
    need(!(a.regexp !== undefined && a.search_string !== undefined), "'regexp' and 'search_string' are mutually exclusive");
    need(!(a.insertafter !== undefined && a.insertbefore !== undefined), "'insertafter' and 'insertbefore' are mutually exclusive");
    if (a.state === 'present') need(a.line !== undefined, "state=present needs 'line'");
    else need(a.line !== undefined || a.regexp !== undefined || a.search_string !== undefined, "state=absent needs 'line', 'regexp' or 'search_string'");
    need(!a.backrefs || a.regexp !== undefined, "'backrefs' needs 'regexp'");
    for (const key of ['regexp', 'insertafter', 'insertbefore'] as const) {
      const v = a[key];
      if (v === undefined || v === 'EOF' || v === 'BOF') continue;
      try {
        new RegExp(v);
      } catch (e) {
        ctx.addIssue({ code: 'custom', path: [key], message: `invalid regular expression: ${(e as Error).message}` });
      }
    }
  });

type Args = z.infer<typeof args>;

/** Lines with their endings kept ('a\r\n', 'b\n', 'c'). */
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}
const bare = (l: string) => l.replace(/\r?\n$/, '');
/** The ending new lines get: the file's first line ending, else '\n'. */
const endingOf = (lines: string[]) => (lines[0]?.endsWith('\r\n') ? '\r\n' : '\n');

/** Python's match.expand for \1..\9 and \g<n>. */
function expand(template: string, m: RegExpExecArray): string {
  return template.replace(/\\(\d)|\\g<(\d+)>/g, (_, a: string, b: string) => m[Number(a ?? b)] ?? '');
}

export function editLines(text: string, a: Args): string {
  const lines = splitLines(text);
  const eol = endingOf(lines);
  const matcher = a.regexp !== undefined ? (l: string) => new RegExp(a.regexp!).exec(bare(l))
    : a.search_string !== undefined ? (l: string) => (bare(l).includes(a.search_string!) ? ([] as unknown as RegExpExecArray) : null)
    : undefined;

  if (a.state === 'absent') {
    const keep = lines.filter((l) => (matcher ? !matcher(l) : bare(l) !== a.line));
    return keep.join('');
  }

  const line = a.line!;
  let found = -1;
  let match: RegExpExecArray | null = null;
  if (matcher) {
    for (let i = 0; i < lines.length; i++) {
      const m = matcher(lines[i]!);
      if (m) {
        [found, match] = [i, m];
        if (a.firstmatch) break;
      }
    }
  }
  const insRe = a.insertafter && a.insertafter !== 'EOF' && a.insertafter !== 'BOF' ? new RegExp(a.insertafter)
    : a.insertbefore && a.insertbefore !== 'BOF' ? new RegExp(a.insertbefore) : undefined;
  let insertAt = -1;
  let exact = false;
  if (found === -1) {
    for (let i = 0; i < lines.length; i++) {
      if (bare(lines[i]!) === line) [found, exact] = [i, true];
      else if (insRe && insRe.test(bare(lines[i]!)) && (insertAt === -1 || !a.firstmatch)) {
        insertAt = a.insertafter ? i + 1 : i;
      }
    }
  }

  if (found !== -1) {
    const newLine = (a.backrefs && match ? expand(line, match) : line);
    if (exact || bare(lines[found]!) === newLine) return text;
    const ending = lines[found]!.slice(bare(lines[found]!).length) || eol;
    lines[found] = newLine + ending;
    return lines.join('');
  }
  if (a.backrefs) return text; // without a match the backrefs cannot be filled: change nothing
  if (a.insertbefore === 'BOF' || a.insertafter === 'BOF') return line + eol + text;
  if (a.insertafter === 'EOF' || insertAt === -1) {
    const sep = text.length && !text.endsWith('\n') ? eol : '';
    return text + sep + line + eol;
  }
  if (a.insertafter && insertAt < lines.length && bare(lines[insertAt]!) === line) return text;
  if (a.insertafter && insertAt === lines.length) {
    if (bare(lines[insertAt - 1]!) === line) return text;
    const sep = text.endsWith('\n') ? '' : eol;
    return text + sep + line + eol;
  }
  lines.splice(insertAt, 0, line + eol);
  return lines.join('');
}

export const lineinfile: ModuleDef<Args> = {
  name: 'lineinfile',
  aliases: ['ansible.builtin.lineinfile'],
  summary: 'ensure a line is present in (or absent from) a text file',
  args,
  // As ansible.builtin.lineinfile declares them.
  argAliases: { dest: 'path', destfile: 'path', name: 'path', regex: 'regexp', value: 'line' },
  // A file to create may need its directory made too: then every ancestor is read, in one round.
  reads: (a, ctx) => (a.create && ctx.known(a.path)?.kind === 'absent' ? lineage(a.path) : [a.path]),
  plan: (a, ctx) => withWarnings(planEdit(a, ctx), warningsOf(a)),
};

function planEdit(a: Args, ctx: PlanContext): ModulePlan {
  const state = ctx.file(a.path);
  const cur = editableText(state);
  if ('error' in cur) return { kind: 'fail', message: cur.error };
  if ('absent' in cur) {
    // Ansible's own words, which its users' rescue blocks and asserts test for.
    if (a.state === 'absent') return { kind: 'ok', message: 'file not present', registered: { msg: 'file not present' } };
    if (!a.create) return { kind: 'fail', message: `Destination ${a.path} does not exist !`, registered: { rc: 257 } };
  }
  const text = 'text' in cur ? cur.text : '';
  const next = editLines(text, a);
  // Unchanged text keeps the original bytes (even ones that are not valid UTF-8).
  const content = next === text && state.kind === 'file' ? state.content : Buffer.from(next, 'utf8');
  const write = planWrite(state, content, a);
  const found = a.state === 'absent' ? { found: splitLines(text).length - splitLines(next).length } : {};
  if (!write) return { kind: 'ok', registered: { msg: '', ...found } };
  const parents = state.kind === 'absent' ? dirsToMake(parentOf(a.path), (p) => ctx.file(p)) : { missing: [] };
  if ('error' in parents) return { kind: 'fail', message: `Error creating ${parentOf(a.path)} (${parents.error})` };
  const message = resultMessage(text, next, a);
  const plan: ModulePlan = { kind: 'change', changes: [...parents.missing.map((d) => mkdirStep(d)), write], message, registered: { msg: message, ...found } };
  return withBackup(plan, a.backup, state, ctx, 'backup');
}

/** Ansible's warning for an empty regexp or search_string, which matches every line. */
function warningsOf(a: Args): string[] {
  if (a.regexp !== '' && a.search_string !== '') return [];
  const what = a.regexp === '' ? 'regular expression' : 'search string';
  return [`The ${what} is an empty string, which will match every line in the file. `
    + 'This may have unintended consequences, such as replacing the last line in the file rather than appending.'
    + (a.regexp === '' ? " If this is desired, use '^' to match every line in the file and avoid this warning." : '')];
}

function withWarnings(plan: ModulePlan, warnings: string[]): ModulePlan {
  if (!warnings.length || plan.kind === 'skip') return plan;
  return { ...plan, registered: { ...plan.registered, warnings } } as ModulePlan;
}

/** What ansible.builtin.lineinfile says it did: 'line added', 'line replaced', 'N line(s) removed'. */
function resultMessage(before: string, after: string, a: Args): string {
  const removed = splitLines(before).length - splitLines(after).length;
  if (a.state === 'absent') return `${removed} line(s) removed`;
  return removed < 0 ? 'line added' : 'line replaced';
}

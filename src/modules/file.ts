// `file` as ansible.builtin.file for what remedy can undo: state file / directory / absent /
// touch, with mode, owner and group. Every step is a command the plan shows and the rollback
// reverses: a regular file is backed up before it is changed or removed (`saves`), a directory
// made is removed again, a removed (empty) directory made again with its mode and owner, a
// directory's mode and owner set back. Not supported, refused when asked: links (state link
// or hard; removing a link), `recurse`, removing a directory that is not empty.
import { z } from 'zod';
import { absPath, boolArg, idArg, modeArg } from './arg-types.js';
import type { FileState, ModulePlan, RunChange } from '../engine/change.js';
import type { ModuleDef } from './module.js';
import { matches } from './file-attrs.js';
import { quote } from '../shell.js';
import { dirsToMake, lineage, mkdirStep } from './parent-dirs.js';

const refused = (why: string) => z.unknown().refine((v) => v === undefined || v === null, `not supported: ${why}`).optional();

const args = z.strictObject({
  path: absPath,
  state: z.enum(['file', 'directory', 'absent', 'touch', 'link', 'hard'])
    .refine((st) => st !== 'link' && st !== 'hard', 'link and hard are not supported: remedy does not make links (its rollback could not undo them)')
    .optional(),
  mode: modeArg.optional(),
  owner: idArg.optional(),
  group: idArg.optional(),
  follow: boolArg.default(true),
  recurse: boolArg.default(false).refine((r) => !r, "true is not supported: remedy's rollback could not put a whole tree back"),
  force: boolArg.optional(),
  src: refused('remedy does not make links'),
  attributes: refused('remedy does not set file attributes (chattr)'),
  modification_time: refused('remedy does not set file times'),
  access_time: refused('remedy does not set file times'),
  unsafe_writes: boolArg.optional(),
});
type Args = z.infer<typeof args>;

/** Lists a directory's entries: empty output means it may be removed (and made again on rollback). */
export const emptyProbe = (dir: string) => `ls -A -- ${quote(dir)}`;

/** What a step changes, for the session's knowledge; its rc and output are not the task's result. */
const touch = (files: string[]) => ({ files, probes: [] as string[] });
const step = (c: Omit<RunChange, 'kind' | 'registers'>): RunChange => ({ kind: 'run', registers: false, ...c });

/** chmod/chown of an existing path where they differ: backed up if a file, undone if not. */
function attrChanges(a: Args, st: Exclude<FileState, { kind: 'absent' }>): RunChange[] {
  const target = st.link ?? a.path;
  const q = quote(target);
  const file = st.kind === 'file' || st.kind === 'large';
  const keep = file ? { saves: [target] } : {};
  const out: RunChange[] = [];
  const ownerDiffers = !matches(a.owner, st.owner, st.uid) || !matches(a.group, st.group, st.gid);
  if (ownerDiffers) {
    const who = `${a.owner ?? ''}${a.group !== undefined ? `:${a.group}` : ''}`;
    out.push(step({ command: `chown ${quote(who)} -- ${q}`, touches: touch([a.path]), ...keep,
      ...(file ? {} : { undo: `chown ${st.uid}:${st.gid} -- ${q}`, undoOnRollback: true }) }));
  }
  if (a.mode !== undefined && a.mode !== st.mode) {
    out.push(step({ command: `chmod ${a.mode} -- ${q}`, touches: touch([a.path]), ...keep,
      ...(file ? {} : { undo: `chmod ${st.mode} -- ${q}`, undoOnRollback: true }) }));
  }
  return out;
}

/** mkdir of each missing directory, outermost first, each given the task's mode and owner (as Ansible does). */
function makeDirs(a: Args, missing: string[]): RunChange[] {
  return missing.map((dir) => {
    const q = quote(dir);
    const who = a.owner !== undefined || a.group !== undefined ? ` && chown ${quote(`${a.owner ?? ''}${a.group !== undefined ? `:${a.group}` : ''}`)} -- ${q}` : '';
    const mode = a.mode !== undefined ? ` && chmod ${a.mode} -- ${q}` : '';
    return mkdirStep(dir, `${who}${mode}`);
  });
}

function planAbsent(a: Args, st: FileState, ctx: { probe(c: string): { code: number | null; stdout: string } }): ModulePlan {
  if (st.kind === 'absent') return { kind: 'ok', registered: { changed: false, path: a.path, state: 'absent' } };
  if (st.link !== undefined) return { kind: 'fail', message: `${a.path} is a symbolic link: remedy does not remove links (its rollback could not make them again)` };
  const q = quote(a.path);
  if (st.kind === 'dir') {
    const r = ctx.probe(emptyProbe(a.path));
    if (r.code !== 0 || r.stdout !== '') return { kind: 'fail', message: `${a.path} is a directory that is not empty: remedy removes only empty directories (its rollback could not put a tree back)` };
    const undo = `mkdir -- ${q} && chown ${st.uid}:${st.gid} -- ${q} && chmod ${st.mode} -- ${q}`;
    return change([step({ command: `rmdir -- ${q}`, undo, undoOnRollback: true, touches: touch([a.path]) })], a, 'absent');
  }
  if (st.kind === 'other') return { kind: 'fail', message: `${a.path} is not a regular file or a directory: remedy does not remove it` };
  return change([step({ command: `rm -f -- ${q}`, saves: [a.path], touches: touch([a.path]) })], a, 'absent');
}

function change(changes: RunChange[], a: Args, state: string): ModulePlan {
  const registered = { path: a.path, state };
  return changes.length ? { kind: 'change', changes, registered } : { kind: 'ok', registered: { changed: false, ...registered } };
}

const linkOf = (st: FileState) => (st.kind === 'absent' ? undefined : st.link);
const stateOf = (st: FileState) => (st.kind === 'absent' ? 'absent' : st.kind === 'dir' ? 'directory' : 'file');

export const file: ModuleDef<Args> = {
  name: 'file',
  aliases: ['ansible.builtin.file'],
  summary: 'a file or directory present, absent or touched, with mode and owner (no links, no recurse)',
  args,
  argAliases: { dest: 'path', name: 'path' },
  reads: (a) => (a.state === 'directory' ? lineage(a.path) : [a.path]),
  probes: (a, ctx) => (a.state === 'absent' && ctx.known(a.path)?.kind === 'dir' ? [emptyProbe(a.path)] : []),
  plan(a, ctx) {
    const st = ctx.file(a.path);
    const state = a.state ?? (st.kind === 'absent' ? 'file' : stateOf(st));
    if (!a.follow && linkOf(st) !== undefined) return { kind: 'fail', message: `${a.path} is a symbolic link: follow: false is not supported (remedy changes the link's target only)` };
    if (state === 'absent') return planAbsent(a, st, ctx);
    if (state === 'file') {
      if (st.kind === 'absent') return { kind: 'fail', message: `file (${a.path}) is absent, cannot continue` };
      if (st.kind === 'dir') return { kind: 'fail', message: `file (${a.path}) is directory, cannot continue` };
      return change(attrChanges(a, st), a, 'file');
    }
    if (state === 'directory') {
      if (st.kind === 'absent') {
        const made = dirsToMake(a.path, (p) => ctx.file(p));
        if ('error' in made) return { kind: 'fail', message: made.error };
        return change(makeDirs(a, made.missing), a, 'directory');
      }
      if (st.kind !== 'dir') return { kind: 'fail', message: `${a.path} already exists as a ${st.kind === 'other' ? 'special file' : 'file'}` };
      return change(attrChanges(a, st), a, 'directory');
    }
    // touch: always a change, as in Ansible (the times move); a new file gets the task's attributes.
    const target = linkOf(st) ?? a.path;
    const q = quote(target);
    const saves = st.kind === 'dir' || st.kind === 'other' ? {} : { saves: [target] };
    const made = step({ command: `touch -- ${q}`, touches: touch([a.path]), ...saves });
    if (st.kind === 'absent') {
      const fresh: FileState = { path: a.path, kind: 'file', content: Buffer.alloc(0), mode: '', uid: -1, gid: -1, owner: '', group: '' };
      return change([made, ...attrChanges(a, fresh)], a, 'file');
    }
    return change([made, ...attrChanges(a, st)], a, stateOf(st));
  },
};

// Directories a module must make before it can create a path (file state=directory, lineinfile
// create: true), found from one read of every ancestor, made outermost first and removed again
// by rollback (innermost first: undo runs in reverse order).
import type { FileState, RunChange } from '../engine/change.js';
import { quote } from '../shell.js';

export const parentOf = (p: string) => p.replace(/\/[^/]*\/*$/, '') || '/';

/** The path and each of its ancestors up to / (paths are absolute: module arguments say so). */
export function lineage(path: string): string[] {
  const chain = [path];
  for (let p = path; p.startsWith('/') && p !== '/'; ) chain.push((p = parentOf(p)));
  return chain;
}

/** The path and, while they are absent, its parents: a new directory's missing ancestors and the first that exists. */
export function missingChain(path: string, state: (p: string) => FileState): string[] {
  const chain = [path];
  for (let p = path; p.startsWith('/') && p !== '/' && state(p).kind === 'absent'; ) chain.push((p = parentOf(p)));
  return chain;
}

/** `mkdir` of one missing directory (then `then`, e.g. its chown/chmod), undone by `rmdir` on rollback. */
export function mkdirStep(dir: string, then = ''): RunChange {
  const q = quote(dir);
  return {
    kind: 'run', registers: false, command: `mkdir -- ${q}${then}`, undo: `rmdir -- ${q}`, undoOnRollback: true,
    touches: { files: [dir], probes: [] },
  };
}

/**
 * The mkdir steps that make `dir` (and its missing parents), outermost first; or why it cannot
 * be made (the first existing ancestor is no directory).
 */
export function dirsToMake(dir: string, state: (p: string) => FileState): { missing: string[] } | { error: string } {
  const chain = missingChain(dir, state);
  const top = chain[chain.length - 1]!;
  const topState = state(top);
  // `/` is always there (a plan from partial knowledge need not have read it).
  if (top !== '/' && topState.kind !== 'dir') return { error: `${top} ${topState.kind === 'absent' ? 'is absent' : 'exists and is not a directory'}: cannot make ${dir}` };
  return { missing: chain.slice(0, -1).reverse() };
}

// Files on the controller that a task names relatively (template's and copy's `src`), found
// as Ansible's DataLoader.path_dwim_relative_stack finds them: in `<dir>/templates/` (or
// `files/`) and then `<dir>/` for each base directory, an absolute path as it is.
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { homedir } from 'node:os';

/** Where `src` may be, in the order Ansible looks. */
export function searchPath(kind: 'templates' | 'files', src: string, baseDirs: readonly string[]): string[] {
  if (src.startsWith('~')) return [join(homedir(), src.slice(1))];
  if (isAbsolute(src)) return [src];
  const inKind = src.split('/')[0] === kind;
  return baseDirs.flatMap((d) => [...(inKind ? [] : [resolve(d, kind, src)]), resolve(d, src)]);
}

/** The first candidate that exists, read; an error that lists where it looked otherwise. */
export async function readControllerFile(kind: 'templates' | 'files', src: string, baseDirs: readonly string[]): Promise<{ path: string; content: Buffer }> {
  const candidates = searchPath(kind, src, baseDirs);
  for (const path of candidates) {
    const st = await stat(path).catch(() => undefined);
    if (!st) continue;
    if (st.isDirectory()) throw new Error(`src ${src} is a directory (${path}); remedy copies single files only`);
    return { path, content: await readFile(path) };
  }
  throw new Error(`could not find src ${src} on the controller; searched: ${candidates.join(', ')}`);
}

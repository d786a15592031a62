// Finding and reading a file a playbook names (import_tasks, include_tasks, import_playbook,
// vars_files): relative names are looked up in the including file's directory first, then in
// the playbook's, as Ansible does. A file that cannot be read or parsed is reported at the
// place that names it (or at its own file:line:col for a YAML error).
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseYaml, type PathKey, type YamlDoc } from '../yaml.js';
import { ValidationError } from '../errors.js';
import type { Checker } from './checker.js';

/** A file name as written: a string, or Ansible's `{file: name}` form for task files. */
export function includedName(c: Checker, v: unknown, path: PathKey[], what: string): string | undefined {
  const name = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>).file : v;
  if (typeof name !== 'string' || name.trim() === '') {
    c.fail(path, `${what}: expected a file name, got ${JSON.stringify(v ?? null)}`);
    return undefined;
  }
  if (/{{|{%/.test(name)) {
    c.fail(path, `${what}: a templated file name ('${name}') is not supported by remedy; name the file`);
    return undefined;
  }
  return name;
}

/** The YAML document of `name`, searched in `dirs` in order; undefined (and reported) when it cannot be had. */
export function readIncluded(c: Checker, name: string, dirs: readonly string[], path: PathKey[], what: string, stack: readonly string[]): { file: string; doc: YamlDoc } | undefined {
  const candidates = isAbsolute(name) ? [name] : [...new Set(dirs)].map((d) => resolve(d, name));
  const file = candidates.find((f) => existsSync(f));
  if (!file) {
    c.fail(path, `${what}: cannot find '${name}' (looked for ${candidates.join(', ')})`);
    return undefined;
  }
  if (stack.includes(file)) {
    c.fail(path, `${what}: '${name}' includes itself (${[...stack, file].join(' -> ')})`);
    return undefined;
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    c.fail(path, `${what}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    return undefined;
  }
  try {
    return { file, doc: parseYaml(text, file) };
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    c.errors.push(err);
    return undefined;
  }
}

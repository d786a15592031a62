// `-e` / `--extra-vars` as Ansible reads them: `key=value` pairs (shell-like words, values are
// strings), a JSON or YAML mapping, or `@file` holding one. Extra vars beat every other layer.
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { UsageError } from './errors.js';
import { splitArgs } from './shell.js';
import { YAML11_SCHEMA } from './yaml11-schema.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseExtraVars(specs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of specs) Object.assign(out, parseOne(spec));
  return out;
}

function parseOne(spec: string): Record<string, unknown> {
  const s = spec.trim();
  if (s.startsWith('@')) {
    let text: string;
    try {
      text = readFileSync(s.slice(1), 'utf8');
    } catch (err) {
      throw new UsageError(`-e ${s}: cannot read ${s.slice(1)} (${(err as NodeJS.ErrnoException).code ?? err})`);
    }
    return mapping(text, s);
  }
  if (s.startsWith('{')) return mapping(s, '-e');
  const out: Record<string, unknown> = {};
  let words: string[];
  try {
    words = splitArgs(s);
  } catch (err) {
    throw new UsageError(`-e '${spec}': ${(err as Error).message}`);
  }
  for (const w of words) {
    const eq = w.indexOf('=');
    const key = w.slice(0, eq);
    if (eq <= 0 || !NAME.test(key)) throw new UsageError(`-e '${w}': expected KEY=VALUE with KEY a variable name, JSON/YAML mapping, or @FILE`);
    out[key] = w.slice(eq + 1);
  }
  return out;
}

function mapping(text: string, where: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = yaml.load(text, { schema: YAML11_SCHEMA });
  } catch (err) {
    throw new UsageError(`${where}: not valid JSON/YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new UsageError(`${where}: expected a mapping of variables`);
  return v as Record<string, unknown>;
}

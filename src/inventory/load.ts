// Reading an inventory from disk as ansible-playbook -i would: a YAML or INI file, a directory of
// them, or a comma-separated host list; then group_vars/ and host_vars/ beside the file (or
// inside the directory).
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { UsageError, ValidationError } from '../errors.js';
import { readYamlFile } from '../yaml.js';
import { InventoryBuilder } from './builder.js';
import { addIniInventory } from './ini-inventory.js';
import type { Inventory } from './model.js';
import { expandHostEntry, HostPatternSyntaxError } from './ranges.js';
import { addYamlInventory } from './yaml-inventory.js';

export type InventoryFormat = 'yaml' | 'ini';

export async function loadInventory(path: string): Promise<Inventory> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
    throw err;
  });
  if (!info) {
    // Like `ansible -i web1,web2,`: a comma means a host list when no such file exists.
    if (path.includes(',')) return hostListInventory(path);
    throw new UsageError(`inventory file not found: ${path}`);
  }
  const builder = new InventoryBuilder();
  const files = info.isDirectory() ? await inventoryFiles(path) : [path];
  for (const file of files) await addInventoryFile(builder, file);
  const inv = builder.build(path);
  await attachVarsFiles(inv, info.isDirectory() ? path : dirname(path));
  return inv;
}

/** Which parser a file needs: by extension, else by its first meaningful line. */
export function detectFormat(file: string, text: string): InventoryFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.yml' || ext === '.yaml' || ext === '.json') return 'yaml';
  if (ext === '.ini') return 'ini';
  const first = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l && !l.startsWith('#') && !l.startsWith(';'));
  if (!first) return 'ini';
  // `all:` / `web:  # comment` / `---` / `{...}` are YAML; `[web]` and `host key=value` are INI.
  return first === '---' || first.startsWith('{') || /^[^\s=[]+:(\s|$)/.test(first) ? 'yaml' : 'ini';
}

async function addInventoryFile(builder: InventoryBuilder, file: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  if (text.startsWith('#!')) {
    throw new ValidationError({ file, line: 1, col: 1 }, 'dynamic inventory scripts are not supported: use a static YAML or INI inventory');
  }
  if (detectFormat(file, text) === 'yaml') addYamlInventory(builder, text, file);
  else addIniInventory(builder, text, file);
}

/**
 * Ansible skips these in an inventory directory: INVENTORY_IGNORE_EXTS, whose default includes
 * '.ini' (an INI file is read when named with -i, not when it sits in a directory).
 */
const IGNORED_NAMES = /^(\.|group_vars$|host_vars$|vars_plugins$)/;
const IGNORED_EXTS = ['.pyc', '.pyo', '.swp', '.bak', '~', '.rpm', '.md', '.txt', '.rst', '.orig', '.ini', '.cfg', '.retry'];

/** Inventory files in a directory, recursively, in lexical order. */
async function inventoryFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort(byName)) {
    if (IGNORED_NAMES.test(entry.name) || IGNORED_EXTS.some((ext) => entry.name.endsWith(ext))) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await inventoryFiles(full)));
    else if (entry.isFile()) files.push(full);
  }
  return files;
}

function hostListInventory(list: string): Inventory {
  const builder = new InventoryBuilder();
  for (const entry of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const { names, port } = hostListEntry(entry);
    for (const name of names) builder.host(name, 'ungrouped', port === undefined ? {} : { ansible_port: port });
  }
  return builder.build(list);
}

function hostListEntry(entry: string): ReturnType<typeof expandHostEntry> {
  try {
    return expandHostEntry(entry);
  } catch (err) {
    if (err instanceof HostPatternSyntaxError) throw new UsageError(`inventory host list: ${err.message}`);
    throw err;
  }
}

// ---- group_vars/ and host_vars/ ---------------------------------------------------------------

const VARS_EXTS = ['', '.yml', '.yaml', '.json'];

/** Set fileVars/varFiles on every group and host that has a vars file. */
async function attachVarsFiles(inv: Inventory, baseDir: string): Promise<void> {
  for (const [kind, entities] of [
    ['group_vars', inv.groups],
    ['host_vars', inv.hosts],
  ] as const) {
    const dir = join(baseDir, kind);
    const present = await listNames(dir);
    if (!present.size) continue;
    for (const entity of entities.values()) {
      const files = await varsFilesFor(dir, entity.name, present);
      if (!files.length) continue;
      entity.fileVars = await mergeVarsFiles(files);
      entity.varFiles = files;
    }
  }
}

/**
 * Ansible's find_vars_files: the first of NAME, NAME.yml, NAME.yaml, NAME.json that exists wins;
 * a directory contributes all its files (recursively, lexical order).
 */
async function varsFilesFor(dir: string, name: string, present: Set<string>): Promise<string[]> {
  for (const ext of VARS_EXTS) {
    if (!present.has(name + ext)) continue;
    const full = join(dir, name + ext);
    return (await stat(full)).isDirectory() ? dirVarsFiles(full) : [full];
  }
  return [];
}

async function dirVarsFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort(byName)) {
    if (entry.name.startsWith('.') || entry.name.endsWith('~')) continue; // hidden files, backups
    const full = join(dir, entry.name);
    const ext = extname(entry.name);
    if (entry.isDirectory() && !ext) found.push(...(await dirVarsFiles(full)));
    else if (entry.isFile() && VARS_EXTS.includes(ext)) found.push(full);
  }
  return found;
}

async function mergeVarsFiles(files: string[]): Promise<Record<string, unknown>> {
  const merged: Record<string, unknown> = {};
  for (const file of files) {
    const doc = await readYamlFile(file);
    if (doc.data === null || doc.data === undefined) continue; // empty file
    if (typeof doc.data !== 'object' || Array.isArray(doc.data)) {
      throw new ValidationError(doc.at([]), 'a vars file must be a mapping of variable names to values');
    }
    Object.assign(merged, doc.data);
  }
  return merged;
}

async function listNames(dir: string): Promise<Set<string>> {
  try {
    return new Set(await readdir(dir));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return new Set();
    throw err;
  }
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

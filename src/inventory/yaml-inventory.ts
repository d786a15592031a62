// Ansible's YAML inventory format (also used for .json inventories):
//
//   all:
//     vars: { ntp: ntp.example.com }
//     hosts:
//       bastion:                 # null entry: a host without vars
//     children:
//       web:
//         hosts:
//           web[01:03].example.com: { http_port: 80 }
//
// Every top-level key is a group; a group has only `hosts`, `children` and `vars`. Where Ansible
// merely warns and skips (a group that is not a mapping, an unknown key), we stop with
// file:line:col, because a silently skipped group means a remediation silently misses hosts.
import { ValidationError } from '../errors.js';
import { parseYaml, type PathKey, type YamlDoc } from '../yaml.js';
import { InventoryBuilder } from './builder.js';
import type { Inventory } from './model.js';
import { expandHostEntry, HostPatternSyntaxError } from './ranges.js';

type Mapping = Record<string, unknown>;

export function parseYamlInventory(text: string, file: string): Inventory {
  const builder = new InventoryBuilder();
  addYamlInventory(builder, text, file);
  return builder.build(file);
}

/** Parse one YAML inventory file into `builder` (several files may share a builder). */
export function addYamlInventory(builder: InventoryBuilder, text: string, file: string): void {
  const doc = parseYaml(text, file);
  const { data } = doc;
  if (data === null || data === undefined) {
    throw new ValidationError({ file, line: 1, col: 1 }, 'inventory is empty: expected a mapping of groups such as "all:"');
  }
  if (!isMapping(data)) {
    throw new ValidationError(doc.at([]), `inventory must be a mapping of groups such as "all:", got ${describe(data)}`);
  }
  if ('plugin' in data) {
    throw new ValidationError(
      doc.at(['plugin'], 'key'),
      'inventory plugin configuration ("plugin:") is not supported: use a static YAML or INI inventory',
    );
  }
  const parser = new YamlInventoryParser(builder, doc);
  for (const [name, value] of Object.entries(data)) parser.group(name, value, [name]);
}

class YamlInventoryParser {
  constructor(
    private readonly b: InventoryBuilder,
    private readonly doc: YamlDoc,
  ) {}

  group(name: string, value: unknown, path: PathKey[]): void {
    if (value !== null && !isMapping(value)) {
      throw this.error(path, 'value', `group '${name}' must be a mapping with hosts, children or vars, got ${describe(value)}`);
    }
    this.b.group(name);
    for (const [key, section] of Object.entries(value ?? {})) {
      const at = [...path, key];
      if (key === 'hosts') this.hosts(name, section, at);
      else if (key === 'children') this.children(name, section, at);
      else if (key === 'vars') this.vars(name, section, at);
      else throw this.error(at, 'key', unknownKeyMessage(name, key, section));
    }
  }

  private hosts(group: string, section: unknown, path: PathKey[]): void {
    const entries = this.entries(section, path, `hosts of group '${group}'`, 'host');
    for (const [entry, hostVars] of entries) {
      const at = [...path, entry];
      if (hostVars !== null && !isMapping(hostVars)) {
        const hint = typeof hostVars === 'string' ? ` (to set its address, write "ansible_host: ${hostVars}" under it)` : '';
        throw this.error(at, 'value', `vars of host '${entry}' must be a mapping, got ${describe(hostVars)}${hint}`);
      }
      let expanded: ReturnType<typeof expandHostEntry>;
      try {
        expanded = expandHostEntry(entry);
      } catch (err) {
        if (err instanceof HostPatternSyntaxError) throw this.error(at, 'key', err.message);
        throw err;
      }
      // A `host:port` entry sets ansible_port before the host's own vars (which may override it).
      const vars = { ...(expanded.port === undefined ? {} : { ansible_port: expanded.port }), ...hostVars };
      for (const name of expanded.names) this.b.host(name, group, vars);
    }
  }

  private children(parent: string, section: unknown, path: PathKey[]): void {
    for (const [child, value] of this.entries(section, path, `children of group '${parent}'`, 'group')) {
      const at = [...path, child];
      // Link before descending, so a cycle is reported at the entry that closes it.
      this.b.child(parent, child, this.doc.at(at, 'key'));
      this.group(child, value, at);
    }
  }

  private vars(group: string, section: unknown, path: PathKey[]): void {
    if (section === null) return;
    if (!isMapping(section)) {
      throw this.error(path, 'value', `vars of group '${group}' must be a mapping of variable names to values, got ${describe(section)}`);
    }
    this.b.groupVars(group, section);
  }

  /** `hosts:` / `children:` as name → value entries; a bare string is one entry (as in Ansible). */
  private entries(section: unknown, path: PathKey[], what: string, item: string): [string, unknown][] {
    if (section === null || section === undefined) return [];
    if (typeof section === 'string') {
      // `hosts:` followed by indented names without colons folds into one string "web1 web2".
      if (/\s/.test(section.trim())) {
        throw this.error(path, 'value', `${what} must be a mapping of ${item} names, got the string "${section}": end each ${item} name with ":"`);
      }
      return [[section, null]];
    }
    if (Array.isArray(section)) {
      throw this.error(
        path,
        'value',
        `${what} must be a mapping of ${item} names, not a list: write each ${item} as "name:" (with a colon, no "- ")`,
      );
    }
    if (!isMapping(section)) throw this.error(path, 'value', `${what} must be a mapping of ${item} names, got ${describe(section)}`);
    return Object.entries(section);
  }

  private error(path: PathKey[], which: 'key' | 'value', detail: string): ValidationError {
    return new ValidationError(this.doc.at(path, which), detail);
  }
}

function unknownKeyMessage(group: string, key: string, value: unknown): string {
  const base = `unknown key '${key}' in group '${group}': a group may only have hosts, children and vars`;
  // Most often a host or group written one level too high.
  if (value === null || isMapping(value)) {
    return `${base} (to add host '${key}' put it under "hosts:", to add child group '${key}' under "children:")`;
  }
  return base;
}

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `a string ("${value.length > 40 ? value.slice(0, 37) + '...' : value}")`;
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value} (${String(value)})`;
}

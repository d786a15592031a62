// Ansible's INI inventory format:
//
//   bastion ansible_host=192.0.2.10     # before any section: ungrouped
//   [web]
//   web[01:03].example.com http_port=80
//   [web:vars]
//   ntp=ntp.example.com
//   [site:children]
//   web
//
// Lines starting with # or ; are comments. Values are typed as Ansible does (see ini-values.ts).
// A group named in [x:children] must be declared somewhere in the file ([g] or [g:children]),
// and [x:vars] needs x declared too: both are errors in Ansible as well.
import { ValidationError, type SourcePos } from '../errors.js';
import { InventoryBuilder } from './builder.js';
import { iniValue, IniSyntaxError, shellSplit } from './ini-values.js';
import type { Inventory } from './model.js';
import { expandHostEntry, HostPatternSyntaxError } from './ranges.js';

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/;

type SectionKind = 'hosts' | 'vars' | 'children';

/** A group used before it is declared: resolved by a later [group] / [group:children]. */
type Pending = { kind: 'vars'; pos: SourcePos } | { kind: 'children'; pos: SourcePos; parents: string[] };

export function parseIniInventory(text: string, file: string): Inventory {
  const builder = new InventoryBuilder();
  addIniInventory(builder, text, file);
  return builder.build(file);
}

/** Parse one INI inventory file into `builder` (several files may share a builder). */
export function addIniInventory(builder: InventoryBuilder, text: string, file: string): void {
  new IniInventoryParser(builder, file).parse(text);
}

/** One line being parsed: its text (trimmed) and how to point into it. */
interface Line {
  text: string;
  pos(offset?: number): SourcePos;
}

class IniInventoryParser {
  private group = 'ungrouped';
  private kind: SectionKind = 'hosts';
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly b: InventoryBuilder,
    private readonly file: string,
  ) {}

  parse(text: string): void {
    const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
    lines.forEach((raw, index) => {
      const indent = raw.length - raw.trimStart().length;
      const line: Line = {
        text: raw.trim(),
        pos: (offset = 0) => ({ file: this.file, line: index + 1, col: indent + offset + 1 }),
      };
      if (!line.text || line.text.startsWith('#') || line.text.startsWith(';')) return;
      if (line.text.startsWith('[') && this.section(line)) return;
      if (this.kind === 'hosts') this.hostLine(line);
      else if (this.kind === 'vars') this.varLine(line);
      else this.childLine(line);
    });
    this.checkPending();
  }

  /** Handle a `[...]` line; false if it is not a section header after all (e.g. `[::1]:22`). */
  private section(line: Line): boolean {
    const m = SECTION.exec(line.text);
    if (!m) {
      const looksLikeSection = line.text.endsWith(']') || /^\[[^\]]*\]\s*[;#]/.test(line.text);
      if (!looksLikeSection) return false;
      throw new ValidationError(
        line.pos(),
        `invalid section header '${line.text}': expected [group], [group:vars] or [group:children] with no spaces (only a # comment may follow)`,
      );
    }
    const name = m[1]!;
    const kind = m[2] ?? 'hosts';
    if (kind !== 'hosts' && kind !== 'vars' && kind !== 'children') {
      throw new ValidationError(
        line.pos(name.length + 2),
        `section [${name}:${kind}] has unknown type '${kind}': expected [${name}], [${name}:vars] or [${name}:children]`,
      );
    }
    if (!this.b.hasGroup(name) && kind === 'vars' && !this.pending.has(name)) {
      this.pending.set(name, { kind: 'vars', pos: line.pos(1) });
    }
    if (kind === 'vars') this.b.group(name);
    else this.declare(name);
    this.group = name;
    this.kind = kind;
    return true;
  }

  /** [name] or [name:children] seen: the group exists, and waiting parents can adopt it. */
  private declare(name: string): void {
    const waiting = this.pending.get(name);
    this.pending.delete(name);
    this.b.group(name);
    if (waiting?.kind === 'children') {
      for (const parent of waiting.parents) this.b.child(parent, name, waiting.pos);
    }
  }

  private hostLine(line: Line): void {
    let tokens: ReturnType<typeof shellSplit>;
    try {
      tokens = shellSplit(line.text);
    } catch (err) {
      if (err instanceof IniSyntaxError) throw new ValidationError(line.pos(err.offset), `cannot parse host line: ${err.message}`);
      throw err;
    }
    const [first, ...rest] = tokens;
    if (!first) return; // only a comment after all
    const entry = first.text;
    if (entry === '---') {
      throw new ValidationError(line.pos(first.start), "'---' starts a YAML document: name a YAML inventory .yml or .yaml");
    }
    if (!entry) throw new ValidationError(line.pos(first.start), 'empty host name');

    const vars: Record<string, unknown> = {};
    for (const token of rest) {
      const eq = token.text.indexOf('=');
      if (eq <= 0) {
        throw new ValidationError(
          line.pos(token.start),
          `expected key=value host variable after host '${entry}', got '${token.text}' (quote values that contain spaces)`,
        );
      }
      vars[token.text.slice(0, eq)] = iniValue(token.text.slice(eq + 1));
    }

    let expanded: ReturnType<typeof expandHostEntry>;
    try {
      expanded = expandHostEntry(entry);
    } catch (err) {
      if (err instanceof HostPatternSyntaxError) throw new ValidationError(line.pos(first.start), err.message);
      throw err;
    }
    if (entry.endsWith(':') && expanded.port === undefined) {
      throw new ValidationError(
        line.pos(first.start + entry.length - 1),
        `host '${entry}' ends in ':', which must be followed by a port number (e.g. ${entry}2222)`,
      );
    }
    const withPort = expanded.port === undefined ? vars : { ansible_port: expanded.port, ...vars };
    for (const name of expanded.names) this.b.host(name, this.group, withPort);
  }

  private varLine(line: Line): void {
    const eq = line.text.indexOf('=');
    const key = eq < 0 ? '' : line.text.slice(0, eq).trim();
    if (!key) {
      throw new ValidationError(line.pos(), `expected key=value in [${this.group}:vars], got '${line.text}'`);
    }
    this.b.groupVars(this.group, { [key]: iniValue(line.text.slice(eq + 1).trim()) });
  }

  private childLine(line: Line): void {
    const m = GROUP_NAME.exec(line.text);
    if (!m) {
      throw new ValidationError(line.pos(), `expected a group name in [${this.group}:children], got '${line.text}'`);
    }
    const child = m[1]!;
    const waiting = this.pending.get(child);
    if (waiting?.kind === 'children') {
      waiting.parents.push(this.group);
    } else if (this.b.hasGroup(child)) {
      this.pending.delete(child); // a [child:vars]-only group is declared by being used as a child
      this.b.child(this.group, child, line.pos());
    } else {
      this.pending.set(child, { kind: 'children', pos: line.pos(), parents: [this.group] });
    }
  }

  private checkPending(): void {
    for (const [name, p] of this.pending) {
      if (p.kind === 'vars') {
        throw new ValidationError(p.pos, `[${name}:vars] sets vars of group '${name}', which is never declared (add a [${name}] section)`);
      }
      throw new ValidationError(
        p.pos,
        `[${p.parents[0]}:children] names group '${name}', which is never declared (add a [${name}] section, even an empty one)`,
      );
    }
  }
}

// Accumulates hosts, groups and edges from one or more inventory files (a directory inventory
// feeds several files into one builder), then applies Ansible's reconcile rules in build().
import { ValidationError, type SourcePos } from '../errors.js';
import type { Inventory, InventoryGroup, InventoryHost } from './model.js';

export class InventoryBuilder {
  private readonly hosts = new Map<string, InventoryHost>();
  private readonly groups = new Map<string, InventoryGroup>();
  private readonly parents = new Map<string, string[]>();

  constructor() {
    this.group('all');
    this.group('ungrouped');
    this.child('all', 'ungrouped');
  }

  hasGroup(name: string): boolean {
    return this.groups.has(name);
  }

  /** Get or create a group. */
  group(name: string): InventoryGroup {
    let group = this.groups.get(name);
    if (!group) {
      group = { name, hosts: [], children: [], vars: {} };
      this.groups.set(name, group);
      this.parents.set(name, []);
    }
    return group;
  }

  /** Make `child` a child of `parent`; a group may not become its own ancestor. */
  child(parent: string, child: string, pos?: SourcePos): void {
    if (child === 'all') {
      throw new ValidationError(pos, `group 'all' cannot be a child of '${parent}': every group is already inside 'all'`);
    }
    const p = this.group(parent);
    this.group(child);
    if (p.children.includes(child)) return;
    const loop = this.pathDown(child, parent);
    if (loop) {
      throw new ValidationError(
        pos,
        `group '${child}' cannot be a child of '${parent}': that makes a cycle (${[...loop, child].join(' → ')})`,
      );
    }
    p.children.push(child);
    this.parents.get(child)!.push(parent);
  }

  /** Add a host (to `group` unless it is 'all') and merge its inline vars; later values win. */
  host(name: string, group: string, vars: Record<string, unknown> = {}): void {
    let host = this.hosts.get(name);
    if (!host) {
      host = { name, vars: {}, groups: [] };
      this.hosts.set(name, host);
    }
    if (group !== 'all') {
      const g = this.group(group);
      if (!g.hosts.includes(name)) g.hosts.push(name);
      if (!host.groups.includes(group)) host.groups.push(group);
    }
    Object.assign(host.vars, vars);
  }

  groupVars(name: string, vars: Record<string, unknown>): void {
    Object.assign(this.group(name).vars, vars);
  }

  /** Apply Ansible's reconcile rules and hand over the result (call once). */
  build(source: string): Inventory {
    for (const name of this.groups.keys()) {
      if (name !== 'all' && this.parents.get(name)!.length === 0) this.child('all', name);
    }
    const ungrouped = this.groups.get('ungrouped')!;
    for (const host of this.hosts.values()) {
      if (host.groups.length === 0) {
        host.groups.push('ungrouped');
        ungrouped.hosts.push(host.name);
      } else if (host.groups.length > 1 && host.groups.includes('ungrouped')) {
        // Listed under 'ungrouped' but also in a real group: Ansible drops the 'ungrouped' entry.
        host.groups = host.groups.filter((g) => g !== 'ungrouped');
        ungrouped.hosts = ungrouped.hosts.filter((h) => h !== host.name);
      }
    }
    return { source, hosts: this.hosts, groups: this.groups };
  }

  /** Group names from `from` down to `to` through children edges, if `to` is below `from`. */
  private pathDown(from: string, to: string, seen = new Set<string>()): string[] | undefined {
    if (from === to) return [from];
    if (seen.has(from)) return undefined;
    seen.add(from);
    for (const kid of this.groups.get(from)?.children ?? []) {
      const rest = this.pathDown(kid, to, seen);
      if (rest) return [from, ...rest];
    }
    return undefined;
  }
}

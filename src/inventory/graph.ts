// Pure renderers for `remedy inventory`, shaped like ansible-inventory's --list and --graph.
import { UsageError } from '../errors.js';
import type { Inventory } from './model.js';
import { hostVars, MAGIC_VARS } from './vars.js';

export interface InventoryListGroup {
  hosts?: string[];
  children?: string[];
}

/** `{ _meta: { hostvars: {...} }, all: { children: [...] }, web: { hosts: [...] }, ... }` */
export type InventoryList = { _meta: { hostvars: Record<string, Record<string, unknown>> } } & Record<string, unknown>;

/**
 * Like `ansible-inventory --list`, restricted to `hosts` (e.g. after --limit): each group with its
 * direct hosts and child groups (empty keys and empty groups left out), and `_meta.hostvars` with
 * every host's merged vars minus the magic ones. Keys are sorted, as ansible-inventory prints them.
 */
export function inventoryList(inv: Inventory, hosts: readonly string[] = [...inv.hosts.keys()]): InventoryList {
  const available = new Set(hosts);
  const groups: Record<string, InventoryListGroup> = {};
  const seen = new Set<string>();
  const visit = (name: string): void => {
    seen.add(name);
    const group = inv.groups.get(name);
    if (!group) return;
    const entry: InventoryListGroup = {};
    const members = name === 'all' ? [] : group.hosts.filter((h) => available.has(h));
    if (members.length) entry.hosts = members;
    if (group.children.length) entry.children = [...group.children];
    if (entry.hosts || entry.children) groups[name] = entry;
    for (const child of group.children) if (!seen.has(child)) visit(child);
  };
  visit('all');

  const hostvars: Record<string, Record<string, unknown>> = {};
  for (const name of inv.hosts.keys()) {
    if (!available.has(name)) continue;
    const vars = hostVars(inv, name);
    for (const magic of MAGIC_VARS) delete vars[magic];
    if (Object.keys(vars).length) hostvars[name] = vars;
  }
  return sortKeysDeep({ _meta: { hostvars }, ...groups }) as InventoryList;
}

/**
 * Like `ansible-inventory --graph [GROUP]`:
 *
 *   @all:
 *     |--@ungrouped:
 *     |  |--bastion
 *     |--@web:
 *     |  |--web1
 */
export function inventoryGraph(inv: Inventory, root = 'all'): string {
  if (!inv.groups.has(root)) throw new UsageError(`--graph needs a group name, and there is no group '${root}'`);
  const lines: string[] = [];
  const prefix = (depth: number): string => (depth ? '  |'.repeat(depth) + '--' : '');
  const visit = (name: string, depth: number): void => {
    const group = inv.groups.get(name)!;
    lines.push(`${prefix(depth)}@${name}:`);
    for (const child of group.children) visit(child, depth + 1);
    if (name !== 'all') for (const host of group.hosts) lines.push(prefix(depth + 1) + host);
  };
  visit(root, 0);
  return lines.join('\n');
}

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeysDeep((value as Record<string, unknown>)[key]);
  return out;
}

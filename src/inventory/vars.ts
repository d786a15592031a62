// Inventory variables for one host: the merge order Ansible uses, and the magic vars.
import { isIP } from 'node:net';
import { UsageError } from '../errors.js';
import { groupHosts, groupParents, hostGroups, type Inventory } from './model.js';

/**
 * Inventory variables for one host, merged with Ansible's precedence (later wins, top-level keys
 * replace, no deep merge — Ansible's default `hash_behaviour=replace`). Lowest first:
 *
 *   1. inventory file: group 'all' vars
 *   2. inventory file: vars of the host's other groups (direct groups and their ancestors),
 *      parents before children (by depth below 'all'), then by ansible_group_priority (higher
 *      wins; default 1, honoured only when set in the inventory file), then by name
 *   3. group_vars/all file(s)
 *   4. group_vars/<group> file(s), same group order as 2
 *   5. inventory file: host vars (`web1 ansible_port=2222`, `web1: {ansible_port: 2222}`)
 *   6. host_vars/<host> file(s)
 *
 * As in Ansible, a group_vars/ file beats every inventory-file group var, even a child group's:
 * group_vars/all.yml overrides `[web:vars]`. group_vars/ and host_vars/ are read beside the
 * inventory file (or inside an inventory directory); `NAME/` directories merge in lexical order.
 *
 * The engine layers the rest on top: 7. facts, 8. play vars, 9. task vars (and the loop item),
 * 10. registered results, 11. extra vars (`-e`), which always win. The magic vars
 * inventory_hostname, inventory_hostname_short, group_names and groups are set last and are not
 * meant to be overridden.
 */
export const PRECEDENCE = [
  "inventory file: group 'all' vars",
  'inventory file: other group vars (parents before children, then ansible_group_priority, then name)',
  'group_vars/all',
  'group_vars/<group> (same group order)',
  'inventory file: host vars',
  'host_vars/<host>',
] as const;

export type PrecedenceLevel = (typeof PRECEDENCE)[number];

/** Magic vars set for every host; not inventory data (ansible-inventory --list leaves them out). */
export const MAGIC_VARS = ['inventory_hostname', 'inventory_hostname_short', 'group_names', 'groups'] as const;

export interface VarLayer {
  level: PrecedenceLevel;
  /** Where the vars come from: "group 'web'", "host 'web1'", or the files merged. */
  source: string;
  vars: Record<string, unknown>;
}

/** The non-empty layers behind hostVars(), lowest precedence first (for explaining a value). */
export function hostVarLayers(inv: Inventory, hostName: string): VarLayer[] {
  const host = inv.hosts.get(hostName);
  if (!host) throw new UsageError(`unknown host '${hostName}' in inventory ${inv.source}`);
  const all = inv.groups.get('all');
  const groups = orderedGroups(inv, hostName).map((name) => inv.groups.get(name)!);
  const [l1, l2, l3, l4, l5, l6] = PRECEDENCE;
  const fileSource = (files: string[] | undefined, fallback: string): string => (files?.length ? files.join(', ') : fallback);

  const layers: VarLayer[] = [
    { level: l1, source: "group 'all'", vars: withoutPriority(all?.vars ?? {}) },
    ...groups.map((g) => ({ level: l2, source: `group '${g.name}'`, vars: withoutPriority(g.vars) })),
    { level: l3, source: fileSource(all?.varFiles, 'group_vars/all'), vars: all?.fileVars ?? {} },
    ...groups.map((g) => ({ level: l4, source: fileSource(g.varFiles, `group_vars/${g.name}`), vars: g.fileVars ?? {} })),
    { level: l5, source: `host '${hostName}'`, vars: host.vars },
    { level: l6, source: fileSource(host.varFiles, `host_vars/${hostName}`), vars: host.fileVars ?? {} },
  ];
  return layers.filter((l) => Object.keys(l.vars).length > 0);
}

/** In an inventory file ansible_group_priority sets the group's priority; it is not a var (as in Ansible). */
function withoutPriority(vars: Record<string, unknown>): Record<string, unknown> {
  if (!('ansible_group_priority' in vars)) return vars;
  const { ansible_group_priority: _priority, ...rest } = vars;
  return rest;
}

/** All inventory vars of a host plus the magic vars; a fresh copy the caller may change. */
export function hostVars(inv: Inventory, hostName: string): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const layer of hostVarLayers(inv, hostName)) Object.assign(merged, layer.vars);
  return { ...structuredClone(merged), ...magicVars(inv, hostName) };
}

export function magicVars(inv: Inventory, hostName: string): Record<string, unknown> {
  const groups: Record<string, string[]> = {};
  for (const name of inv.groups.keys()) groups[name] = groupHosts(inv, name);
  return {
    inventory_hostname: hostName,
    // Ansible keeps IP addresses whole instead of cutting at the first dot.
    inventory_hostname_short: isIP(hostName) ? hostName : hostName.split('.')[0],
    // Every group the host is in, through parents too; 'ungrouped' counts, 'all' does not (as in Ansible).
    group_names: [...hostGroups(inv, hostName)].filter((g) => g !== 'all').sort(compareNames),
    groups,
  };
}

/** The host's groups other than 'all' (direct and inherited), in merge order: lowest first. */
export function orderedGroups(inv: Inventory, hostName: string): string[] {
  const parents = groupParents(inv);
  const depth = groupDepths(inv, parents);
  const key = (name: string): [number, number, string] => [depth.get(name) ?? 1, groupPriority(inv, name), name];
  return [...hostGroups(inv, hostName, parents)]
    .filter((g) => g !== 'all')
    .sort((a, b) => {
      const [da, pa, na] = key(a);
      const [db, pb, nb] = key(b);
      return da - db || pa - pb || compareNames(na, nb);
    });
}

/** Longest path from 'all' (Ansible's group depth): 'all' is 0, top-level groups 1. */
export function groupDepths(inv: Inventory, parents = groupParents(inv)): Map<string, number> {
  const depth = new Map<string, number>([['all', 0]]);
  const of = (name: string): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    depth.set(name, 1); // provisional; the builder rules out cycles
    const d = Math.max(0, ...(parents.get(name) ?? []).map(of)) + 1;
    depth.set(name, d);
    return d;
  };
  for (const name of inv.groups.keys()) of(name);
  return depth;
}

/** ansible_group_priority from the inventory file (not group_vars/, as in Ansible); default 1. */
function groupPriority(inv: Inventory, name: string): number {
  const value = Number(inv.groups.get(name)?.vars.ansible_group_priority ?? 1);
  return Number.isFinite(value) ? value : 1;
}

/** Python's default string order (code points), not locale order. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

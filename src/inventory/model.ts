// The inventory as Ansible sees it after parsing: hosts, groups and the vars written inline in
// the inventory file. Vars from group_vars/ and host_vars/ files are kept apart (`fileVars`)
// because they sit at a different precedence level (see vars.ts).
//
// Invariants established by InventoryBuilder.build():
// - `groups` always has 'all' (first) and 'ungrouped' (second), then groups in definition order.
// - Every group other than 'all' has at least one parent; top-level groups are children of 'all'.
// - 'all' has no direct hosts: every host is implicitly in it. A host with no other group is in
//   'ungrouped', and only then (Ansible's reconcile_inventory rule).

export interface InventoryHost {
  name: string;
  /** Vars written in the inventory file(s), e.g. `web1 ansible_port=2222`. */
  vars: Record<string, unknown>;
  /** Direct groups, in definition order (never 'all'). */
  groups: string[];
  /** Merged host_vars/NAME files (set by loadInventory). */
  fileVars?: Record<string, unknown>;
  /** The host_vars files that contributed to `fileVars`, in merge order. */
  varFiles?: string[];
}

export interface InventoryGroup {
  name: string;
  /** Direct hosts, in definition order. */
  hosts: string[];
  /** Direct child groups, in definition order. */
  children: string[];
  /** Vars written in the inventory file(s) (`vars:` / `[group:vars]`). */
  vars: Record<string, unknown>;
  /** Merged group_vars/NAME files (set by loadInventory). */
  fileVars?: Record<string, unknown>;
  varFiles?: string[];
}

export interface Inventory {
  /** The path given to loadInventory (file, directory or host list). */
  source: string;
  /** Insertion order = definition order. */
  hosts: Map<string, InventoryHost>;
  /** Always has 'all' and 'ungrouped'. */
  groups: Map<string, InventoryGroup>;
}

/** Parents of every group, in the order the edges were defined. */
export function groupParents(inv: Inventory): Map<string, string[]> {
  const parents = new Map<string, string[]>();
  for (const name of inv.groups.keys()) parents.set(name, []);
  for (const group of inv.groups.values()) {
    for (const child of group.children) parents.get(child)?.push(group.name);
  }
  return parents;
}

/** A group and all groups below it. */
export function groupDescendants(inv: Inventory, name: string): Set<string> {
  const seen = new Set<string>();
  const visit = (g: string): void => {
    if (seen.has(g)) return;
    seen.add(g);
    for (const child of inv.groups.get(g)?.children ?? []) visit(child);
  };
  visit(name);
  return seen;
}

/** Hosts of a group including its descendants' hosts, in inventory order. */
export function groupHosts(inv: Inventory, name: string): string[] {
  if (name === 'all') return [...inv.hosts.keys()];
  const members = new Set<string>();
  for (const g of groupDescendants(inv, name)) {
    for (const h of inv.groups.get(g)?.hosts ?? []) members.add(h);
  }
  return inInventoryOrder(inv, members);
}

/** Every group a host belongs to, directly or through a parent, including 'all'. */
export function hostGroups(inv: Inventory, host: string, parents = groupParents(inv)): Set<string> {
  const found = new Set<string>(['all']);
  const visit = (g: string): void => {
    if (found.has(g)) return;
    found.add(g);
    for (const p of parents.get(g) ?? []) visit(p);
  };
  for (const g of inv.hosts.get(host)?.groups ?? []) visit(g);
  return found;
}

/** Filter a set of host names down to inventory order (the order every API returns). */
export function inInventoryOrder(inv: Inventory, names: ReadonlySet<string>): string[] {
  return [...inv.hosts.keys()].filter((h) => names.has(h));
}

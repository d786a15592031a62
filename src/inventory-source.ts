// Which inventory a command uses (-i, else REMEDY_INVENTORY, else ./inventory.yml), and
// Ansible's implicit localhost for `hosts: localhost` plays when the inventory lacks it.
import { existsSync } from 'node:fs';
import { loadInventory } from './inventory/load.js';
import type { Inventory } from './inventory/model.js';
import { UsageError } from './errors.js';

export function inventoryPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? env.REMEDY_INVENTORY ?? 'inventory.yml';
}

/** The inventory; with no inventory at all, an empty one when the caller only needs localhost. */
export async function openInventory(flag: string | undefined, env: NodeJS.ProcessEnv, allowMissing = false): Promise<Inventory> {
  const path = inventoryPath(flag, env);
  if (!flag && !env.REMEDY_INVENTORY && !existsSync(path)) {
    if (allowMissing) return emptyInventory(path);
    throw new UsageError(`no inventory: pass -i FILE, set REMEDY_INVENTORY, or create ./inventory.yml`);
  }
  return loadInventory(path);
}

function emptyInventory(source: string): Inventory {
  return {
    source,
    hosts: new Map(),
    groups: new Map([
      ['all', { name: 'all', hosts: [], children: ['ungrouped'], vars: {} }],
      ['ungrouped', { name: 'ungrouped', hosts: [], children: [], vars: {} }],
    ]),
  };
}

/** Ansible's implicit localhost: usable without being listed, runs on the controller, not in `all`. */
export function needsImplicitLocalhost(inv: Inventory, pattern: string): boolean {
  return !inv.hosts.has('localhost') && pattern.split(/[:,]/).some((p) => p === 'localhost' || p === '127.0.0.1');
}

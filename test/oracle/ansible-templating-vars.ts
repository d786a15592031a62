// The variables Ansible itself adds for the oracle's one-host play against localhost.
import { playMagicVars } from '../../src/engine/play-magic.js';

export function oracleMagicVars(vars: Record<string, unknown>): Record<string, unknown> {
  // hostvars holds inventory variables (here only the magic ones), not the play's vars.
  const host = {
    inventory_hostname: 'localhost',
    inventory_hostname_short: 'localhost',
    group_names: ['ungrouped'],
    groups: { all: ['localhost'], ungrouped: ['localhost'] },
  };
  return { ...vars, ...host, ansible_check_mode: false, ...playMagicVars(['localhost'], (h) => (h === 'localhost' ? host : undefined)) };
}

// The variables Ansible itself adds for the oracle's one-host play against localhost.
import { playMagicVars } from '../../src/engine/play-magic.js';

export function oracleMagicVars(vars: Record<string, unknown>): Record<string, unknown> {
  const host = {
    ...vars,
    inventory_hostname: 'localhost',
    inventory_hostname_short: 'localhost',
    group_names: [],
    groups: { all: ['localhost'], ungrouped: ['localhost'] },
    ansible_check_mode: false,
  };
  return { ...host, ...playMagicVars(['localhost'], (h) => (h === 'localhost' ? host : undefined)) };
}

// Play-wide magic variables Ansible sets for every host: the play's hosts, `hostvars` and `omit`.
import { makeDict } from '../playbook/expr-eval.js';

export type Vars = Record<string, unknown>;

/** The placeholder `default(omit)` yields; a module argument equal to it is dropped. */
export const OMIT = '__omit_place_holder__remedy';

export function playMagicVars(hosts: readonly string[], varsOf: (host: string) => Vars | undefined): Vars {
  const hostvars = makeDict(hosts.map((h) => [h, varsOf(h) ?? { inventory_hostname: h }] as const));
  return {
    play_hosts: [...hosts],
    ansible_play_hosts: [...hosts],
    ansible_play_hosts_all: [...hosts],
    ansible_play_batch: [...hosts],
    hostvars,
    omit: OMIT,
  };
}

/** Module arguments with `omit` removed, in nested dicts and lists too (Ansible's remove_omit). */
export function dropOmitted(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== OMIT).map(dropOmitted);
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return makeDict(Object.entries(value).filter(([, v]) => v !== OMIT).map(([k, v]) => [k, dropOmitted(v)] as const));
  }
  return value;
}

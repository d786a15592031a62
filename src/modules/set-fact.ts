// `set_fact`: set variables for the host's later tasks of the run, at the precedence Ansible
// gives them (with registered results: above inventory, facts, play and task vars; below -e).
// Changes nothing on the host. remedy keeps no fact cache, so `cacheable: true` is refused
// rather than promising facts that a later run would not see.
import { z } from 'zod';
import { ansibleBoolean } from '../playbook/bool.js';
import type { ModuleDef } from './module.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const args = z
  .record(z.string(), z.unknown())
  .superRefine((a, ctx) => {
    for (const k of Object.keys(a)) {
      if (k === 'cacheable') continue;
      if (!NAME.test(k)) ctx.addIssue({ code: 'custom', path: [k], message: `'${k}' is not a valid variable name` });
    }
    const cacheable = a.cacheable === undefined ? false : ansibleBoolean(a.cacheable);
    if (cacheable !== false) ctx.addIssue({ code: 'custom', path: ['cacheable'], message: 'remedy keeps no fact cache between runs; only cacheable: false is accepted' });
    if (Object.keys(a).filter((k) => k !== 'cacheable').length === 0) ctx.addIssue({ code: 'custom', message: 'no variables to set' });
  });

/** As Ansible's set_fact (without jinja2_native): a string boolean becomes a boolean. */
function factValue(v: unknown): unknown {
  return typeof v === 'string' && /^(true|false|yes|no)$/i.test(v) ? ansibleBoolean(v) : v;
}

export const setFact: ModuleDef<z.infer<typeof args>> = {
  name: 'set_fact',
  aliases: ['ansible.builtin.set_fact'],
  summary: "set variables for the host's later tasks",
  args,
  plan(a) {
    const facts = Object.fromEntries(Object.entries(a).filter(([k]) => k !== 'cacheable').map(([k, v]) => [k, factValue(v)]));
    return { kind: 'ok', facts, registered: { ansible_facts: facts, changed: false, failed: false } };
  },
};

// Variable layering for one task on one host, lowest precedence first:
//   inventory (all → parent groups → child groups → host; see src/inventory/vars.ts)
//   < facts (ansible_facts, ansible_*) < play vars < task vars (and the loop item)
//   < registered results and set_fact (kept across plays) < extra vars (-e), which always win.
// Values that are themselves templates ("{{ other }}") are rendered on the way in, so a play var
// may refer to an inventory var or to another play var.
import { renderDeep, isTemplated } from '../playbook/template.js';
import { UndefinedError } from '../playbook/expr.js';

export type Vars = Record<string, unknown>;

function hasTemplate(v: unknown): boolean {
  if (typeof v === 'string') return isTemplated(v);
  if (Array.isArray(v)) return v.some(hasTemplate);
  if (v && typeof v === 'object') return Object.values(v).some(hasTemplate);
  return false;
}

/**
 * Merge layers (later wins) and render templated values against the merged whole. Values whose
 * templates refer to something still undefined (a variable registered by a later task) are left
 * as written and rendered when a task uses them.
 */
export function layerVars(...layers: Vars[]): Vars {
  const merged: Vars = Object.assign({}, ...layers);
  let pending = Object.keys(merged).filter((k) => hasTemplate(merged[k]));
  // Dependencies between templated vars resolve in a few passes; a cycle stops making progress.
  for (let pass = 0; pending.length && pass < 8; pass++) {
    const next: string[] = [];
    for (const k of pending) {
      try {
        const value = renderDeep(merged[k], merged);
        if (hasTemplate(value) && value !== merged[k]) next.push(k);
        merged[k] = value;
      } catch (err) {
        if (!(err instanceof UndefinedError)) throw err;
        next.push(k);
      }
    }
    if (next.length === pending.length) break;
    pending = next;
  }
  return merged;
}

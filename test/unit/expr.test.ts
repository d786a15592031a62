import { it } from 'vitest';
import { evaluate, parseExpression } from '../../src/playbook/expr.js';
import { renderString } from '../../src/playbook/template.js';
it('smoke', () => {
  const vars = { x: 1, r: { stdout: 'OpenSSH_9.2p1', rc: 0 }, l: [3, 1, 2] };
  for (const e of ["x + 1", "r.stdout is version('8.5', '>=')", "l | sort | join(',')", "r.nope | default('d')", "'a' ~ 1 + 2", "-2 ** 2", "l[-1]", "l[::-1]", "{'a': {'b': 1}}", "x if x > 0 else 2", "'ab' | regex_replace('(a)', '<\\\\1>')", "r | to_json", "r | to_nice_json"]) {
    try { console.log(e, '=>', JSON.stringify(evaluate(e, vars))); } catch (err) { console.log(e, '!!', (err as Error).message); }
  }
  for (const e of ["x | lowr", "r.nope", "r.stdout.x.y", "nope.a", "f(x", "x | f(a b", "a = 1", "x.y()", "x | default(1, 2, 3)"]) {
    try { console.log(e, '=>', JSON.stringify(evaluate(e, vars))); } catch (err) { console.log(e, '!!', (err as Error).constructor.name, (err as Error).message, (err as any).offset); }
  }
  console.log(renderString('{{ l }}', vars), renderString('a {{ l }} {{ none }} {{ true }}', vars), renderString("{{ {'a': {'b': 1}} }}", vars));
});

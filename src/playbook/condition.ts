// `when:` conditions. Like Ansible, a condition is a raw expression (`x is defined and y`);
// a condition wrapped whole in `{{ }}` is accepted too. Templating part of a condition
// (`{{ x }} == 'a'`) is refused: it would turn variable values into expression code.
import { ExprEvalError, ExprSyntaxError, evaluate, parseExpression, truthy, type Expr, type Vars } from './expr.js';
import { soleExpression } from './template.js';

/** The expression of one condition string; throws ExprSyntaxError with an offset into `s`. */
function conditionExpr(s: string): Expr {
  return soleExpression(s) ?? parseExpression(s);
}

/** Conditions that always hold: no condition, or an empty string (as in Ansible). */
function isEmpty(when: unknown): boolean {
  return when === undefined || when === null || (typeof when === 'string' && when.trim() === '');
}

function typeProblem(when: unknown): string {
  const kind = Array.isArray(when) ? 'a nested list' : when === null ? 'null' : typeof when;
  return `a condition must be an expression string, a boolean or a number, got ${kind}`;
}

/**
 * Evaluate `when:`: a string, a boolean, or a list of them that must all hold (checked in order,
 * stopping at the first false). The result is judged by Python truthiness.
 */
export function evalCondition(when: unknown, vars: Vars): boolean {
  if (Array.isArray(when)) return when.every((item: unknown) => evalOne(item, vars));
  return evalOne(when, vars, true);
}

function evalOne(when: unknown, vars: Vars, topLevel = false): boolean {
  if (isEmpty(when) && (topLevel || typeof when === 'string')) return true;
  if (typeof when === 'boolean') return when;
  if (typeof when === 'number') return truthy(when); // `when: 1`: Ansible templates it as the expression 1
  if (typeof when !== 'string') throw new ExprEvalError(typeProblem(when));
  return truthy(evaluate(conditionExpr(when), vars));
}

/** Static check of `when:`; `index` says which list item is wrong, `offset` is into that string. */
export function checkCondition(when: unknown): { index?: number; offset: number; message: string } | null {
  if (!Array.isArray(when)) return checkOne(when, true);
  for (const [index, item] of when.entries()) {
    const problem = checkOne(item, false);
    if (problem) return { index, ...problem };
  }
  return null;
}

function checkOne(when: unknown, topLevel: boolean): { offset: number; message: string } | null {
  if (isEmpty(when) && (topLevel || typeof when === 'string')) return null;
  if (typeof when === 'boolean' || typeof when === 'number') return null;
  if (typeof when !== 'string') return { offset: 0, message: typeProblem(when) };
  try {
    conditionExpr(when);
    return null;
  } catch (e) {
    if (e instanceof ExprSyntaxError) return { offset: e.offset, message: e.message };
    throw e;
  }
}

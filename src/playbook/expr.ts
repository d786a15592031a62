// Public face of the expression language (see expr-parse.ts for the grammar, expr-eval.ts for
// semantics, filters.ts for the filter and test library). Parsing also checks filter and test
// names and argument counts, so a typo like `| lowr` is reported when a playbook is loaded,
// with its offset, rather than halfway through a run.
import { ExprSyntaxError, children, parseBlock, parseStandalone, type Call, type Expr, type Lexed } from './expr-parse.js';
export { parseTagBlock } from './expr-parse.js';
import { invoke } from './expr-eval.js';
import { bindArgs, evalNode, need, pyStr, truthy, unknownCallMessage, type Library, type Scope, type Vars } from './expr-eval.js';
import { FILTERS_AND_TESTS } from './filters.js';
import { callMethod, isMethodName } from './methods.js';
import { GLOBALS } from './globals.js';

const LIBRARY: Library = {
  ...FILTERS_AND_TESTS,
  method: callMethod,
  isMethod: (name) => isMethodName(name) || name === 'cycle',
  func: (name) => (Object.hasOwn(GLOBALS, name) ? GLOBALS[name] : undefined),
};

export { ExprSyntaxError, type Expr } from './expr-parse.js';
export { ExprEvalError, UndefinedError, type Vars } from './expr-eval.js';

/** Python truthiness (raises UndefinedError for undefined values). */
export { truthy };

/** Python str() of a value, as `~` and `| string` produce it. */
export function toText(value: unknown): string {
  return pyStr(value);
}

/** Source text each parsed tree came from, to quote sub-expressions in runtime messages. */
const sources = new WeakMap<Expr, string>();

// Conditions are evaluated once per host; parse each text once.
const MAX_CACHE = 2000;
const cache = new Map<string, Expr>();

export function parseExpression(text: string): Expr {
  const hit = cache.get(text);
  if (hit) return hit;
  const expr = parseStandalone(text);
  validate(expr);
  sources.set(expr, text);
  if (cache.size >= MAX_CACHE) cache.clear();
  cache.set(text, expr);
  return expr;
}

/** Parse the `{{ … }}` block of `src` whose expression starts at `start` (template.ts). */
export function parseTemplateBlock(src: string, start: number, openAt: number): { expr: Expr } & Lexed {
  const block = parseBlock(src, start, openAt);
  validate(block.expr);
  sources.set(block.expr, src);
  return block;
}

/** Evaluate to a plain value; an undefined result raises UndefinedError. */
export function evaluate(expr: Expr | string, vars: Vars, locals?: Map<string, unknown>): unknown {
  const root = typeof expr === 'string' ? parseExpression(expr) : expr;
  return need(evalNode(root, scopeFor(root, vars, locals)));
}

/** Evaluate, keeping an undefined result as `Undef` (for `{% if x %}` tests and `{% for %}`). */
export function evaluateLoose(root: Expr, vars: Vars, locals?: Map<string, unknown>): unknown {
  return evalNode(root, scopeFor(root, vars, locals));
}

function scopeFor(root: Expr, vars: Vars, locals: Map<string, unknown> | undefined): Scope {
  return { vars, lib: LIBRARY, source: sources.get(root), ...(locals ? { locals } : {}) };
}

/** Run a filter by name on a value (the `{% filter %}` block). */
export function applyFilter(call: Call, value: unknown, vars: Vars, locals?: Map<string, unknown>): unknown {
  const node: Expr = { kind: 'filter', subject: { kind: 'literal', value: '', start: 0, end: 0 }, call, start: 0, end: 0 };
  const scope = scopeFor(node, vars, locals);
  const args = call.args.map((a) => evalNode(a, scope));
  const kwargs = call.kwargs.map((k) => [k.name, evalNode(k.value, scope)] as const);
  return need(invoke(LIBRARY, 'filter', call.name, value, args, kwargs));
}

/** Static checks of a `{% filter %}` tag's calls. */
export function validateCalls(calls: Call[]): void {
  for (const call of calls) {
    checkCall('filter', call);
    [...call.args, ...call.kwargs.map((k) => k.value)].forEach(validate);
  }
}

/** Static checks: every filter and test exists and gets arguments its signature accepts. */
export function validate(node: Expr): void {
  if (node.kind === 'filter' || node.kind === 'test') checkCall(node.kind, node.call);
  if (node.kind === 'call') checkFunction(node);
  for (const child of children(node)) validate(child);
}

function checkFunction(node: Extract<Expr, { kind: 'call' }>): void {
  const { name, nameStart } = node.call;
  if (node.callee.kind === 'attr') {
    if (!LIBRARY.isMethod(name)) throw new ExprSyntaxError(`unknown method '.${name}()'`, nameStart);
  } else if (!LIBRARY.func(name)) {
    const known = Object.keys(GLOBALS).join(', ');
    throw new ExprSyntaxError(`unknown function '${name}()' (functions: ${known}; filters are written 'x | ${name}')`, nameStart);
  }
}

function checkCall(kind: 'filter' | 'test', call: Call): void {
  const sig = kind === 'filter' ? LIBRARY.filter(call.name) : LIBRARY.test(call.name);
  if (!sig) throw new ExprSyntaxError(unknownCallMessage(kind, call.name, LIBRARY), call.nameStart);
  const bound = bindArgs(sig, call.args, call.kwargs.map((k) => [k.name, k.value] as const));
  if (typeof bound === 'string') throw new ExprSyntaxError(`${kind} '${call.name}' ${bound}`, call.nameStart);
}

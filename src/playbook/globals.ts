// Global functions templates may call: range, dict, namespace, and lookup/query with the lookup
// plugins a remediation playbook reads the controller with (env, file, vars, items, list).
// `pipe` (run a command on the controller) is refused: a template must not run programs.
import { readFileSync } from 'node:fs';
import { ExprEvalError, Undef, isMapping, makeDict, need, ownValue, typeName, type Vars } from './expr-eval.js';

export type GlobalFn = (args: unknown[], kwargs: Record<string, unknown>, vars: Vars) => unknown;

const MAX_RANGE = 100_000;

/** Objects made by namespace(): the only dicts `{% set ns.attr = … %}` may change. */
export const namespaces = new WeakSet<object>();

function int(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw new ExprEvalError(`range(): ${what} must be an integer, got ${typeName(v)}`);
}

function range(args: unknown[]): number[] {
  if (args.length === 0 || args.length > 3) throw new ExprEvalError(`range expected 1 to 3 arguments, got ${args.length}`);
  const [start, stop, step] = args.length === 1 ? [0, int(args[0], 'stop'), 1] : [int(args[0], 'start'), int(args[1], 'stop'), args[2] === undefined ? 1 : int(args[2], 'step')];
  if (step === 0) throw new ExprEvalError('range() arg 3 must not be zero');
  const count = Math.max(0, Math.ceil((stop - start) / step));
  if (count > MAX_RANGE) throw new ExprEvalError(`range() of ${count} items is over the limit of ${MAX_RANGE}`);
  return Array.from({ length: count }, (_, i) => start + i * step);
}

function str(v: unknown, what: string): string {
  if (typeof v === 'string') return v;
  throw new ExprEvalError(`${what} must be a string, got ${typeName(v)}`);
}

type Lookup = (terms: unknown[], kwargs: Record<string, unknown>, vars: Vars) => unknown[];

const LOOKUPS: Record<string, Lookup> = {
  env: (terms, kw) => terms.map((t) => process.env[str(t, 'env variable name')] ?? (kw.default === undefined ? '' : kw.default)),
  file: (terms, kw) =>
    terms.flatMap((t) => {
      try {
        const text = readFileSync(str(t, 'file name'), 'utf8');
        const r = kw.rstrip === undefined || kw.rstrip ? text.replace(/\s+$/, '') : text;
        return [kw.lstrip ? r.replace(/^\s+/, '') : r];
      } catch (e) {
        if (kw.errors === 'ignore' || kw.errors === 'warn') return [];
        throw new ExprEvalError(`lookup('file'): could not read ${String(t)}: ${(e as NodeJS.ErrnoException).code ?? e}`);
      }
    }),
  vars: (terms, kw, vars) =>
    terms.map((t) => {
      const v = ownValue(vars, str(t, 'variable name'));
      if (v !== undefined) return v;
      if (kw.default !== undefined) return kw.default;
      throw new Undef(String(t)).error();
    }),
  items: (terms) => terms.flatMap((t) => (Array.isArray(t) ? t : [t])),
  list: (terms) => terms,
  pipe: () => {
    throw new ExprEvalError("lookup('pipe') is disabled in remedy: templates do not run commands; use a command task and register its result");
  },
};

function lookup(wantList: boolean): GlobalFn {
  return (args, kwargs, vars) => {
    const [name, ...terms] = args;
    const plugin = String(name).replace(/^ansible\.builtin\./, '');
    const fn = Object.hasOwn(LOOKUPS, plugin) ? LOOKUPS[plugin] : undefined;
    if (!fn) throw new ExprEvalError(`lookup plugin '${String(name)}' is not supported (supported: ${Object.keys(LOOKUPS).join(', ')})`);
    const values = fn(terms.map(need), kwargs, vars);
    if (wantList || kwargs.wantlist) return values;
    if (values.length === 0) return null; // lookup() of nothing is None, rendered as ''
    return values.length === 1 ? values[0] : values.map(String).join(',');
  };
}

export const GLOBALS: Record<string, GlobalFn> = {
  range: (args) => range(args.map(need)),
  lookup: lookup(false),
  query: lookup(true),
  q: lookup(true),
  dict: (args, kwargs) => {
    const base = args[0] === undefined ? {} : need(args[0]);
    const pairs = isMapping(base) ? Object.entries(base) : (base as unknown[]).map((p) => (p as [string, unknown]).slice(0, 2) as [string, unknown]);
    return makeDict([...pairs.map(([k, v]) => [String(k), v] as const), ...Object.entries(kwargs)]);
  },
  namespace: (_args, kwargs) => {
    const ns = makeDict(Object.entries(kwargs));
    namespaces.add(ns);
    return ns;
  },
};

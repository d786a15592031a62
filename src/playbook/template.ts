// String templates as Ansible renders playbook values: `{{ expr }}`, `{% if/elif/else %}`,
// `{% for %}` (with `loop`, `else` and an `if` filter), `{% set %}` (also as a block, and on a
// namespace), `{% filter %}`, `{% raw %}` and `{# #}` comments, with `-` whitespace control and
// Jinja's trim_blocks as Ansible sets it. Statements are parsed to a tree and walked; nothing is
// compiled. Results follow ansible-core 2.14 (jinja2_native off): see renderString.
import { ExprSyntaxError, applyFilter, evaluate, evaluateLoose, parseTemplateBlock, parseTagBlock, toText, validate, validateCalls, type Expr, type Vars } from './expr.js';
import type { Call, Tag } from './expr-parse.js';
import { ExprEvalError, Macro, Undef, isMapping, isTuple, makeDict, need, truthy } from './expr-eval.js';
import { namespaces } from './globals.js';
import { literalEval } from './literal-eval.js';
import { isNum } from './py-float.js';

export type { Vars };

type Node =
  | string
  | { kind: 'out'; expr: Expr }
  | { kind: 'if'; branches: { test: Expr; body: Node[] }[]; otherwise: Node[] }
  | { kind: 'for'; targets: string[]; iter: Expr; filter?: Expr; body: Node[]; otherwise: Node[] }
  | { kind: 'set'; name: string; attr?: string; value: Expr }
  | { kind: 'setBlock'; name: string; body: Node[] }
  | { kind: 'filter'; calls: Call[]; body: Node[] };

const DELIMITER = /\{[{%#]/;

/** Whether `s` contains template syntax to render. */
export function isTemplated(s: string): boolean {
  return DELIMITER.test(s);
}

const MAX_CACHE = 2000;
const cache = new Map<string, Node[]>();

/** Parse a template into a tree. Throws ExprSyntaxError with an offset into `s`. */
function parseTemplate(s: string): Node[] {
  const hit = cache.get(s);
  if (hit) return hit;
  const nodes = new TemplateParser(s).parse();
  if (cache.size >= MAX_CACHE) cache.clear();
  cache.set(s, nodes);
  return nodes;
}

interface Frame {
  tag: string;
  at: number;
  nodes: Node[];
  /** The node the frame fills, and where the next body goes (else branches). */
  node?: Exclude<Node, string>;
}

class TemplateParser {
  private pos = 0;
  private text = '';
  private readonly stack: Frame[] = [{ tag: 'top', at: 0, nodes: [] }];

  constructor(private readonly s: string) {}

  parse(): Node[] {
    const { s } = this;
    for (;;) {
      const opening = new RegExp(DELIMITER.source, 'g');
      opening.lastIndex = this.pos;
      const at = opening.exec(s)?.index;
      if (at === undefined) break;
      this.text += s.slice(this.pos, at);
      const opener = s.slice(at, at + 2);
      let start = at + 2;
      if (s[start] === '-') {
        this.text = this.text.replace(/\s+$/, '');
        start++;
      }
      if (opener === '{#') this.comment(at, start);
      else if (opener === '{{') this.output(at, start);
      else this.statement(at, start);
    }
    this.text += s.slice(this.pos);
    this.flush();
    const open = this.stack[this.stack.length - 1] as Frame;
    if (open.tag !== 'top') throw new ExprSyntaxError(`'{% ${open.tag} %}' is never closed (expected '{% end${open.tag} %}')`, open.at);
    return open.nodes;
  }

  private get nodes(): Node[] {
    return (this.stack[this.stack.length - 1] as Frame).nodes;
  }

  private flush(): void {
    if (this.text) this.nodes.push(this.text);
    this.text = '';
  }

  private comment(at: number, start: number): void {
    const close = this.s.indexOf('#}', start);
    if (close < 0) throw new ExprSyntaxError("unclosed '{#' comment: expected '#}'; to write a literal '{#', use {{ '{#' }}", at);
    this.pos = close + 2;
    if (this.s[close - 1] === '-') this.skipSpace();
    else if (this.s[this.pos] === '\n') this.pos++; // trim_blocks applies to comments too (Jinja's lexer)
    else if (this.s.startsWith('\r\n', this.pos)) this.pos += 2;
  }

  private output(at: number, start: number): void {
    const block = parseTemplateBlock(this.s, start, at);
    this.flush();
    this.nodes.push({ kind: 'out', expr: block.expr });
    this.pos = block.end;
    if (block.trimAfter) this.skipSpace();
  }

  private skipSpace(): void {
    this.pos += (/^\s*/.exec(this.s.slice(this.pos))?.[0] ?? '').length;
  }

  private statement(at: number, start: number): void {
    const { tag, end, trimAfter } = parseTagBlock(this.s, start, at);
    this.pos = end;
    if (trimAfter) this.skipSpace();
    else if (this.s[this.pos] === '\n') this.pos++; // trim_blocks, as Ansible's environment has it
    else if (this.s.startsWith('\r\n', this.pos)) this.pos += 2;
    if (tag.tag === 'raw') return this.raw(at);
    this.flush();
    this.apply(tag, at);
  }

  private raw(at: number): void {
    const m = /\{%-?\s*endraw\s*-?%\}/.exec(this.s.slice(this.pos));
    if (!m) throw new ExprSyntaxError("'{% raw %}' is never closed (expected '{% endraw %}')", at);
    this.text += this.s.slice(this.pos, this.pos + m.index);
    this.pos += m.index + m[0].length;
  }

  private push(tag: string, at: number, node?: Exclude<Node, string>, nodes: Node[] = []): void {
    this.stack.push({ tag, at, nodes, ...(node ? { node } : {}) });
  }

  private apply(tag: Tag, at: number): void {
    const top = this.stack[this.stack.length - 1] as Frame;
    switch (tag.tag) {
      case 'if': {
        validate(tag.test);
        const node: Node = { kind: 'if', branches: [{ test: tag.test, body: [] }], otherwise: [] };
        this.nodes.push(node);
        return this.push('if', at, node, node.branches[0]?.body);
      }
      case 'elif':
      case 'else': {
        const node = top.node;
        if (node?.kind === 'if' && top.tag === 'if') {
          if (tag.tag === 'elif') {
            validate(tag.test);
            const branch = { test: tag.test, body: [] };
            node.branches.push(branch);
            top.nodes = branch.body;
          } else {
            top.nodes = node.otherwise;
            top.tag = 'if';
          }
          return;
        }
        if (node?.kind === 'for' && tag.tag === 'else') return void (top.nodes = node.otherwise);
        throw new ExprSyntaxError(`'{% ${tag.tag} %}' outside an if${tag.tag === 'else' ? ' or for' : ''} block`, at);
      }
      case 'for': {
        validate(tag.iter);
        if (tag.filter) validate(tag.filter);
        const node: Node = { kind: 'for', targets: tag.targets, iter: tag.iter, ...(tag.filter ? { filter: tag.filter } : {}), body: [], otherwise: [] };
        this.nodes.push(node);
        return this.push('for', at, node, node.body);
      }
      case 'set': {
        if (tag.value) {
          validate(tag.value);
          return void this.nodes.push({ kind: 'set', name: tag.name, ...(tag.attr ? { attr: tag.attr } : {}), value: tag.value });
        }
        const node: Node = { kind: 'setBlock', name: tag.name, body: [] };
        this.nodes.push(node);
        return this.push('set', at, node, node.body);
      }
      case 'filter': {
        validateCalls(tag.calls);
        const node: Node = { kind: 'filter', calls: tag.calls, body: [] };
        this.nodes.push(node);
        return this.push('filter', at, node, node.body);
      }
      case 'endif':
      case 'endfor':
      case 'endset':
      case 'endfilter': {
        const opened = tag.tag.slice(3);
        if (top.tag !== opened) {
          const open = top.tag === 'top' ? 'no open block' : `'{% ${top.tag} %}' is still open`;
          throw new ExprSyntaxError(`unexpected '{% ${tag.tag} %}': ${open}`, at);
        }
        this.stack.pop();
        return;
      }
      case 'endraw':
        throw new ExprSyntaxError("'{% endraw %}' without '{% raw %}'", at);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Rendering

class Renderer {
  constructor(
    private readonly vars: Vars,
    private readonly locals: Map<string, unknown>,
  ) {}

  /** The values a node list outputs, in order (strings, or a sole `{{ }}` value). */
  run(nodes: Node[], out: unknown[]): void {
    for (const node of nodes) this.one(node, out);
  }

  text(nodes: Node[]): string {
    const out: unknown[] = [];
    this.run(nodes, out);
    return out.map(finalize).join('');
  }

  private one(node: Node, out: unknown[]): void {
    if (typeof node === 'string') return void out.push(node);
    switch (node.kind) {
      case 'out':
        return void out.push(evaluate(node.expr, this.vars, this.locals));
      case 'if': {
        const branch = node.branches.find((b) => truthy(defaultFalse(evaluateLoose(b.test, this.vars, this.locals))));
        return this.run(branch ? branch.body : node.otherwise, out);
      }
      case 'for':
        return this.loop(node, out);
      case 'set':
        return this.assign(node);
      case 'setBlock':
        return void this.locals.set(node.name, this.text(node.body));
      case 'filter': {
        let value: unknown = this.text(node.body);
        for (const call of node.calls) value = applyFilter(call, value, this.vars, this.locals);
        return void out.push(value);
      }
    }
  }

  private assign(node: Extract<Node, { kind: 'set' }>): void {
    const value = evaluate(node.value, this.vars, this.locals);
    if (node.attr === undefined) return void this.locals.set(node.name, value);
    const target = this.locals.get(node.name);
    if (!isMapping(target) || !namespaces.has(target)) {
      throw new ExprEvalError(`'{% set ${node.name}.${node.attr} %}' needs '${node.name}' to be a namespace() object`);
    }
    target[node.attr] = value;
  }

  private loop(node: Extract<Node, { kind: 'for' }>, out: unknown[]): void {
    const all = iterable(need(evaluateLoose(node.iter, this.vars, this.locals)));
    const saved = new Map(node.targets.map((t) => [t, this.locals.get(t)] as const));
    const savedLoop = this.locals.get('loop');
    const bind = (item: unknown) => {
      if (node.targets.length === 1) return void this.locals.set(node.targets[0] as string, item);
      const parts = Array.isArray(item) ? item : [];
      if (parts.length !== node.targets.length) throw new ExprEvalError(`cannot unpack ${parts.length} values into ${node.targets.length} loop variables`);
      node.targets.forEach((t, i) => this.locals.set(t, parts[i]));
    };
    const items = node.filter ? all.filter((item) => (bind(item), truthy(evaluate(node.filter as Expr, this.vars, this.locals)))) : all;
    try {
      if (items.length === 0) return this.run(node.otherwise, out);
      items.forEach((item, i) => {
        bind(item);
        this.locals.set('loop', loopInfo(items, i));
        this.run(node.body, out);
      });
    } finally {
      for (const [t, v] of saved) v === undefined ? this.locals.delete(t) : this.locals.set(t, v);
      savedLoop === undefined ? this.locals.delete('loop') : this.locals.set('loop', savedLoop);
    }
  }
}

/** `{% if missing %}` is false in Jinja, not an error. */
function defaultFalse(v: unknown): unknown {
  return v instanceof Undef ? false : v;
}

function iterable(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (isMapping(v)) return Object.keys(v);
  throw new ExprEvalError(`'{% for %}' needs a list, dict or string, got ${v === null ? 'None' : typeof v}`);
}

function loopInfo(items: unknown[], i: number): Record<string, unknown> {
  const n = items.length;
  return makeDict([
    ['index', i + 1], ['index0', i], ['revindex', n - i], ['revindex0', n - i - 1],
    ['first', i === 0], ['last', i === n - 1], ['length', n],
    ['previtem', i > 0 ? items[i - 1] : null], ['nextitem', i < n - 1 ? items[i + 1] : null],
    ['cycle', new Macro((args) => args[i % Math.max(1, args.length)] ?? null)],
  ]);
}

/** Ansible's finalize: None prints as an empty string. */
function finalize(value: unknown): string {
  return value === null ? '' : toText(value);
}

/** Ansible's SINGLE_VAR shortcut: `{{ name }}` alone, naming a bool or number, keeps its type. */
const SINGLE_VAR = /^\{\{\s*(\w*)\s*\}\}$/;

/**
 * Render a template as ansible-core 2.14 does (jinja2_native off, convert_data on): the output
 * is text, and text that looks like a list, a dict or a bool (`[`, `{`, True, False) is read
 * back as a Python literal, so `{{ users }}` is still a list but `{{ n + 1 }}` is the string
 * '43'. `{{ n }}` alone keeps n's number or bool, and yields None for None.
 */
export function renderString(s: string, vars: Vars): unknown {
  if (!isTemplated(s)) return s;
  const single = SINGLE_VAR.exec(s)?.[1];
  if (single !== undefined && Object.hasOwn(vars, single)) {
    const v = vars[single];
    if (isNum(v) || typeof v === 'boolean' || v === null) return v;
  }
  const nodes = parseTemplate(s);
  const out: unknown[] = [];
  new Renderer(vars, new Map()).run(nodes, out);
  if (out.length === 1) {
    const only = out[0];
    // A list or dict of plain data prints as a literal that reads back as itself.
    if ((Array.isArray(only) && !isTuple(only)) || isMapping(only) || typeof only === 'boolean') return detuple(only);
    // Ansible keeps what its string-type filters return as text: `{{ d | to_json }}`.
    if (typeof only === 'string' && outputsFilterText(nodes)) return only;
  }
  return detuple(convertData(out.map(finalize).join('')));
}

/** A rendered value leaves as plain data, as Ansible's results do: tuples become lists. */
function detuple(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(detuple);
  if (isMapping(v)) return makeDict(Object.entries(v).map(([k, x]) => [k, detuple(x)] as const));
  return v;
}

/** Ansible's STRING_TYPE_FILTERS: their text is never read back as a literal. */
const STRING_TYPE_FILTERS = new Set(['string', 'to_json', 'to_nice_json', 'to_yaml', 'to_nice_yaml', 'ppretty', 'json']);

function outputsFilterText(nodes: Node[]): boolean {
  const outs = nodes.filter((n) => typeof n !== 'string');
  const only = outs[0];
  if (outs.length !== 1 || typeof only === 'string' || only?.kind !== 'out' || only.expr.kind !== 'filter') return false;
  return STRING_TYPE_FILTERS.has(only.expr.call.name.replace(/^ansible\.builtin\./, ''));
}

function convertData(text: string): unknown {
  if (!(text.startsWith('{') || text.startsWith('[') || text === 'True' || text === 'False')) return text;
  const value = literalEval(text);
  return value === undefined ? text : value;
}

/** Static syntax check of a template; `offset` is into `s`. */
export function checkTemplate(s: string): { offset: number; message: string } | null {
  if (!isTemplated(s)) return null;
  try {
    parseTemplate(s);
    return null;
  } catch (e) {
    if (e instanceof ExprSyntaxError) return { offset: e.offset, message: e.message };
    throw e;
  }
}

/** The expression when `s` is exactly one `{{ }}` block with only whitespace around it. */
export function soleExpression(s: string): Expr | null {
  if (!s.trimStart().startsWith('{{')) return null;
  const nodes = parseTemplate(s);
  const exprs = nodes.filter((p) => typeof p !== 'string');
  const onlyWhitespace = nodes.every((p) => typeof p !== 'string' || p.trim() === '');
  const only = exprs[0];
  return exprs.length === 1 && onlyWhitespace && only && only.kind === 'out' ? only.expr : null;
}

/** Render every string inside arrays and plain objects; keys and other values are kept. */
export function renderDeep<T>(value: T, vars: Vars): unknown {
  if (typeof value === 'string') return renderString(value, vars);
  if (Array.isArray(value)) return value.map((v: unknown) => renderDeep(v, vars));
  if (isMapping(value)) return makeDict(Object.entries(value).map(([k, v]) => [k, renderDeep(v, vars)]));
  return value;
}

/**
 * A whole file rendered as the template module does: text out, nothing read back as a literal,
 * every trailing newline kept (Ansible's preserve_trailing_newlines). Throws on syntax errors
 * (ExprSyntaxError, with an offset into `s`) and on undefined names.
 */
export function renderText(s: string, vars: Vars): string {
  // Jinja drops the source's one trailing newline (keep_trailing_newline off); Ansible then pads
  // the result up to as many trailing newlines as the source had.
  const source = s.replace(/(\r\n|\r|\n)$/, '');
  const out: unknown[] = [];
  new Renderer(vars, new Map()).run(parseTemplate(source), out);
  const text = out.map(finalize).join('');
  const missing = trailingNewlines(s) - trailingNewlines(text);
  return missing > 0 ? text + '\n'.repeat(missing) : text;
}

const trailingNewlines = (s: string) => s.length - s.replace(/\n+$/, '').length;

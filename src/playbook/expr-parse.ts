// Tokenizer and recursive-descent parser for the Jinja2 that Ansible users write inside `{{ }}`,
// `{% %}` tags and `when:`. Playbook text is only ever turned
// into this AST and walked by expr-eval.ts; it is never handed to eval, Function or vm.
//
// Precedence follows Jinja2's parser (lowest first):
//   x if c else y · or · and · not · comparisons (== != < <= > >= in, not in; chainable)
//   · + - · ~ · * / // % · ** · unary - + · filters `|` and tests `is` · postfix . [] · atoms
// Note that, as in Jinja, `~` binds tighter than `+`, and `is` binds as tightly as `|`.

import { PyFloat, mkFloat } from './py-float.js';

export class ExprSyntaxError extends Error {
  override name = 'ExprSyntaxError';
  constructor(
    message: string,
    /** 0-based offset of the problem in the text that was parsed. */
    readonly offset: number,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// AST

export interface Span {
  start: number;
  end: number;
}

export type BinaryOp = '+' | '-' | '*' | '/' | '//' | '%' | '**' | '~';
export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in';

/** A filter or test invocation: `name`, `name(a, b)`, `name(a, k=v)`, or a test's `name arg`. */
export interface Call {
  name: string;
  nameStart: number;
  args: Expr[];
  kwargs: { name: string; value: Expr; start: number }[];
}

export type Expr = Span &
  (
    | { kind: 'literal'; value: string | number | PyFloat | boolean | null }
    | { kind: 'name'; name: string }
    | { kind: 'list'; items: Expr[]; tuple?: boolean }
    | { kind: 'dict'; entries: { key: Expr; value: Expr }[] }
    | { kind: 'attr'; object: Expr; key: string | number }
    | { kind: 'index'; object: Expr; index: Expr }
    | { kind: 'slice'; object: Expr; lower?: Expr; upper?: Expr; step?: Expr }
    | { kind: 'unary'; op: '-' | '+' | 'not'; operand: Expr }
    | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr }
    | { kind: 'logical'; op: 'and' | 'or'; left: Expr; right: Expr }
    | { kind: 'compare'; first: Expr; rest: { op: CompareOp; right: Expr }[] }
    | { kind: 'filter'; subject: Expr; call: Call }
    | { kind: 'test'; subject: Expr; call: Call; negated: boolean }
    | { kind: 'cond'; test: Expr; then: Expr; else?: Expr }
    /** `f(...)` (a global function) or `x.m(...)` (a method of x's type). */
    | { kind: 'call'; callee: Expr; call: Call }
  );

/** Direct sub-expressions of a node, for static walks (validation). */
export function children(node: Expr): Expr[] {
  const callArgs = (c: Call) => [...c.args, ...c.kwargs.map((k) => k.value)];
  switch (node.kind) {
    case 'literal':
    case 'name':
      return [];
    case 'list':
      return node.items;
    case 'dict':
      return node.entries.flatMap((e) => [e.key, e.value]);
    case 'attr':
      return [node.object];
    case 'index':
      return [node.object, node.index];
    case 'slice':
      return [node.object, node.lower, node.upper, node.step].filter((e) => e !== undefined);
    case 'unary':
      return [node.operand];
    case 'binary':
    case 'logical':
      return [node.left, node.right];
    case 'compare':
      return [node.first, ...node.rest.map((r) => r.right)];
    case 'filter':
    case 'test':
      return [node.subject, ...callArgs(node.call)];
    case 'cond':
      return [node.test, node.then, ...(node.else ? [node.else] : [])];
    case 'call':
      return [node.callee, ...callArgs(node.call)];
  }
}

// ---------------------------------------------------------------------------------------------
// Tokens

type TokenType = 'name' | 'string' | 'number' | 'op' | 'end';

interface Token {
  type: TokenType;
  /** Name, decoded string content, operator, or number text. */
  value: string;
  num?: number;
  /** A number written as a float (1.0, 1e3). */
  float?: boolean;
  start: number;
  end: number;
}

// Longest first, so `//` wins over `/`.
const OPERATORS = [
  '//', '**', '==', '!=', '<=', '>=',
  '(', ')', '[', ']', '{', '}', ',', ':', '.', '|', '~', '+', '-', '*', '/', '%', '<', '>', '=',
];

/** Words that are operators or syntax, so never variable names or test arguments. */
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'is', 'if', 'else']);
const LITERAL_WORDS = new Map<string, boolean | null>([
  ['true', true], ['True', true], ['false', false], ['False', false],
  ['none', null], ['None', null], ['null', null],
]);

const NAME_RE = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER_RE = /\d(?:_?\d)*(?:\.\d(?:_?\d)*)?(?:[eE][+-]?\d(?:_?\d)*)?/y;
const INTEGER_RE = /\d+/y;

// Characters people reach for from other languages; say what to write instead.
const BAD_CHAR_HINTS: Record<string, string> = {
  '!': "use 'not' for negation",
  '&': "use 'and'",
  '?': "use 'a if condition else b'",
  $: "variables are written by name, without '$'",
};

export interface Lexed {
  tokens: Token[];
  /** Offset just past the expression (past `}}` in template mode). */
  end: number;
  /** Template mode: the block ended with `-}}`, so whitespace after it is trimmed. */
  trimAfter: boolean;
}

/**
 * Split `src` from `start` into tokens. In template mode the expression ends at the first `}}`
 * (or `-}}`) outside brackets, as in Jinja, so `{{ {'a': {'b': 1}} }}` works.
 * `openAt` is where the `{{` was, for "unclosed" errors.
 */
function tokenize(src: string, start: number, template: { openAt: number; close?: '}}' | '%}' } | null): Lexed {
  const closer = template?.close ?? '}}';
  const tokens: Token[] = [];
  let pos = start;
  const open: { op: string; at: number }[] = []; // unclosed brackets
  const push = (type: TokenType, value: string, end: number, num?: number) => {
    tokens.push({ type, value, start: pos, end, ...(num === undefined ? {} : { num }) });
    pos = end;
  };
  for (;;) {
    while (pos < src.length && /\s/.test(src[pos] ?? '')) pos++;
    if (pos >= src.length) {
      if (template) throw new ExprSyntaxError(`unclosed '${closer === '}}' ? '{{' : '{%'}': expected '${closer}'`, template.openAt);
      tokens.push({ type: 'end', value: '', start: pos, end: pos });
      return { tokens, end: pos, trimAfter: false };
    }
    const close = !template ? 0 : src.startsWith(closer, pos) ? 2 : src.startsWith('-' + closer, pos) ? 3 : 0;
    const innermost = open[open.length - 1];
    if (close && (!innermost || closer === '%}')) {
      tokens.push({ type: 'end', value: closer, start: pos, end: pos + close });
      return { tokens, end: pos + close, trimAfter: close === 3 };
    }
    if (close && innermost && innermost.op !== '{') {
      // `}}` while '(' or '[' is open: the block ends here with a bracket left unclosed.
      const closer = innermost.op === '(' ? ')' : ']';
      const message = `expected '${closer}' to close the '${innermost.op}' at offset ${innermost.at} before '}}'`;
      throw new ExprSyntaxError(message, pos);
    }
    const delimiter = /^\{[{%#]/.exec(src.slice(pos, pos + 2));
    if (delimiter) {
      throw new ExprSyntaxError(
        template
          ? `'${delimiter[0]}' inside '{{ }}': refer to variables directly, without nested delimiters`
          : `template delimiter '${delimiter[0]}' inside an expression: write the expression ` +
            "directly (e.g. `x == 'a'`, not `{{ x }} == 'a'`)",
        pos,
      );
    }
    const c = src[pos] ?? '';
    const prev = tokens[tokens.length - 1];
    if (c === "'" || c === '"') {
      const { value, end } = readString(src, pos, closer === '}}' && template !== null);
      push('string', value, end);
    } else if (/[A-Za-z_]/.test(c)) {
      const m = matchAt(NAME_RE, src, pos);
      push('name', m, pos + m.length);
    } else if (/\d/.test(c)) {
      // After a dot only an integer can follow, so `a.0.b` is attribute access, not `a` `.0.b`.
      const m = matchAt(prev?.type === 'op' && prev.value === '.' ? INTEGER_RE : NUMBER_RE, src, pos);
      push('number', m, pos + m.length, Number(m.replace(/_/g, '')));
      if (/[.eE]/.test(m)) (tokens[tokens.length - 1] as Token).float = true;
    } else {
      if (src.startsWith('&&', pos) || src.startsWith('||', pos)) {
        const word = c === '&' ? 'and' : 'or';
        throw new ExprSyntaxError(`'${c}${c}' is not an operator here; use '${word}'`, pos);
      }
      const op = OPERATORS.find((o) => src.startsWith(o, pos));
      if (!op) {
        const hint = BAD_CHAR_HINTS[c];
        throw new ExprSyntaxError(`unexpected character '${c}'${hint ? ` (${hint})` : ''}`, pos);
      }
      if ('([{'.includes(op)) open.push({ op, at: pos });
      if (')]}'.includes(op)) open.pop();
      push('op', op, pos + op.length);
    }
  }
}

function matchAt(re: RegExp, src: string, pos: number): string {
  re.lastIndex = pos;
  return re.exec(src)?.[0] ?? '';
}

const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"',
  a: '\x07', b: '\b', f: '\f', v: '\v', '\n': '',
};

/** Read a quoted string at `start`, decoding Python escapes. Unknown escapes such as `\d` keep
 *  their backslash, as in Python, so regex patterns survive. Inside `{{ }}` (`raw`) Ansible
 *  doubles every backslash before Jinja reads the string, so backslashes stay as written
 *  (`'\1'` is backslash-one) and a backslash cannot escape the quote. */
function readString(src: string, start: number, raw = false): { value: string; end: number } {
  const quoteChar = src[start];
  if (raw) return readRawString(src, start, quoteChar ?? "'");
  let out = '';
  let pos = start + 1;
  while (pos < src.length) {
    const c = src[pos] ?? '';
    if (c === quoteChar) return { value: out, end: pos + 1 };
    if (c !== '\\') {
      out += c;
      pos++;
      continue;
    }
    const e = src[pos + 1] ?? '';
    const simple = SIMPLE_ESCAPES[e];
    const hex = { x: 2, u: 4, U: 8 }[e as 'x' | 'u' | 'U'];
    if (simple !== undefined) {
      out += simple;
      pos += 2;
    } else if (hex !== undefined) {
      const digits = src.slice(pos + 2, pos + 2 + hex);
      if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== hex) {
        throw new ExprSyntaxError(`bad escape '\\${e}': expected ${hex} hex digits`, pos);
      }
      out += String.fromCodePoint(parseInt(digits, 16));
      pos += 2 + hex;
    } else if (/[0-7]/.test(e)) {
      const digits = /^[0-7]{1,3}/.exec(src.slice(pos + 1))?.[0] ?? '0';
      out += String.fromCharCode(parseInt(digits, 8));
      pos += 1 + digits.length;
    } else {
      out += '\\' + e;
      pos += 2;
    }
  }
  throw new ExprSyntaxError(`unterminated string: missing closing ${quoteChar}`, start);
}

function readRawString(src: string, start: number, quoteChar: string): { value: string; end: number } {
  // Jinja's lexer still finds the end of the string skipping `\x` pairs; after Ansible doubled
  // the backslashes, an escaped quote ends the string early, which Jinja then reports.
  let pos = start + 1;
  while (pos < src.length && src[pos] !== quoteChar) pos += src[pos] === '\\' ? 2 : 1;
  if (pos >= src.length) throw new ExprSyntaxError(`unterminated string: missing closing ${quoteChar}`, start);
  const body = src.slice(start + 1, pos);
  const escapedQuote = body.indexOf('\\' + quoteChar);
  if (escapedQuote >= 0 && !/\\\\$/.test(body.slice(0, escapedQuote + 1))) {
    throw new ExprSyntaxError(
      `a backslash cannot escape ${quoteChar} inside '{{ }}' (Ansible keeps backslashes there as written); use the other quote`,
      start + 1 + escapedQuote,
    );
  }
  return { value: body, end: pos + 1 };
}

// ---------------------------------------------------------------------------------------------
// Parser

/** Parse a whole string as one expression (a `when:` condition). */
export function parseStandalone(text: string): Expr {
  const { tokens } = tokenize(text, 0, null);
  return new Parser(tokens).parseAll('expression');
}

/**
 * Parse the expression of a template block whose content starts at `start` (just after `{{`
 * and any `-`). Offsets in the AST and errors are offsets into `src`.
 */
export function parseBlock(src: string, start: number, openAt: number): { expr: Expr } & Lexed {
  const lexed = tokenize(src, start, { openAt });
  const expr = new Parser(lexed.tokens).parseAll("'{{ }}'");
  return { expr, ...lexed };
}

/** One `{% %}` tag. */
export type Tag = Span &
  (
    | { tag: 'if' | 'elif'; test: Expr }
    | { tag: 'else' | 'endif' | 'endfor' | 'endset' | 'endfilter' | 'raw' | 'endraw' }
    | { tag: 'for'; targets: string[]; iter: Expr; filter?: Expr }
    | { tag: 'set'; name: string; attr?: string; value?: Expr }
    | { tag: 'filter'; calls: Call[] }
  );

const TAGS = ['if', 'elif', 'else', 'endif', 'for', 'endfor', 'set', 'endset', 'filter', 'endfilter', 'raw', 'endraw'];

/** Parse the `{% %}` tag whose content starts at `start` (after `{%` and any `-`). */
export function parseTagBlock(src: string, start: number, openAt: number): { tag: Tag } & Lexed {
  const lexed = tokenize(src, start, { openAt, close: '%}' });
  return { tag: new Parser(lexed.tokens).parseTag(), ...lexed };
}

class Parser {
  private i = 0;

  constructor(private readonly tokens: Token[]) {}

  parseAll(where: string): Expr {
    if (this.peek().type === 'end') throw this.error(`empty ${where}`);
    const expr = this.parseCondExpr();
    const t = this.peek();
    if (t.type !== 'end') {
      const hint = t.type === 'op' && t.value === '=' ? " (use '==' to compare)" : ' (missing operator?)';
      throw this.error(`unexpected ${describe(t)} after the end of the expression${hint}`);
    }
    return expr;
  }

  parseTag(): Tag {
    const t = this.next();
    if (t.type !== 'name' || !TAGS.includes(t.value)) {
      const what = t.type === 'name' ? `'{% ${t.value} %}'` : describe(t);
      throw this.error(`unsupported statement ${what}; supported: ${TAGS.filter((x) => !x.startsWith('end')).join(', ')}`, t);
    }
    const span = { start: t.start };
    let tag: Tag;
    switch (t.value) {
      case 'if':
      case 'elif':
        tag = { tag: t.value, test: this.parseCondExpr(), ...span, end: 0 };
        break;
      case 'for': {
        const targets = [this.expectName('a loop variable')];
        while (this.acceptOp(',')) targets.push(this.expectName('a loop variable'));
        if (!this.acceptWord('in')) throw this.error(`expected 'in' in the for loop, found ${describe(this.peek())}`);
        const iter = this.parseOr();
        const filter = this.acceptWord('if') ? this.parseOr() : undefined;
        tag = { tag: 'for', targets, iter, ...(filter ? { filter } : {}), ...span, end: 0 };
        break;
      }
      case 'set': {
        const name = this.expectName('a variable name');
        const attr = this.acceptOp('.') ? this.expectName('an attribute name') : undefined;
        const value = this.acceptOp('=') ? this.parseCondExpr() : undefined;
        tag = { tag: 'set', name, ...(attr ? { attr } : {}), ...(value ? { value } : {}), ...span, end: 0 };
        break;
      }
      case 'filter': {
        const calls = [this.parseCall('filter')];
        while (this.acceptOp('|')) calls.push(this.parseCall('filter'));
        tag = { tag: 'filter', calls, ...span, end: 0 };
        break;
      }
      default:
        tag = { tag: t.value as 'else', ...span, end: 0 };
    }
    if (this.peek().type !== 'end') throw this.error(`unexpected ${describe(this.peek())} in '{% ${t.value} %}'`);
    tag.end = this.lastEnd;
    return tag;
  }

  private expectName(what: string): string {
    const t = this.next();
    if (t.type !== 'name' || KEYWORDS.has(t.value)) throw this.error(`expected ${what}, found ${describe(t)}`, t);
    return t.value;
  }

  // --- token helpers

  private peek(k = 0): Token {
    return this.tokens[Math.min(this.i + k, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const t = this.peek();
    if (t.type !== 'end') this.i++;
    return t;
  }

  private isOp(value: string, k = 0): boolean {
    const t = this.peek(k);
    return t.type === 'op' && t.value === value;
  }

  private isWord(value: string, k = 0): boolean {
    const t = this.peek(k);
    return t.type === 'name' && t.value === value;
  }

  private acceptOp(value: string): boolean {
    if (!this.isOp(value)) return false;
    this.i++;
    return true;
  }

  private acceptWord(value: string): boolean {
    if (!this.isWord(value)) return false;
    this.i++;
    return true;
  }

  private expectOp(value: string, context: string): Token {
    if (!this.isOp(value)) throw this.error(`expected '${value}' ${context}, found ${describe(this.peek())}`);
    return this.next();
  }

  private error(message: string, at: Token = this.peek()): ExprSyntaxError {
    return new ExprSyntaxError(message, at.start);
  }

  /** End offset of the last consumed token. */
  private get lastEnd(): number {
    return this.tokens[this.i - 1]?.end ?? 0;
  }

  // --- grammar, lowest precedence first

  private parseCondExpr(): Expr {
    let expr = this.parseOr();
    while (this.acceptWord('if')) {
      const test = this.parseOr();
      const otherwise = this.acceptWord('else') ? this.parseCondExpr() : undefined;
      expr = { kind: 'cond', test, then: expr, else: otherwise, start: expr.start, end: this.lastEnd };
    }
    return expr;
  }

  private parseOr(): Expr {
    let left = this.parseAnd();
    while (this.acceptWord('or')) {
      const right = this.parseAnd();
      left = { kind: 'logical', op: 'or', left, right, start: left.start, end: right.end };
    }
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseNot();
    while (this.acceptWord('and')) {
      const right = this.parseNot();
      left = { kind: 'logical', op: 'and', left, right, start: left.start, end: right.end };
    }
    return left;
  }

  private parseNot(): Expr {
    const t = this.peek();
    if (this.acceptWord('not')) {
      const operand = this.parseNot();
      return { kind: 'unary', op: 'not', operand, start: t.start, end: operand.end };
    }
    return this.parseCompare();
  }

  private parseCompare(): Expr {
    const first = this.parseMath1();
    const rest: { op: CompareOp; right: Expr }[] = [];
    for (;;) {
      const t = this.peek();
      let op: CompareOp;
      if (t.type === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.value)) op = t.value as CompareOp;
      else if (this.isWord('in')) op = 'in';
      else if (this.isWord('not') && this.isWord('in', 1)) op = 'not in';
      else break;
      this.i += op === 'not in' ? 2 : 1;
      rest.push({ op, right: this.parseMath1() });
    }
    if (rest.length === 0) return first;
    return { kind: 'compare', first, rest, start: first.start, end: this.lastEnd };
  }

  /** Left-associative binary levels share this loop. */
  private binaryLevel(ops: readonly BinaryOp[], operand: () => Expr): Expr {
    let left = operand();
    for (;;) {
      const t = this.peek();
      const op = ops.find((o) => t.type === 'op' && t.value === o);
      if (!op) return left;
      this.i++;
      const right = operand();
      left = { kind: 'binary', op, left, right, start: left.start, end: right.end };
    }
  }

  private parseMath1 = (): Expr => this.binaryLevel(['+', '-'], this.parseConcat);
  private parseConcat = (): Expr => this.binaryLevel(['~'], this.parseMath2);
  private parseMath2 = (): Expr => this.binaryLevel(['*', '/', '//', '%'], this.parsePow);
  private parsePow = (): Expr => this.binaryLevel(['**'], () => this.parseUnary(true));

  private parseUnary(withFilters: boolean): Expr {
    const t = this.peek();
    let node: Expr;
    if (this.acceptOp('-') || this.acceptOp('+')) {
      // As in Jinja, `-x | abs` is `(-x) | abs`: the operand takes no filters of its own.
      const operand = this.parseUnary(false);
      node = { kind: 'unary', op: t.value as '-' | '+', operand, start: t.start, end: operand.end };
    } else {
      node = this.parsePostfix(this.parsePrimary());
    }
    return withFilters ? this.parseFiltersAndTests(node) : node;
  }

  private parseFiltersAndTests(node: Expr): Expr {
    for (;;) {
      if (this.acceptOp('|')) {
        const call = this.parseCall('filter');
        node = { kind: 'filter', subject: node, call, start: node.start, end: this.lastEnd };
      } else if (this.acceptWord('is')) {
        const negated = this.acceptWord('not');
        const call = this.parseCall('test');
        node = { kind: 'test', subject: node, call, negated, start: node.start, end: this.lastEnd };
      } else {
        return node;
      }
    }
  }

  /** Filter or test name (possibly dotted, e.g. `ansible.builtin.quote`) and its arguments. */
  parseCall(kind: 'filter' | 'test'): Call {
    const first = this.peek();
    if (first.type !== 'name') {
      throw this.error(`expected a ${kind} name after '${kind === 'filter' ? '|' : 'is'}', found ${describe(first)}`);
    }
    this.i++;
    let name = first.value;
    while (this.isOp('.') && this.peek(1).type === 'name') {
      name += '.' + this.peek(1).value;
      this.i += 2;
    }
    const call: Call = { name, nameStart: first.start, args: [], kwargs: [] };
    if (this.acceptOp('(')) {
      this.parseArguments(call, kind);
    } else if (kind === 'test' && this.startsBareTestArgument()) {
      // Jinja allows one argument without parentheses: `x is divisibleby 3`, `x is sameas none`.
      call.args.push(this.parsePostfix(this.parsePrimary()));
    }
    return call;
  }

  private startsBareTestArgument(): boolean {
    const t = this.peek();
    if (t.type === 'string' || t.type === 'number') return true;
    if (t.type === 'op') return t.value === '[' || t.value === '{';
    return t.type === 'name' && !KEYWORDS.has(t.value);
  }

  private parseArguments(call: Call, kind: 'filter' | 'test' | 'method' | 'function'): void {
    const close = () => `after ${kind} arguments`;
    while (!this.acceptOp(')')) {
      const t = this.peek();
      if (t.type === 'end') throw this.error(`expected ')' ${close()}, found ${describe(t)}`);
      if (t.type === 'name' && this.isOp('=', 1)) {
        this.i += 2;
        if (call.kwargs.some((k) => k.name === t.value)) throw this.error(`keyword argument '${t.value}' given twice`, t);
        call.kwargs.push({ name: t.value, value: this.parseCondExpr(), start: t.start });
      } else {
        if (call.kwargs.length > 0) throw this.error('positional argument after keyword argument');
        call.args.push(this.parseCondExpr());
      }
      if (!this.acceptOp(',') && !this.isOp(')')) {
        throw this.error(`expected ',' or ')' ${close()}, found ${describe(this.peek())}`);
      }
    }
  }

  private parsePostfix(node: Expr): Expr {
    for (;;) {
      if (this.acceptOp('.')) {
        const t = this.next();
        if (t.type !== 'name' && t.type !== 'number') {
          throw this.error(`expected an attribute name after '.', found ${describe(t)}`, t);
        }
        const key = t.type === 'number' ? (t.num ?? 0) : t.value;
        node = { kind: 'attr', object: node, key, start: node.start, end: t.end };
      } else if (this.acceptOp('[')) {
        node = this.parseSubscript(node);
      } else if (this.isOp('(') && (node.kind === 'attr' || node.kind === 'name')) {
        this.i++;
        const nameStart = node.kind === 'attr' ? node.end - String(node.key).length : node.start;
        const name = node.kind === 'attr' ? String(node.key) : node.name;
        const call: Call = { name, nameStart, args: [], kwargs: [] };
        this.parseArguments(call, node.kind === 'attr' ? 'method' : 'function');
        node = { kind: 'call', callee: node, call, start: node.start, end: this.lastEnd };
      } else if (this.isOp('(')) {
        throw this.error("only functions ('range(3)'), methods ('s.split()'), filters and tests take arguments");
      } else {
        return node;
      }
    }
  }

  /** `a[i]` or a Python slice `a[lo:hi:step]`; the `[` is already consumed. */
  private parseSubscript(object: Expr): Expr {
    const parts: (Expr | undefined)[] = [];
    let colons = 0;
    const sliceEnd = () => this.isOp(':') || this.isOp(']');
    parts.push(sliceEnd() ? undefined : this.parseCondExpr());
    while (colons < 2 && this.acceptOp(':')) {
      colons++;
      parts.push(sliceEnd() ? undefined : this.parseCondExpr());
    }
    const close = this.expectOp(']', 'to close the subscript');
    const [lower, upper, step] = parts;
    if (colons === 0) {
      if (!lower) throw this.error('empty subscript []', close);
      return { kind: 'index', object, index: lower, start: object.start, end: this.lastEnd };
    }
    return { kind: 'slice', object, lower, upper, step, start: object.start, end: this.lastEnd };
  }

  private parsePrimary(): Expr {
    const t = this.next();
    switch (t.type) {
      case 'string': {
        // Adjacent string literals concatenate, as in Python and Jinja.
        let value = t.value;
        while (this.peek().type === 'string') value += this.next().value;
        return { kind: 'literal', value, start: t.start, end: this.lastEnd };
      }
      case 'number': {
        const value = t.float ? mkFloat(t.num ?? 0) : (t.num ?? 0);
        return { kind: 'literal', value, start: t.start, end: t.end };
      }
      case 'name': {
        const literal = LITERAL_WORDS.get(t.value);
        if (literal !== undefined) return { kind: 'literal', value: literal, start: t.start, end: t.end };
        if (KEYWORDS.has(t.value)) throw this.error(`unexpected keyword '${t.value}', expected a value`, t);
        return { kind: 'name', name: t.value, start: t.start, end: t.end };
      }
      case 'op':
        if (t.value === '(') return this.parseParenthesized(t);
        if (t.value === '[') return this.parseList(t);
        if (t.value === '{') return this.parseDict(t);
        throw this.error(`unexpected ${describe(t)}, expected a value`, t);
      case 'end':
        throw this.error(`unexpected end of expression, expected a value`, t);
    }
  }

  /** `(x)` groups; `(a, b)` and `()` are tuples, which we represent as lists. */
  private parseParenthesized(open: Token): Expr {
    if (this.acceptOp(')')) return { kind: 'list', items: [], tuple: true, start: open.start, end: this.lastEnd };
    const first = this.parseCondExpr();
    if (this.acceptOp(')')) return first;
    const items = [first];
    while (this.acceptOp(',')) {
      if (this.isOp(')')) break;
      items.push(this.parseCondExpr());
    }
    this.expectOp(')', "to close '('");
    return { kind: 'list', items, tuple: true, start: open.start, end: this.lastEnd };
  }

  private parseList(open: Token): Expr {
    const items: Expr[] = [];
    while (!this.acceptOp(']')) {
      items.push(this.parseCondExpr());
      if (!this.acceptOp(',') && !this.isOp(']')) {
        throw this.error(`expected ',' or ']' in list, found ${describe(this.peek())}`);
      }
    }
    return { kind: 'list', items, start: open.start, end: this.lastEnd };
  }

  private parseDict(open: Token): Expr {
    const entries: { key: Expr; value: Expr }[] = [];
    while (!this.acceptOp('}')) {
      const key = this.parseCondExpr();
      this.expectOp(':', 'after dict key');
      entries.push({ key, value: this.parseCondExpr() });
      if (!this.acceptOp(',') && !this.isOp('}')) {
        throw this.error(`expected ',' or '}' in dict, found ${describe(this.peek())}`);
      }
    }
    return { kind: 'dict', entries, start: open.start, end: this.lastEnd };
  }
}

function describe(t: Token): string {
  switch (t.type) {
    case 'end':
      return t.value === '}}' ? "'}}'" : 'end of expression';
    case 'string':
      return `string ${JSON.stringify(t.value.length > 20 ? t.value.slice(0, 20) + '…' : t.value)}`;
    case 'number':
      return `number ${t.value}`;
    case 'name':
      return KEYWORDS.has(t.value) ? `keyword '${t.value}'` : `'${t.value}'`;
    case 'op':
      return `'${t.value}'`;
  }
}

// How Ansible's INI inventory turns text into values: host lines are split like a POSIX shell
// (shlex: quotes removed, `#` starts a comment), then every value goes through Python's
// ast.literal_eval, falling back to the plain string when that fails. Hence, as in Ansible:
//   port=22 → 22   flag=True → true   name=web → 'web'   list=[1,'a'] → [1, 'a']
//   pw='"007"' → '007' (shell quotes removed, Python quotes kept)   port="22" → 22 (!)
// This is "literal_eval-ish": numbers, strings, True/False/None, lists, tuples, sets and dicts.
// Complex numbers and anything else Python would reject stay strings.

// ---- shlex ------------------------------------------------------------------------------------

export interface ShellToken {
  text: string;
  /** 0-based offset of the token's first character in the line. */
  start: number;
}

export class IniSyntaxError extends Error {
  override name = 'IniSyntaxError';
  constructor(
    message: string,
    /** 0-based offset in the line where the problem is. */
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Python's shlex.split(line, comments=True) in POSIX mode. */
export function shellSplit(line: string): ShellToken[] {
  const tokens: ShellToken[] = [];
  let text: string | undefined;
  let start = 0;
  const flush = (): void => {
    if (text !== undefined) tokens.push({ text, start });
    text = undefined;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      flush();
      continue;
    }
    if (c === '#') break; // a comment, even in the middle of a word
    if (text === undefined) {
      text = '';
      start = i;
    }
    if (c === '\\') {
      if (i + 1 >= line.length) throw new IniSyntaxError('no character after "\\"', i);
      text += line[++i];
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new IniSyntaxError('no closing quotation', i);
      text += line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      i = readDoubleQuoted(line, i, (s) => (text += s));
    } else {
      text += c;
    }
  }
  flush();
  return tokens;
}

/** In double quotes a backslash only escapes \ and " (as in Python's shlex); returns the closing quote's index. */
function readDoubleQuoted(line: string, open: number, emit: (s: string) => void): number {
  for (let i = open + 1; i < line.length; i++) {
    const c = line[i]!;
    if (c === '"') return i;
    if (c === '\\' && i + 1 < line.length && '\\"'.includes(line[i + 1]!)) emit(line[++i]!);
    else emit(c);
  }
  throw new IniSyntaxError('no closing quotation', open);
}

// ---- literal_eval -----------------------------------------------------------------------------

/** Ansible's INI value rule: the Python literal if `text` is one, else the text itself. */
export function iniValue(text: string): unknown {
  try {
    return literalEval(text);
  } catch (err) {
    if (err instanceof NotALiteral) return text;
    throw err;
  }
}

class NotALiteral extends Error {}

type Tok =
  | { kind: 'num'; value: number }
  | { kind: 'str'; value: string; bytes: boolean }
  | { kind: 'name'; value: string }
  | { kind: 'punct'; value: string };

/** A subset of Python's ast.literal_eval; throws NotALiteral for anything else. */
export function literalEval(text: string): unknown {
  const toks = tokenize(text.replace(/^[ \t]+/, ''));
  let pos = 0;
  const peek = (): Tok | undefined => toks[pos];
  const isPunct = (v: string): boolean => {
    const t = toks[pos];
    return t?.kind === 'punct' && t.value === v;
  };
  const expect = (v: string): void => {
    if (!isPunct(v)) throw new NotALiteral();
    pos++;
  };

  /** Comma-separated items up to `close`; `comma` tells whether a comma was seen at all. */
  const items = (close: string, item: () => unknown): { values: unknown[]; comma: boolean } => {
    const values: unknown[] = [];
    let comma = false;
    while (!isPunct(close)) {
      values.push(item());
      if (!isPunct(',')) break;
      pos++;
      comma = true;
    }
    expect(close);
    return { values, comma };
  };

  const atom = (): unknown => {
    const t = peek();
    if (!t) throw new NotALiteral();
    pos++;
    if (t.kind === 'num') return t.value;
    if (t.kind === 'str') {
      let s = t.value;
      // Adjacent string literals concatenate ('a' 'b' → 'ab'), but not str with bytes.
      for (let n = peek(); n?.kind === 'str'; n = peek()) {
        if (n.bytes !== t.bytes) throw new NotALiteral();
        s += n.value;
        pos++;
      }
      return s;
    }
    if (t.kind === 'name') {
      if (t.value === 'True') return true;
      if (t.value === 'False') return false;
      if (t.value === 'None') return null;
      throw new NotALiteral();
    }
    switch (t.value) {
      case '-':
      case '+': {
        // Python allows one sign on a number literal only.
        const n = peek();
        if (n?.kind !== 'num') throw new NotALiteral();
        pos++;
        return t.value === '-' ? -n.value : n.value;
      }
      case '...':
        return '...';
      case '[':
        return items(']', atom).values;
      case '(': {
        if (isPunct(')')) {
          pos++;
          return [];
        }
        const { values, comma } = items(')', atom);
        return comma || values.length !== 1 ? values : values[0];
      }
      case '{':
        return braces();
      default:
        throw new NotALiteral();
    }
  };

  /** `{}` is a dict, `{k: v}` a dict, `{a, b}` a set (as a list, like Ansible's coercion). */
  const braces = (): unknown => {
    if (isPunct('}')) {
      pos++;
      return {};
    }
    const first = atom();
    if (!isPunct(':')) {
      if (!isPunct(',')) {
        expect('}');
        return [first];
      }
      pos++;
      return [first, ...items('}', atom).values];
    }
    const dict: Record<string, unknown> = {};
    let key = first;
    for (;;) {
      if (typeof key === 'object' && key !== null) throw new NotALiteral(); // unhashable
      expect(':');
      dict[String(key)] = atom();
      if (!isPunct(',')) break;
      pos++;
      if (isPunct('}')) break;
      key = atom();
    }
    expect('}');
    return dict;
  };

  // Top level: `1, 2` is a tuple, like in Python.
  const first = atom();
  let result: unknown = first;
  if (isPunct(',')) {
    const values = [first];
    while (isPunct(',')) {
      pos++;
      if (!peek()) break;
      values.push(atom());
    }
    result = values;
  }
  if (pos !== toks.length) throw new NotALiteral();
  return result;
}

const NUMBER =
  /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:\d(?:_?\d)*)?\.\d(?:_?\d)*(?:[eE][+-]?\d(?:_?\d)*)?|\d(?:_?\d)*\.?(?:[eE][+-]?\d(?:_?\d)*)?)/;

function tokenize(text: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\' && text[i + 1] === '\n') {
      i += 2; // line continuation
    } else if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (text.startsWith('...', i)) {
      toks.push({ kind: 'punct', value: '...' });
      i += 3;
    } else if (/[\d.]/.test(c)) {
      i = readNumber(text, i, toks);
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^([A-Za-z_]\w*)/.exec(text.slice(i))![1]!;
      const prefix = /^([rRbBuU]|[rR][bB]|[bB][rR])$/.test(m) && (text[i + m.length] === "'" || text[i + m.length] === '"');
      if (prefix) i = readString(text, i + m.length, m.toLowerCase(), toks);
      else {
        toks.push({ kind: 'name', value: m });
        i += m.length;
      }
    } else if (c === "'" || c === '"') {
      i = readString(text, i, '', toks);
    } else if ('[](){},:+-'.includes(c)) {
      toks.push({ kind: 'punct', value: c });
      i++;
    } else {
      throw new NotALiteral();
    }
  }
  return toks;
}

function readNumber(text: string, i: number, toks: Tok[]): number {
  const m = NUMBER.exec(text.slice(i));
  if (!m || m[0] === '.') throw new NotALiteral();
  const raw = m[0];
  const next = text[i + raw.length];
  // `08`, `1abc`, `1j` (complex): not something we turn into a number.
  if (next !== undefined && /[\w.]/.test(next)) throw new NotALiteral();
  const digits = raw.replace(/_/g, '');
  if (/^0\d/.test(digits) && /^[\d]+$/.test(digits) && /[1-9]/.test(digits)) throw new NotALiteral();
  const value = /^0[oO]/.test(digits) ? parseInt(digits.slice(2), 8) : /^0[bB]/.test(digits) ? parseInt(digits.slice(2), 2) : Number(digits);
  if (Number.isNaN(value)) throw new NotALiteral();
  toks.push({ kind: 'num', value });
  return i + raw.length;
}

function readString(text: string, i: number, prefix: string, toks: Tok[]): number {
  const quote = text.startsWith(text[i]!.repeat(3), i) ? text[i]!.repeat(3) : text[i]!;
  const raw = prefix.includes('r');
  const bytes = prefix.includes('b');
  let value = '';
  let j = i + quote.length;
  for (;;) {
    if (j >= text.length) throw new NotALiteral();
    if (text.startsWith(quote, j)) break;
    const c = text[j]!;
    if (c === '\n' && quote.length === 1) throw new NotALiteral();
    if (c !== '\\') {
      value += c;
      j++;
      continue;
    }
    if (raw) {
      value += text.slice(j, j + 2);
      j += 2;
      continue;
    }
    const [decoded, used] = unescape(text, j + 1, bytes);
    value += decoded;
    j += 1 + used;
  }
  toks.push({ kind: 'str', value, bytes });
  return j + quote.length;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\n': '',
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** Decode the escape after a backslash at `j`; returns the text and the characters consumed. */
function unescape(text: string, j: number, bytes: boolean): [string, number] {
  const c = text[j];
  if (c === undefined) throw new NotALiteral();
  const simple = SIMPLE_ESCAPES[c];
  if (simple !== undefined) return [simple, 1];
  const octal = /^[0-7]{1,3}/.exec(text.slice(j));
  if (octal) return [String.fromCharCode(parseInt(octal[0], 8)), octal[0].length];
  const hexLength = c === 'x' ? 2 : !bytes && c === 'u' ? 4 : !bytes && c === 'U' ? 8 : 0;
  if (hexLength) {
    const hex = text.slice(j + 1, j + 1 + hexLength);
    if (!new RegExp(`^[0-9a-fA-F]{${hexLength}}$`).test(hex)) throw new NotALiteral();
    const code = parseInt(hex, 16);
    if (code > 0x10ffff) throw new NotALiteral();
    return [String.fromCodePoint(code), 1 + hexLength];
  }
  if (c === 'N' && !bytes) throw new NotALiteral(); // \N{NAME}: not worth a Unicode name table
  return ['\\' + c, 1]; // unknown escapes keep their backslash, as in Python
}

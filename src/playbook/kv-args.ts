// Ansible's `key=value` argument strings (`lineinfile: path=/x line="a b"`), as
// ansible/parsing/splitter.py reads them: split_args keeps quoted text and {{ }} / {% %} / {# #}
// blocks together, parse_kv decodes escapes, splits at the first unescaped `=` and unquotes the
// value. For free-form modules (command, shell) only their own options are taken out of the
// string; the rest stays the command, as written.

export class KvError extends Error {}

/** The options parse_kv takes out of a free-form string (Ansible's list for shell/command). */
export const FREE_FORM_OPTIONS = ['creates', 'removes', 'chdir', 'executable', 'warn', 'stdin', 'stdin_add_newline', 'strip_empty_ends'] as const;

/** The quote still open after `token` (Ansible's _get_quote_state). */
function quoteState(token: string, open: string | undefined): string | undefined {
  let q = open;
  for (let i = 0; i < token.length; i++) {
    const ch = token[i]!;
    if ((ch === '"' || ch === "'") && (i === 0 || token[i - 1] !== '\\')) {
      if (q === undefined) q = ch;
      else if (ch === q) q = undefined;
    }
  }
  return q;
}

function count(s: string, sub: string): number {
  let n = 0;
  for (let i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length)) n++;
  return n;
}

/** Jinja block depth after `token` (Ansible's _count_jinja2_blocks). */
function depthAfter(token: string, depth: number, open: string, close: string): number {
  const o = count(token, open);
  const c = count(token, close);
  return o === c ? depth : Math.max(0, depth + o - c);
}

/** Ansible's split_args: whitespace-split, re-joining what quotes or Jinja blocks hold together. */
export function splitKvArgs(args: string): string[] {
  const params: string[] = [];
  const lines = args.split('\n');
  let quote: string | undefined;
  const depth = { print: 0, block: 0, comment: 0 };
  const inJinja = () => depth.print > 0 || depth.block > 0 || depth.comment > 0;
  const last = (s: string) => {
    // Python's params[-1] on an empty list: Ansible refuses the string ("Unable to parse").
    if (params.length === 0) throw new KvError(`unable to parse argument string: ${args}`);
    params[params.length - 1] += s;
  };
  lines.forEach((line, li) => {
    const tokens = line.split(' ');
    let continuation = false;
    tokens.forEach((token, idx) => {
      if (token.length === 0 && idx !== 0) return void last(' ');
      if (token === '\\' && quote === undefined) return void (continuation = true);
      const wasInQuotes = quote !== undefined;
      quote = quoteState(token, quote);
      const inQuotes = quote !== undefined;
      let appended = false;
      if (inQuotes && !wasInQuotes && !inJinja()) {
        params.push(token);
        appended = true;
      } else if (inJinja() || inQuotes || wasInQuotes) {
        if (idx === 0 && wasInQuotes) last(token);
        else if (tokens.length > 1) last(`${idx > 0 ? ' ' : ''}${token}`);
        else last(`\n${token}`);
        appended = true;
      }
      for (const [k, open, close] of [['print', '{{', '}}'], ['block', '{%', '%}'], ['comment', '{#', '#}']] as const) {
        const before = depth[k];
        depth[k] = depthAfter(token, before, open, close);
        if (depth[k] !== before && !appended) {
          params.push(token);
          appended = true;
        }
      }
      if (!inJinja() && !inQuotes && !appended && token !== '') params.push(token);
    });
    if (lines.length > 1 && li !== lines.length - 1 && !continuation) last('\n');
  });
  if (inJinja() || quote !== undefined) throw new KvError(`failed at splitting arguments, either an unbalanced jinja2 block or quotes: ${args}`);
  return params;
}

const SIMPLE_ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** Ansible's _decode_escapes: \n, \t, \xHH, \uHHHH, \UHHHHHHHH ... (not \N{name}: left as written). */
function decodeEscapes(s: string): string {
  return s.replace(/\\(U[0-9a-fA-F]{8}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[\\'"abfnrtv])/g, (m, e: string) => {
    if (e.length === 1) return SIMPLE_ESCAPES[e] ?? m;
    const cp = parseInt(e.slice(1), 16);
    return cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
  });
}

/** Ansible's unquote: one pair of matching outer quotes removed (not when the last is escaped). */
function unquote(s: string): string {
  const quoted = s.length > 1 && s[0] === s[s.length - 1] && (s[0] === '"' || s[0] === "'") && s[s.length - 2] !== '\\';
  return quoted ? s.slice(1, -1) : s;
}

/** Ansible's join_args: tokens joined by a space, except after a newline. */
function joinArgs(parts: readonly string[]): string {
  return parts.reduce((acc, p) => (acc.length === 0 || acc.endsWith('\n') ? acc + p : `${acc} ${p}`), '');
}

/** Python's str.strip() whitespace. */
const strip = (s: string) => s.replace(/^[\s\x1c-\x1f\x85]+|[\s\x1c-\x1f\x85]+$/g, '');

/**
 * Ansible's parse_kv. `checkRaw` (free-form modules): a `k=v` whose key is not one of
 * FREE_FORM_OPTIONS stays part of the command. Words that are not `k=v` are joined into
 * `_raw_params`.
 */
export function parseKv(args: string, checkRaw = false): Record<string, string> {
  const options: Record<string, string> = {};
  const raw: string[] = [];
  for (const orig of splitKvArgs(args)) {
    const x = decodeEscapes(orig);
    let pos = -1;
    for (let from = 1; ; from = pos + 1) {
      pos = x.indexOf('=', from);
      if (pos < 0 || x[pos - 1] !== '\\') break;
    }
    if (!x.includes('=')) {
      raw.push(orig);
      continue;
    }
    if (pos < 0) {
      raw.push(x.replace(/\\=/g, '='));
      continue;
    }
    const k = x.slice(0, pos);
    if (checkRaw && !(FREE_FORM_OPTIONS as readonly string[]).includes(k)) raw.push(orig);
    else options[strip(k)] = unquote(strip(x.slice(pos + 1)));
  }
  if (raw.length) options._raw_params = joinArgs(raw);
  return options;
}

/**
 * A module's arguments written as one string: for a free-form module (`freeForm` names the
 * argument that takes the command) its options come out and the rest is the command; for any
 * other module every word must be `key=value` (Ansible: "this task has extra params").
 */
export function stringArgs(text: string, freeForm: string | undefined): { args: Record<string, unknown> } | { error: string } {
  let kv: Record<string, string>;
  try {
    kv = parseKv(text, freeForm !== undefined);
  } catch (err) {
    return { error: (err as Error).message };
  }
  const { _raw_params: raw, ...options } = kv;
  if (freeForm !== undefined) return { args: raw === undefined ? options : { ...options, [freeForm]: raw } };
  if (raw !== undefined) return { error: `expected key=value arguments, got extra words '${raw}' (only command and shell take a free-form string)` };
  return { args: options };
}

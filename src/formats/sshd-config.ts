// sshd_config as sshd reads it — and as a person wrote it.
//
// The parser keeps every line's exact bytes (serialize(parse(x)) === x) and, for directive
// lines, the pieces needed to rewrite just the value. Tokenising follows servconf.c/misc.c:
// leading " \t\r" and trailing whitespace are ignored, the keyword ends at whitespace, '"' or
// '=', one '=' may separate keyword and value, arguments are split like argv_split() (double or
// single quotes, backslash escapes, '#' at the start of a token ends the line).
//
// Semantics modelled (servconf.c parse_server_config_depth / process_server_config_line_depth):
// - The file is read top-down; a Match line starts a block that runs to the next Match or the end
//   of the *file*. An Include restores the includer's Match state afterwards, so a drop-in ending
//   in a Match block does not swallow the rest of the main file.
// - At start-up sshd applies only the active lines: the global section, and blocks opened by
//   `Match all` (match_cfg_line() returns 1 for "all" even without connection data). Conditional
//   blocks only take effect per connection. `sshd -T` and every connection then re-read the file
//   with connection data, and values set by active Match blocks (including `Match all`) override
//   the global ones for the keywords allowed in Match (copy_set_server_options).
// - Include takes one or more glob(3) patterns; relative ones are taken under /etc/ssh (SSHDIR);
//   matches are included in sorted order at the point of the Include. Inside a conditional
//   Match, included files are conditional too (SSHCFG_NEVERMATCH: their own Match lines never
//   activate at start-up). Nesting deeper than 16 is a fatal error.
import { byteOrder, globFromPaths, hasGlobMagic, type GlobFn } from './sshd-config-glob.js';
import {
  canonicalKeyword,
  keywordInfo,
  keywordPrecedence,
  type KeywordInfo,
  type Precedence,
} from './sshd-config-keywords.js';

export * from './sshd-config-glob.js';
export * from './sshd-config-keywords.js';
export * from './sshd-config-maxstartups.js';

// ---------------------------------------------------------------------------------------------
// Parsed file

export type LineEnding = '\n' | '\r\n' | '';

export interface SshdDirective {
  /** 1-based line number. */
  line: number;
  /** The keyword as written (spelling and case kept for rewrites). */
  keyword: string;
  /** Lower-case keyword as written. */
  key: string;
  /** Lower-case canonical keyword (aliases such as ChallengeResponseAuthentication folded). */
  canonical: string;
  /** Arguments as sshd sees them: unquoted, unescaped, trailing comment dropped. */
  args: string[];
  /** Everything after the separator, trailing whitespace removed (what ForceCommand & co. use). */
  rawValue: string;
  /** Layout, so that only the value changes on rewrite: text = indent+keyword+separator+valueText+trailing. */
  indent: string;
  separator: string;
  valueText: string;
  trailing: string;
  /**
   * Inside a Match block of this file (after a Match line, up to the next one or the end of the
   * file). True after `Match all` too: such lines apply to every connection, but they are still
   * in a block, and anything appended after them stays there.
   */
  inMatch: boolean;
  /** Line of the Match that opened the block this line is in (in this file), or null. */
  block: number | null;
  /** The block was opened by `Match all`. */
  blockIsAll: boolean;
  /** For a Match line: its criteria are exactly `all`. */
  matchAll: boolean;
  /** Why sshd would reject this line, when it would. */
  error?: string;
}

export interface SshdConfigLine {
  line: number;
  /** The line's bytes without its line ending. */
  text: string;
  eol: LineEnding;
  kind: 'blank' | 'comment' | 'directive';
  /** Line of the Match that opened the block this line is in, or null in the global section. */
  block: number | null;
  directive?: SshdDirective;
}

export interface SshdConfigFile {
  path: string;
  lines: SshdConfigLine[];
  directives: SshdDirective[];
}

/** Split keeping each line's terminator; a lone '\r' is data, as it is for sshd (it splits on '\n'). */
function splitLines(text: string): Array<{ text: string; eol: LineEnding }> {
  const out: Array<{ text: string; eol: LineEnding }> = [];
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) {
      out.push({ text: text.slice(start), eol: '' });
      break;
    }
    const crlf = nl > start && text[nl - 1] === '\r';
    out.push({ text: text.slice(start, crlf ? nl - 1 : nl), eol: crlf ? '\r\n' : '\n' });
    start = nl + 1;
  }
  return out;
}

/** One argument: its unquoted value and where its text sits in the line. */
export interface ArgToken {
  value: string;
  start: number;
  end: number;
}

/** misc.c argv_split(s, …, terminate_on_comment=1), with token positions kept. */
export function splitArgs(s: string, offset = 0): { tokens: ArgToken[]; error?: string } {
  const tokens: ArgToken[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '#') break;
    const start = i;
    let quote = '';
    let arg = '';
    for (; i < s.length; i++) {
      const ch = s[i]!;
      const nx = s[i + 1];
      if (ch === '\\') {
        if (nx === "'" || nx === '"' || nx === '\\' || (quote === '' && nx === ' ')) arg += s[++i];
        else arg += ch;
      } else if (quote === '' && (ch === ' ' || ch === '\t')) {
        break;
      } else if (quote === '' && (ch === '"' || ch === "'")) {
        quote = ch;
      } else if (quote !== '' && ch === quote) {
        quote = '';
      } else {
        arg += ch;
      }
    }
    if (quote !== '') return { tokens, error: 'unterminated quote' };
    tokens.push({ value: arg, start: offset + start, end: offset + i });
  }
  return { tokens };
}

const isWs = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';

/** Lex one line (no terminator) into a directive, or null for blank/comment lines. */
function lexDirective(text: string, line: number): Omit<SshdDirective, 'inMatch' | 'block' | 'blockIsAll'> | null {
  let i = 0;
  while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\r')) i++;
  // Trailing whitespace (and form feeds) go, but never the first character: sshd's loop stops at
  // index 1, so a line holding just "\f" is a keyword with no argument, not a blank line.
  let end = text.length;
  while (end > i + 1 && (isWs(text[end - 1]) || text[end - 1] === '\f')) end--;
  if (i === end || text[i] === '#') return null;

  // Keyword: strdelim() stops at whitespace, a quote or '='.
  let k = i;
  while (k < end && !isWs(text[k]) && text[k] !== '"' && text[k] !== '=') k++;
  const keyword = text.slice(i, k);
  // Separator: the delimiter, following whitespace, and (if the delimiter was whitespace) one '='.
  let s = k;
  let error: string | undefined;
  if (text[s] === '"') {
    error = 'quote directly after the keyword';
  } else if (s < end) {
    const sawEquals = text[s] === '=';
    s++;
    while (s < end && isWs(text[s])) s++;
    if (!sawEquals && text[s] === '=') {
      s++;
      while (s < end && isWs(text[s])) s++;
    }
  }
  const rest = text.slice(s, end);
  const split = splitArgs(rest, s);
  const args = split.tokens.map((t) => t.value);
  const valueEnd = split.tokens.length ? split.tokens[split.tokens.length - 1]!.end : s;
  if (!error && keyword === '') error = 'no keyword';
  if (!error && rest === '') error = `no argument after keyword "${keyword}"`;
  if (!error && split.error) error = split.error;
  if (!error && args.length === 0) error = `missing argument for "${keyword}"`;
  const key = keyword.toLowerCase();
  return {
    line,
    keyword,
    key,
    canonical: canonicalKeyword(keyword),
    args,
    rawValue: rest,
    indent: text.slice(0, i),
    separator: text.slice(k, s),
    valueText: text.slice(s, valueEnd),
    trailing: text.slice(valueEnd),
    matchAll: key === 'match' && args.length > 0 && args[0]!.toLowerCase() === 'all',
    ...(error ? { error } : {}),
  };
}

/** Parse sshd_config text. Never throws: lines sshd would reject carry `error`. */
export function parseSshdConfig(text: string, path: string): SshdConfigFile {
  const lines: SshdConfigLine[] = [];
  const directives: SshdDirective[] = [];
  let block: number | null = null;
  let blockIsAll = false;
  splitLines(text).forEach((raw, idx) => {
    const n = idx + 1;
    const lexed = lexDirective(raw.text, n);
    if (!lexed) {
      const kind = raw.text.trim() === '' ? 'blank' : 'comment';
      lines.push({ line: n, text: raw.text, eol: raw.eol, kind, block });
      return;
    }
    if (lexed.key === 'match') {
      block = n;
      blockIsAll = lexed.matchAll;
    }
    const directive: SshdDirective = { ...lexed, inMatch: block !== null, block, blockIsAll: block !== null && blockIsAll };
    directives.push(directive);
    lines.push({ line: n, text: raw.text, eol: raw.eol, kind: 'directive', block, directive });
  });
  return { path, lines, directives };
}

/** Exact inverse of parseSshdConfig. */
export function serializeSshdConfig(file: SshdConfigFile): string {
  return file.lines.map((l) => l.text + l.eol).join('');
}

export interface MatchBlock {
  /** Line of the Match directive. */
  line: number;
  /** Last line of the block (the line before the next Match, or the file's last line). */
  endLine: number;
  criteria: string[];
  all: boolean;
  directives: SshdDirective[];
}

/** The Match blocks of one file, in order. Blocks end at the next Match or the end of the file. */
export function matchBlocks(file: SshdConfigFile): MatchBlock[] {
  const blocks: MatchBlock[] = [];
  for (const d of file.directives) {
    if (d.key === 'match') {
      const prev = blocks[blocks.length - 1];
      if (prev) prev.endLine = d.line - 1;
      blocks.push({ line: d.line, endLine: file.lines.length, criteria: d.args, all: d.matchAll, directives: [] });
    } else if (d.block !== null) {
      blocks[blocks.length - 1]?.directives.push(d);
    }
  }
  return blocks;
}

// ---------------------------------------------------------------------------------------------
// Include resolution

export const SSHDIR = '/etc/ssh';
/** servconf.c SERVCONF_MAX_DEPTH. */
const MAX_INCLUDE_DEPTH = 16;

export type FileSource = ReadonlyMap<string, string> | ((path: string) => string | undefined);

function reader(files: FileSource): (path: string) => string | undefined {
  return typeof files === 'function' ? files : (p) => files.get(p);
}

/** An Include argument as sshd opens it: relative paths live under SSHDIR; '~' is left to glob. */
export function includePattern(arg: string, sshDir = SSHDIR): string {
  return arg.startsWith('/') || arg.startsWith('~') ? arg : `${sshDir.replace(/\/+$/, '')}/${arg}`;
}

/** The patterns this file's Include lines ask for, in order, so the engine can list them on the host. */
export function includeGlobs(file: SshdConfigFile, sshDir = SSHDIR): string[] {
  const out: string[] = [];
  for (const d of file.directives) {
    if (d.key !== 'include' || d.error) continue;
    for (const a of d.args) {
      const p = includePattern(a, sshDir);
      if (!out.includes(p)) out.push(p);
    }
  }
  return out;
}

export interface MatchRef {
  file: string;
  line: number;
  criteria: string[];
  all: boolean;
}

/**
 * Where a directive takes effect:
 * - global: the global section (of the main file or of a file included from it);
 * - match-all: a `Match all` block — active at start-up and for every connection;
 * - match: a conditional block (or a file included from one) — only for matching connections.
 */
export type DirectiveScope = 'global' | 'match-all' | 'match';

export interface ResolvedDirective {
  file: string;
  line: number;
  keyword: string;
  key: string;
  canonical: string;
  args: string[];
  scope: DirectiveScope;
  /** Match lines in force here, outermost (an includer's) first. */
  matchChain: MatchRef[];
  /** Include lines that pulled this file in, outermost first. */
  includedFrom: Array<{ file: string; line: number }>;
  directive: SshdDirective;
}

export interface IncludeRecord {
  file: string;
  line: number;
  pattern: string;
  matched: string[];
  scope: DirectiveScope;
}

export interface ConfigProblem {
  file: string;
  line?: number;
  message: string;
}

export interface ResolvedConfig {
  mainPath: string;
  /** Every directive in the order sshd processes them, Include expanded in place (Match and Include lines included). */
  directives: ResolvedDirective[];
  /** Parsed files that were read, by path. */
  files: Map<string, SshdConfigFile>;
  includes: IncludeRecord[];
  /** Things sshd would refuse, and files remedy was not given. */
  problems: ConfigProblem[];
}

export interface ResolveOptions {
  sshDir?: string;
}

/**
 * Expand the configuration from `mainPath` the way sshd does, over an injected view of the host:
 * `files` gives file contents, `glob` lists an Include pattern's matches (defaults to matching
 * against the keys of a Map). Pure: reads nothing else.
 */
export function resolveConfig(mainPath: string, files: FileSource, glob?: GlobFn, options: ResolveOptions = {}): ResolvedConfig {
  const read = reader(files);
  const sshDir = options.sshDir ?? SSHDIR;
  const parsed = new Map<string, SshdConfigFile>();
  const result: ResolvedConfig = { mainPath, directives: [], files: parsed, includes: [], problems: [] };
  // Without a lister, a reader can still answer for plain paths; patterns need a real listing.
  const listGlob: GlobFn =
    glob ??
    (typeof files === 'function'
      ? (pattern) => {
          if (!hasGlobMagic(pattern)) return read(pattern) === undefined ? [] : [pattern];
          result.problems.push({ file: mainPath, message: `cannot list ${pattern}: no glob function given` });
          return [];
        }
      : globFromPaths(files.keys()));

  const load = (path: string): SshdConfigFile | null => {
    const cached = parsed.get(path);
    if (cached) return cached;
    const text = read(path);
    if (text === undefined) return null;
    const file = parseSshdConfig(text, path);
    parsed.set(path, file);
    for (const d of file.directives) if (d.error) result.problems.push({ file: path, line: d.line, message: d.error });
    return file;
  };

  const walk = (
    file: SshdConfigFile,
    activeIn: boolean,
    neverMatch: boolean,
    outer: MatchRef[],
    includedFrom: Array<{ file: string; line: number }>,
    depth: number,
  ): void => {
    let active = activeIn;
    let chain = outer;
    for (const d of file.directives) {
      if (d.key === 'match') {
        // The Match line itself belongs to the enclosing context.
        result.directives.push(resolved(file.path, d, activeIn ? (outer.length ? 'match-all' : 'global') : 'match', outer, includedFrom));
        active = neverMatch ? false : d.matchAll;
        chain = [...outer, { file: file.path, line: d.line, criteria: d.args, all: d.matchAll }];
        continue;
      }
      const scope: DirectiveScope = !active ? 'match' : chain.length === 0 ? 'global' : 'match-all';
      result.directives.push(resolved(file.path, d, scope, chain, includedFrom));
      if (d.key !== 'include' || d.error) continue;
      for (const arg of d.args) {
        const pattern = includePattern(arg, sshDir);
        const matched = [...new Set(listGlob(pattern))].sort(byteOrder);
        result.includes.push({ file: file.path, line: d.line, pattern, matched, scope });
        for (const path of matched) {
          if (depth + 1 > MAX_INCLUDE_DEPTH) {
            result.problems.push({ file: file.path, line: d.line, message: 'Too many recursive configuration includes' });
            continue;
          }
          const inc = load(path);
          if (!inc) {
            result.problems.push({ file: file.path, line: d.line, message: `included file ${path} was not read` });
            continue;
          }
          // Included files start in the includer's state and cannot change it (oactive restore).
          walk(inc, active, !active, chain, [...includedFrom, { file: file.path, line: d.line }], depth + 1);
        }
      }
    }
  };

  const main = load(mainPath);
  if (!main) result.problems.push({ file: mainPath, message: `${mainPath} was not read` });
  else walk(main, true, false, [], [], 0);
  return result;
}

function resolved(
  file: string,
  d: SshdDirective,
  scope: DirectiveScope,
  matchChain: MatchRef[],
  includedFrom: Array<{ file: string; line: number }>,
): ResolvedDirective {
  return { file, line: d.line, keyword: d.keyword, key: d.key, canonical: d.canonical, args: d.args, scope, matchChain, includedFrom, directive: d };
}

// ---------------------------------------------------------------------------------------------
// Effective value

/** The value of a keyword that sshd reads verbatim from the line (ForceCommand and friends). */
function rawValueOf(d: SshdDirective, info: KeywordInfo): string {
  if (info.rawValue !== 'until-comment') return d.rawValue;
  const hash = d.rawValue.indexOf('#');
  return hash === -1 ? d.rawValue : d.rawValue.slice(0, hash).trimEnd();
}

export interface EffectiveValue {
  /** Canonical keyword spelling. */
  keyword: string;
  /** The combining rule applied ('ambiguous': depends on an OpenSSH version we were not given). */
  precedence: Precedence;
  /** Winning arguments (all contributing ones for list keywords); null when nothing sets it. */
  args: string[] | null;
  /** args joined by a space, or sshd's compiled-in default (when known) if nothing sets it. */
  value: string | null;
  isDefault: boolean;
  /** Where the value comes from (the first contributor for list keywords). */
  source: { file: string; line: number } | null;
  directive: ResolvedDirective | null;
  contributors: ResolvedDirective[];
  /** Active lines for the same keyword that lose (or, when ambiguous, may lose). */
  shadowed: ResolvedDirective[];
  /** Lines in conditional Match blocks: they override for matching connections only. */
  matchOverrides: ResolvedDirective[];
  ambiguous: boolean;
  notes: string[];
}

export interface EffectiveOptions {
  /** The host's OpenSSH version (semver or `sshd -V` text); some keywords combine differently by version. */
  opensshVersion?: string | null;
}

const where = (d: { file: string; line: number }): string => `${d.file}:${d.line}`;
const sameLine = (a: { file: string; line: number }, b: { file: string; line: number }): boolean => a.file === b.file && a.line === b.line;
function uniqueLines<T extends { file: string; line: number }>(xs: T[]): T[] {
  return xs.filter((x, i) => xs.findIndex((y) => sameLine(x, y)) === i);
}

/**
 * The value sshd uses for `keyword` outside any conditional Match (what `sshd -T` prints without
 * -C), with its source. Start-up pass: global lines and `Match all` blocks, combined by the
 * keyword's rule. For keywords allowed in Match, a `Match all` block also overrides the global
 * value for every connection, so its first line wins.
 */
export function effectiveValue(config: ResolvedConfig, keyword: string, options: EffectiveOptions = {}): EffectiveValue {
  const canonical = canonicalKeyword(keyword);
  const info: KeywordInfo | null = keywordInfo(keyword);
  const name = info?.name ?? keyword;
  const precedence = keywordPrecedence(keyword, options.opensshVersion);
  const all = config.directives.filter((d) => d.canonical === canonical && !d.directive.error);
  const startup = all.filter((d) => d.scope !== 'match');
  const matchAllLines = all.filter((d) => d.scope === 'match-all');
  const conditional = all.filter((d) => d.scope === 'match');
  const perConnection = info?.matchAllowed ?? false;
  const notes: string[] = [];
  if (info?.deprecated) notes.push(`${name} is deprecated; sshd accepts and ignores it`);
  if (info && !info.matchAllowed) {
    for (const d of conditional) notes.push(`${name} at ${where(d)} is inside a Match block, which sshd refuses ("not allowed within a Match block")`);
  }

  let contributors: ResolvedDirective[];
  let ambiguous = false;
  if (precedence === 'accumulate') {
    // A matching block's list replaces the global one (M_CP_STRARRAYOPT); `Match all` always matches.
    contributors = info?.replacedPerConnection && matchAllLines.length ? matchAllLines : startup;
  } else {
    const pool = perConnection && matchAllLines.length ? matchAllLines : startup;
    const winner = precedence === 'last' ? pool[pool.length - 1] : pool[0];
    contributors = winner ? [winner] : [];
    ambiguous = precedence === 'ambiguous' && pool.length > 1;
    if (ambiguous) notes.push(`${name} is set ${pool.length} times; which one sshd uses depends on its version (first wins from ${info?.lastWinsBefore ?? 'a recent release'}, last wins before)`);
    if (precedence === 'merge' && pool.length > 1) notes.push(`${name}: each sub-option is first-wins on its own, so later lines still add options the first one leaves out`);
  }
  const winner = contributors[0] ?? null;
  const args = winner ? contributors.flatMap((d) => d.args) : null;
  return {
    keyword: name,
    precedence,
    args,
    value: winner ? (info?.rawValue ? rawValueOf(winner.directive, info) : args!.join(' ')) : (info?.defaultValue ?? null),
    isDefault: !winner,
    source: winner ? { file: winner.file, line: winner.line } : null,
    directive: winner,
    contributors,
    // A file included twice yields the same line twice: report each line once, never the winner's own.
    shadowed: uniqueLines(all.filter((d) => d.scope !== 'match' && !contributors.some((c) => sameLine(c, d)))),
    matchOverrides: perConnection ? conditional : [],
    ambiguous,
    notes,
  };
}

export interface AccessList {
  keyword: string;
  /** Patterns in force outside conditional Match blocks, in order. */
  values: string[];
  sources: ResolvedDirective[];
  /** Lines in conditional Match blocks: for a matching connection, that block's list replaces this one. */
  conditional: ResolvedDirective[];
}

/** AllowUsers / DenyUsers / AllowGroups / DenyGroups as sshd applies them outside conditional Match. */
export function accessLists(config: ResolvedConfig): Record<'allowUsers' | 'denyUsers' | 'allowGroups' | 'denyGroups', AccessList> {
  const one = (keyword: string): AccessList => {
    const ev = effectiveValue(config, keyword);
    return { keyword: ev.keyword, values: ev.args ?? [], sources: ev.contributors, conditional: ev.matchOverrides };
  };
  return { allowUsers: one('AllowUsers'), denyUsers: one('DenyUsers'), allowGroups: one('AllowGroups'), denyGroups: one('DenyGroups') };
}

// ---------------------------------------------------------------------------------------------
// Setting a keyword where sshd will honour it

export interface LineChange {
  path: string;
  /** Line number in the original file (for inserts: the new line's number in the new file). */
  line: number;
  action: 'replace' | 'uncomment' | 'insert';
  before: string | null;
  after: string;
}

export interface SetKeywordPlan {
  /** One entry per file to rewrite, with the full new text. Empty when nothing needs to change. */
  edits: Array<{ path: string; newText: string }>;
  changes: LineChange[];
  status: 'unchanged' | 'edited' | 'inserted' | 'unsupported' | 'invalid';
  reason: string;
  /** Active lines for the keyword that sshd ignores because another line wins; left untouched. */
  shadowed: ResolvedDirective[];
  /** Conditional Match lines for the keyword; they still apply to matching connections. */
  matchOverrides: ResolvedDirective[];
  warnings: string[];
}

function dominantEol(file: SshdConfigFile): '\n' | '\r\n' {
  let crlf = 0;
  let lf = 0;
  for (const l of file.lines) {
    if (l.eol === '\r\n') crlf++;
    else if (l.eol === '\n') lf++;
  }
  return crlf > lf ? '\r\n' : '\n';
}

/** Commented-out directive in upstream style (`#Keyword value`, no space after '#'). */
function commentedDirective(line: SshdConfigLine): SshdDirective | null {
  if (line.kind !== 'comment') return null;
  const m = /^([ \t]*)#(?=[A-Za-z])/.exec(line.text);
  if (!m) return null;
  const lexed = lexDirective(line.text.slice(m[0].length), line.line);
  if (!lexed || lexed.error) return null;
  return { ...lexed, indent: m[1]!, inMatch: line.block !== null, block: line.block, blockIsAll: false };
}

const sameArgs = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

export type SetKeywordOptions = EffectiveOptions;

/**
 * Plan the edits that make sshd use `value` for `keyword` (global context).
 *
 * - The line sshd takes the value from is rewritten in place (its file may be a drop-in): only the
 *   value changes; indentation, the keyword's spelling, `=` style, trailing comment and line ending stay.
 * - If nothing sets it, the first upstream-style commented default (`#Keyword …`) in the main
 *   file's global section becomes the active line; otherwise a new line goes into the main file's
 *   global section: before the first Match block (above the comments that introduce it), or at the
 *   end when the file has no Match. Any global position works, since no active line sets the keyword.
 * - Later lines that lose are reported in `shadowed`, never removed. When the winning line depends
 *   on an unknown OpenSSH version (MaxStartups before/after 10.1), every candidate line is set.
 *
 * `value` is written verbatim (quote it yourself if it needs quoting); it must be one line.
 * `files` is the current text (used to make sure the plan is made against what was resolved).
 */
export function planSetKeyword(
  config: ResolvedConfig,
  files: FileSource,
  keyword: string,
  value: string,
  options: SetKeywordOptions = {},
): SetKeywordPlan {
  const info = keywordInfo(keyword);
  const name = info?.name ?? keyword;
  const ev = effectiveValue(config, keyword, options);
  const base = { edits: [], changes: [], shadowed: [], matchOverrides: ev.matchOverrides, warnings: [...ev.notes] } as Omit<SetKeywordPlan, 'status' | 'reason'>;
  if (!info) base.warnings.push(`${keyword} is not a keyword this module knows; assuming the first value wins`);

  const wanted = splitArgs(value);
  if (/[\r\n]/.test(value) || wanted.error || wanted.tokens.length === 0 || value.trimStart().startsWith('#')) {
    return { ...base, status: 'invalid', reason: `'${value}' is not a valid single-line value for ${name}` };
  }
  if (info && (info.mode === 'accumulate' || info.key === 'match')) {
    return { ...base, status: 'unsupported', reason: `${name} lines ${info.key === 'match' ? 'open blocks' : 'add up rather than override'}; setting one value would not replace the others` };
  }
  const desired = wanted.tokens.map((t) => t.value);

  // Work on the texts as given, but only if they are what was resolved (line numbers must hold).
  const read = reader(files);
  const working = new Map<string, { file: SshdConfigFile; lines: SshdConfigLine[] }>();
  const open = (path: string): { file: SshdConfigFile; lines: SshdConfigLine[] } | string => {
    const have = working.get(path);
    if (have) return have;
    const file = config.files.get(path);
    if (!file) return `${path} was not part of the resolved configuration`;
    const text = read(path);
    if (text !== undefined && text !== serializeSshdConfig(file)) return `${path} changed since the configuration was resolved`;
    const entry = { file, lines: [...file.lines] };
    working.set(path, entry);
    return entry;
  };
  const finish = (status: SetKeywordPlan['status'], reason: string, shadowed: ResolvedDirective[]): SetKeywordPlan => {
    const edits = [...working.entries()]
      .filter(([, w]) => w.lines.some((l, i) => l !== w.file.lines[i]) || w.lines.length !== w.file.lines.length)
      .map(([path, w]) => ({ path, newText: w.lines.map((l) => l.text + l.eol).join('') }));
    return { ...base, edits, status: edits.length ? status : 'unchanged', reason, shadowed };
  };

  // 1. Something active sets it: change it where sshd reads it.
  const targets = uniqueLines(ev.ambiguous ? [...ev.contributors, ...ev.shadowed] : ev.directive ? [ev.directive] : []);
  if (targets.length) {
    const isSet = (t: ResolvedDirective): boolean =>
      info?.rawValue ? rawValueOf(t.directive, info) === value.trim() : sameArgs(t.args, desired);
    const toChange = targets.filter((t) => !isSet(t));
    for (const t of toChange) {
      const w = open(t.file);
      if (typeof w === 'string') return { ...base, status: 'invalid', reason: w };
      const idx = t.line - 1;
      const old = w.lines[idx]!;
      const d = t.directive;
      // For keywords read verbatim (ForceCommand…) a trailing "# …" is part of the value: replace it too.
      const tail = info?.rawValue === 'line' ? old.text.slice((d.indent + d.keyword + d.separator + d.rawValue).length) : d.trailing;
      const text = d.indent + d.keyword + d.separator + value + tail;
      w.lines[idx] = { ...old, text };
      base.changes.push({ path: t.file, line: t.line, action: 'replace', before: old.text, after: text });
    }
    const shadowed = ev.ambiguous ? [] : ev.shadowed;
    const at = targets.map(where).join(', ');
    const reason = toChange.length === 0
      ? `${name} is already ${value} (${at})`
      : ev.ambiguous
        ? `${name} is set at ${at} and which line wins depends on the OpenSSH version; set all of them to ${value}`
        : `${name} comes from ${at}${ev.directive?.scope === 'match-all' ? ' (a Match all block)' : ''}; changed it there to ${value}`;
    return finish('edited', reason, shadowed);
  }

  // 2. Nothing active sets it: add it to the main file's global section.
  const w = open(config.mainPath);
  if (typeof w === 'string') return { ...base, status: 'invalid', reason: w };
  const lines = w.lines;
  const firstMatch = lines.findIndex((l) => l.directive?.key === 'match');
  const globalEnd = firstMatch === -1 ? lines.length : firstMatch;
  const eol = dominantEol(w.file);
  const overrides = ev.matchOverrides.length ? ` (Match blocks at ${ev.matchOverrides.map(where).join(', ')} still override it for matching connections)` : '';

  for (let i = 0; i < globalEnd; i++) {
    const c = commentedDirective(lines[i]!);
    if (!c || c.canonical !== canonicalKeyword(keyword)) continue;
    const text = c.indent + c.keyword + c.separator + value + c.trailing;
    base.changes.push({ path: config.mainPath, line: i + 1, action: 'uncomment', before: lines[i]!.text, after: text });
    lines[i] = { ...lines[i]!, text };
    return finish('inserted', `nothing sets ${name}; replaced the commented default at ${config.mainPath}:${i + 1} in the global section${overrides}`, []);
  }

  let at = globalEnd;
  if (firstMatch !== -1) {
    // Keep the comments that introduce the Match block with it, and the blank line before them.
    while (at > 0 && lines[at - 1]!.kind === 'comment') at--;
    while (at > 0 && lines[at - 1]!.kind === 'blank') at--;
  }
  const prev = lines[at - 1];
  if (prev && prev.eol === '') lines[at - 1] = { ...prev, eol };
  const text = `${name} ${value}`;
  lines.splice(at, 0, { line: at + 1, text, eol, kind: 'directive', block: null });
  base.changes.push({ path: config.mainPath, line: at + 1, action: 'insert', before: null, after: text });
  const placement = firstMatch === -1 ? 'at the end of the file (it has no Match block)' : `before the first Match block (line ${firstMatch + 1})`;
  return finish('inserted', `nothing sets ${name}; added it to ${config.mainPath} ${placement}, so it applies globally${overrides}`, []);
}

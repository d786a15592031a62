// hosts.allow / hosts.deny (hosts_access(5), hosts_options(5)) parsed the way libwrap 7.6 reads
// them (hosts_access.c table_match/xgets, options.c get_field/process_options, Debian's IPv6
// bracket-aware split_at), while keeping every byte so serializeHostsAccess(parse(x)) === x.
//
// libwrap facts this parser mirrors, because they decide which rules exist at all:
// - A logical line continues while a physical line ends in backslash + LF exactly; the pair is
//   removed and the next line glued on. With CRLF the byte before LF is CR, so a backslash does
//   NOT continue the line there.
// - A logical line that does not end in LF (last line without newline, a continuation running
//   into EOF, or more than fits libwrap's 2048-byte buffer) BREAKS the file: Debian's
//   fix_parsing_long_lines patch makes table_match stop there ("all the subsequent rules will be
//   ignored") and return ERR. That line and every rule after it are inactive; a broken hosts.deny
//   then refuses every client hosts.allow does not grant (hosts_access: deny unless NO), a broken
//   hosts.allow only loses its rules from that line on. Any kind of line breaks it, a comment too.
// - Only a logical line whose FIRST byte is `#` is a comment; `  # x` and `sshd: a # b` are rule
//   text (the `#` becomes a pattern token). A comment ending in a backslash swallows the next line.
// - Fields split at the first and second `:` outside `[...]`; option fields split at `:` with
//   `\:` standing for a literal colon, so a spawn/twist command needs `\:` for its own colons.

export type FileKind = 'allow' | 'deny';

/** A list with libwrap's right-nested EXCEPT: `a b EXCEPT c EXCEPT d` = (a|b) except (c except d). */
export interface PatternList {
  patterns: string[];
  except?: PatternList;
}

export interface RuleOption {
  /** Keyword as written (matched case-insensitively). */
  name: string;
  value?: string;
  /** The field after `\:` unescaping and trimming. */
  field: string;
}

interface EntryBase {
  /** 1-based physical line numbers. */
  firstLine: number;
  lastLine: number;
  /** Exact bytes of the physical lines, terminators included. */
  raw: string;
  /** Physical lines joined as libwrap does (backslash-LF removed), final LF removed. */
  logical: string;
  /** Ended in LF; libwrap ignores an incomplete logical line. */
  complete: boolean;
}

export interface CommentEntry extends EntryBase {
  kind: 'comment';
}
export interface BlankEntry extends EntryBase {
  kind: 'blank';
}
/** Not blank, not a comment, no `:` — libwrap warns and skips it. */
export interface InvalidEntry extends EntryBase {
  kind: 'invalid';
  problem: string;
}

export interface Rule extends EntryBase {
  kind: 'rule';
  daemonText: string;
  clientText: string;
  /** Text after the second colon; undefined when there is no second colon. */
  optionText?: string;
  daemons: PatternList;
  clients: PatternList;
  options: RuleOption[];
  /** First option error libwrap would hit; when the rule matches, libwrap then DENIES. */
  optionError?: string;
  /** False when libwrap never reads the rule (at or after the line that breaks the file). */
  active: boolean;
  /** Pitfalls worth telling a person (inline `#`, CRLF + backslash, ...). */
  notes: string[];
}

export type Entry = CommentEntry | BlankEntry | InvalidEntry | Rule;

export interface HostsAccessFile {
  entries: Entry[];
  /** The rule entries, same objects as in entries, in file order. */
  rules: Rule[];
  /** Dominant line ending, for lines added later. */
  eol: '\n' | '\r\n';
  endsWithNewline: boolean;
  /** Number of physical lines. */
  lineCount: number;
  /** Where libwrap stops reading and reports ERR (see the header), if it does. */
  broken?: { line: number; problem: string };
}

// strtok separators of hosts_access.c (`sep`) and the blank-line test (strspn " \t\r\n").
const LIST_SEP = /[, \t\r\n]+/;
const BLANK = /^[ \t\r\n]*$/;

/** Splits text into physical lines, each keeping its LF (the last one may lack it). */
export function physicalLines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', start)) {
    out.push(text.slice(start, i + 1));
    start = i + 1;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

export function parseHostsAccess(text: string): HostsAccessFile {
  const lines = physicalLines(text);
  const entries: Entry[] = [];
  let i = 0;
  while (i < lines.length) {
    const first = i;
    let logical = '';
    let complete = false;
    // xgets: keep reading while the line ends in backslash + LF.
    for (;;) {
      const raw = lines[i++] ?? '';
      if (raw.endsWith('\\\n')) {
        logical += raw.slice(0, -2);
        if (i < lines.length) continue;
        break; // continuation into EOF: incomplete
      }
      if (raw.endsWith('\n')) {
        logical += raw.slice(0, -1);
        complete = true;
      } else logical += raw;
      break;
    }
    const raw = lines.slice(first, i).join('');
    entries.push(classify({ firstLine: first + 1, lastLine: i, raw, logical, complete }));
  }
  const broken = breakingEntry(entries);
  if (broken) for (const e of entries) if (e.kind === 'rule' && e.firstLine >= broken.line) e.active = false;
  const crlf = lines.filter((l) => l.endsWith('\r\n')).length;
  const lf = lines.filter((l) => l.endsWith('\n')).length;
  return {
    entries,
    rules: entries.filter((e): e is Rule => e.kind === 'rule'),
    eol: crlf > 0 && crlf * 2 >= lf ? '\r\n' : '\n',
    endsWithNewline: text.endsWith('\n'),
    lineCount: lines.length,
    ...(broken ? { broken } : {}),
  };
}

// xgets reads into a 2048-byte buffer with fgets (at most 2047 bytes per call); a
// backslash-LF pair is dropped only after its physical line has been read whole.
const XGETS_ROOM = 2047;

/** Whether xgets returns this entry's logical line whole, LF included. */
function fitsXgets(raw: string): boolean {
  let stored = 0;
  for (const line of physicalLines(raw)) {
    const bytes = Buffer.byteLength(line, 'utf8');
    if (stored + bytes > XGETS_ROOM) return false;
    stored += line.endsWith('\\\n') ? bytes - 2 : bytes;
  }
  return true;
}

/** The first entry libwrap cannot read whole: table_match stops there with ERR. */
function breakingEntry(entries: Entry[]): { line: number; problem: string } | undefined {
  for (const e of entries) {
    if (!e.complete) return { line: e.firstLine, problem: 'no newline at the end of the file' };
    if (!fitsXgets(e.raw)) return { line: e.firstLine, problem: `line longer than libwrap's ${XGETS_ROOM + 1}-byte buffer` };
  }
  return undefined;
}

/** Byte-identical inverse of parseHostsAccess. */
export function serializeHostsAccess(file: HostsAccessFile): string {
  return file.entries.map((e) => e.raw).join('');
}

function classify(base: EntryBase): Entry {
  const { logical } = base;
  if (logical.startsWith('#')) return { ...base, kind: 'comment' };
  if (BLANK.test(logical)) return { ...base, kind: 'blank' };
  const c1 = splitAt(logical, ':');
  if (c1 < 0) return { ...base, kind: 'invalid', problem: 'missing ":" separator' };
  const daemonText = logical.slice(0, c1);
  const rest = logical.slice(c1 + 1);
  const c2 = splitAt(rest, ':');
  const clientText = c2 < 0 ? rest : rest.slice(0, c2);
  const optionText = c2 < 0 ? undefined : rest.slice(c2 + 1);
  // libwrap hands process_options the field WITH the line's LF; that LF is what turns a trailing
  // `:` into an empty option field ("missing option name"), so parse it the same way.
  const parsed = optionText === undefined ? { options: [] } : parseOptions(optionText + '\n');
  const notes: string[] = [];
  if (!base.complete) notes.push('no newline at the end: libwrap stops reading the file here (ERR)');
  if (/^[ \t]+#/.test(logical)) notes.push('indented "#" is not a comment for libwrap: this is a rule');
  else if (daemonText.includes('#') || clientText.includes('#'))
    notes.push('"#" inside a rule is not a comment for libwrap: the words after it are patterns');
  if (base.raw.includes('\\\r\n')) notes.push('backslash before CRLF does not continue the line');
  if (!fitsXgets(base.raw)) notes.push('longer than libwrap\'s 2048-byte line buffer: libwrap stops reading the file here (ERR)');
  return {
    ...base,
    kind: 'rule',
    daemonText,
    clientText,
    ...(optionText === undefined ? {} : { optionText }),
    daemons: parsePatternList(daemonText),
    clients: parsePatternList(clientText),
    options: parsed.options,
    ...(parsed.error === undefined ? {} : { optionError: parsed.error }),
    active: base.complete,
    notes,
  };
}

/** Index of the first `delim` outside `[...]` (Debian's IPv6 split_at), or -1. */
export function splitAt(s: string, delim: string): number {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '[') depth++;
    else if (ch === ']') depth--;
    else if (depth === 0 && ch === delim) return i;
  }
  return -1;
}

/** Tokenizes a daemon or client list (commas and/or whitespace) and nests EXCEPT to the right. */
export function parsePatternList(text: string): PatternList {
  const tokens = text.split(LIST_SEP).filter((t) => t !== '');
  const build = (from: number): PatternList => {
    const patterns: string[] = [];
    for (let i = from; i < tokens.length; i++) {
      const tok = tokens[i] ?? '';
      if (tok.toUpperCase() === 'EXCEPT') return { patterns, except: build(i + 1) };
      patterns.push(tok);
    }
    return { patterns };
  };
  return build(0);
}

// hosts_options(5) keywords with options.c flags: need an argument, may take one, must be last.
const OPTION_TABLE: Record<string, { need?: true; opt?: true; last?: true }> = {
  user: { need: true },
  group: { need: true },
  umask: { need: true },
  linger: { need: true },
  keepalive: {},
  spawn: { need: true },
  twist: { need: true, last: true },
  rfc931: { opt: true },
  setenv: { need: true },
  nice: { opt: true },
  severity: { need: true },
  allow: { last: true },
  deny: { last: true },
  banners: { need: true },
};

const PRIORITIES = 'alert crit debug emerg err error info none notice panic warn warning'.split(' ');
const FACILITIES = (
  'auth authpriv cron daemon ftp kern lpr mail mark news security syslog user uucp ' +
  'local0 local1 local2 local3 local4 local5 local6 local7'
).split(' ');

/**
 * Splits an option text like get_field (`:` separates, `\:` is a literal colon, a trailing empty
 * segment is no field) and checks each field like process_options. Checks of the option values
 * that need the host (user/group names) are not made.
 */
export function parseOptions(text: string): { options: RuleOption[]; error?: string } {
  const segments: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === ':') {
      segments.push(cur);
      cur = '';
    } else if (ch === '\\' && text[i + 1] === ':') {
      cur += ':';
      i++;
    } else cur += ch;
  }
  if (cur !== '') segments.push(cur);
  const options: RuleOption[] = [];
  let error: string | undefined;
  segments.forEach((seg, idx) => {
    const field = seg.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, ''); // chop_string: isspace()
    const cut = field.search(/[= \t\r\n]/);
    const name = cut < 0 ? field : field.slice(0, cut);
    let value = cut < 0 ? '' : field.slice(cut);
    // "For backwards compatibility we ignore exactly one '=' between name and value."
    if (value !== '' && value[0] !== '=') value = value.slice(1).replace(/^[ \t\r\n]+/, '');
    if (value.startsWith('=')) value = value.slice(1).replace(/^[ \t\r\n]+/, '');
    options.push({ name, field, ...(value === '' ? {} : { value }) });
    error ??= optionProblem(name, value === '' ? undefined : value, idx < segments.length - 1);
  });
  return error === undefined ? { options } : { options, error };
}

function optionProblem(name: string, value: string | undefined, notLast: boolean): string | undefined {
  if (name === '') return 'missing option name';
  const key = name.toLowerCase();
  const op = OPTION_TABLE[key];
  if (!op) return `bad option name: "${name}"`;
  if (value === undefined && op.need) return `option "${name}" requires value`;
  if (value !== undefined && !op.need && !op.opt) return `option "${name}" requires no value`;
  if (notLast && op.last) return `option "${name}" must be at end`;
  if (value === undefined) return undefined;
  // The value checks options.c makes with sscanf before acting.
  if (key === 'umask' && !(/^[0-7]+$/.test(value) && parseInt(value, 8) <= 0o777))
    return `bad umask value: "${value}"`;
  if (key === 'linger' && !/^\+?\d+$/.test(value)) return `bad linger value: "${value}"`;
  if (key === 'nice' && !/^[+-]?\d+$/.test(value)) return `bad nice value: "${value}"`;
  if (key === 'rfc931' && !(/^\+?\d+$/.test(value) && Number(value) > 0))
    return `bad rfc931 timeout: "${value}"`;
  if (key === 'severity') {
    const dot = value.indexOf('.');
    const ok =
      dot < 0
        ? PRIORITIES.includes(value.toLowerCase())
        : FACILITIES.includes(value.slice(0, dot).toLowerCase()) &&
          PRIORITIES.includes(value.slice(dot + 1).toLowerCase());
    if (!ok) return `bad syslog facility or severity: "${value}"`;
  }
  return undefined;
}

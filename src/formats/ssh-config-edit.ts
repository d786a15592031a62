// Byte-preserving edits of a client config (~/.ssh/config, ssh_config(5)): set options for one
// `Host` pattern list, where OpenSSH will actually use them.
//
// OpenSSH reads the file top to bottom and, for each keyword, keeps the FIRST value obtained
// from a section that applies (IdentityFile and CertificateFile accumulate instead). Options
// before the first Host/Match line apply to every host. So:
// - `Host *` holds defaults and belongs at the END: a new `Host *` block is appended; an option
//   missing from the existing (last) `Host *` block is added there unless a later section sets
//   it (that would be a per-host override the new default must not clobber), in which case it
//   goes to a new `Host *` block at the end. An option already set before any Host line (same
//   scope as `Host *`, and it wins) or in a `Host *` block is edited where it is set first.
// - A specific pattern list gets a new block BEFORE the first `Match` block and before the
//   first `Host` block that also matches it (`Host *`, `Host web*` for web1), so that it wins.
// - An existing block with the same pattern list is edited in place: a value is replaced
//   keeping the line's indentation, keyword spelling, `=` style and trailing comment; a new
//   option is inserted right after the Host line with the block's indentation.
// - A section that comes first and sets the option for the same hosts shadows the edit. remedy
//   never edits such a section (it also covers other hosts); it reports it instead. Match
//   blocks other than `Match all` are not evaluated: they are reported as possibly shadowing.
// - IdentityFile and CertificateFile accumulate: the line is added unless the block has it;
//   other lines of the same keyword are kept.
// - Included files are not read; an Include line is reported.
//
// Text is handled as a "binary" (latin1) string so that every byte round-trips unchanged.

import { parseTimeSpec, splitConfigLine } from '../transport/ssh-config.js';
import { matchPatternList } from '../transport/pattern.js';

type ValueKind =
  | { kind: 'flag' } // yes / no
  | { kind: 'enum'; values: string[] }
  | { kind: 'int'; min: number; max?: number }
  | { kind: 'time' } // seconds or OpenSSH time format (30, 1m30s)
  | { kind: 'word'; ci?: boolean } // one argument (a comma list, a name)
  | { kind: 'text'; ci?: boolean }; // one or more arguments

export interface ClientKeyword {
  /** Canonical spelling, as ssh_config(5) writes it. */
  name: string;
  /** Lower-case spellings OpenSSH accepts for it (the canonical one first). */
  keys: string[];
  value: ValueKind;
  /** Every line adds a value (IdentityFile): "set" means "make sure this line is there". */
  accumulate?: boolean;
}

const flag: ValueKind = { kind: 'flag' };
const time: ValueKind = { kind: 'time' };
const word: ValueKind = { kind: 'word' };
const text: ValueKind = { kind: 'text' };
const int0: ValueKind = { kind: 'int', min: 0 };
const oneOf = (...values: string[]): ValueKind => ({ kind: 'enum', values });

/** The client keywords remedy will set (ssh_config(5), OpenSSH 9.x; forwardings and SendEnv/SetEnv left out). */
const KEYWORDS: Array<[string, ValueKind, string[]?, boolean?]> = [
  ['AddKeysToAgent', { kind: 'word', ci: true }],
  ['AddressFamily', oneOf('any', 'inet', 'inet6')],
  ['BatchMode', flag],
  ['BindAddress', word],
  ['BindInterface', word],
  ['CanonicalDomains', text],
  ['CanonicalizeFallbackLocal', flag],
  ['CanonicalizeHostname', oneOf('yes', 'no', 'always', 'none')],
  ['CanonicalizeMaxDots', int0],
  ['CASignatureAlgorithms', word],
  ['CertificateFile', text, [], true],
  ['CheckHostIP', flag],
  ['Ciphers', word],
  ['Compression', flag],
  ['ConnectionAttempts', { kind: 'int', min: 1 }],
  ['ConnectTimeout', time],
  ['ControlMaster', oneOf('yes', 'no', 'ask', 'auto', 'autoask')],
  ['ControlPath', text],
  ['ControlPersist', { kind: 'word', ci: true }],
  ['EscapeChar', word],
  ['ExitOnForwardFailure', flag],
  ['FingerprintHash', oneOf('md5', 'sha256')],
  ['ForwardAgent', word],
  ['ForwardX11', flag],
  ['ForwardX11Trusted', flag],
  ['GlobalKnownHostsFile', text],
  ['HashKnownHosts', flag],
  ['HostbasedAcceptedAlgorithms', word, ['hostbasedkeytypes']],
  ['HostbasedAuthentication', flag],
  ['HostKeyAlgorithms', word],
  ['HostKeyAlias', word],
  ['HostName', word],
  ['IdentitiesOnly', flag],
  ['IdentityAgent', text],
  ['IdentityFile', text, [], true],
  ['IPQoS', { kind: 'text', ci: true }],
  ['KbdInteractiveAuthentication', flag, ['challengeresponseauthentication']],
  ['KexAlgorithms', word],
  ['KnownHostsCommand', text],
  ['LogLevel', oneOf('quiet', 'fatal', 'error', 'info', 'verbose', 'debug', 'debug1', 'debug2', 'debug3')],
  ['MACs', word],
  ['NoHostAuthenticationForLocalhost', flag],
  ['NumberOfPasswordPrompts', int0],
  ['PasswordAuthentication', flag],
  ['PKCS11Provider', text],
  ['Port', { kind: 'int', min: 1, max: 65535 }],
  ['PreferredAuthentications', word],
  ['ProxyCommand', text],
  ['ProxyJump', word],
  ['ProxyUseFdpass', flag],
  ['PubkeyAcceptedAlgorithms', word, ['pubkeyacceptedkeytypes']],
  ['PubkeyAuthentication', oneOf('yes', 'no', 'unbound', 'host-bound')],
  ['RekeyLimit', text],
  ['RequestTTY', oneOf('yes', 'no', 'force', 'auto')],
  ['RequiredRSASize', int0],
  ['RevokedHostKeys', text],
  ['SecurityKeyProvider', text],
  ['ServerAliveCountMax', int0],
  ['ServerAliveInterval', time],
  ['StrictHostKeyChecking', oneOf('yes', 'no', 'ask', 'accept-new', 'off')],
  ['TCPKeepAlive', flag],
  ['UpdateHostKeys', oneOf('yes', 'no', 'ask')],
  ['User', word],
  ['UserKnownHostsFile', text],
  ['VerifyHostKeyDNS', oneOf('yes', 'no', 'ask')],
  ['VisualHostKey', flag],
];

const BY_KEY = new Map<string, ClientKeyword>();
for (const [name, value, aliases = [], accumulate] of KEYWORDS) {
  const kw: ClientKeyword = { name, keys: [name.toLowerCase(), ...aliases], value };
  if (accumulate) kw.accumulate = true;
  for (const k of kw.keys) BY_KEY.set(k, kw);
}

export function clientKeyword(name: string): ClientKeyword | undefined {
  return BY_KEY.get(name.toLowerCase());
}
export function clientKeywordNames(): string[] {
  return KEYWORDS.map(([n]) => n);
}

/** The value text to write for `kw`, or why it is not acceptable. */
export function checkOptionValue(kw: ClientKeyword, raw: string | number | boolean): { value: string } | { error: string } {
  const value = typeof raw === 'boolean' ? (raw ? 'yes' : 'no') : String(raw);
  if (/[\r\n\0]/.test(value)) return { error: `${kw.name}: the value must be one line` };
  if (/(^|\s)#/.test(value)) return { error: `${kw.name}: '#' would start a comment in the value '${value}'` };
  const words = splitConfigLine(value);
  if (value.trim() === '' || words.length === 0) return { error: `${kw.name}: empty value` };
  const v = kw.value;
  const one = words.length === 1 ? words[0]! : undefined;
  switch (v.kind) {
    case 'flag':
    case 'enum': {
      const allowed = v.kind === 'flag' ? ['yes', 'no'] : v.values;
      if (one === undefined || !allowed.includes(one.toLowerCase())) return { error: `${kw.name}: expected one of ${allowed.join(', ')}, got '${value}'` };
      break;
    }
    case 'int': {
      const n = one !== undefined && /^\d+$/.test(one) ? Number(one) : NaN;
      if (!(n >= v.min && n <= (v.max ?? Number.MAX_SAFE_INTEGER))) return { error: `${kw.name}: expected an integer${v.max ? ` from ${v.min} to ${v.max}` : ` >= ${v.min}`}, got '${value}'` };
      break;
    }
    case 'time':
      if (one === undefined || parseTimeSpec(one) === undefined) return { error: `${kw.name}: expected seconds or a time like 1m30s, got '${value}'` };
      break;
    case 'word':
      if (one === undefined) return { error: `${kw.name}: expected a single argument, got '${value}'` };
      break;
    case 'text':
      break;
  }
  return { value: value.trim() };
}

const caseInsensitive = (kw: ClientKeyword) => kw.value.kind === 'flag' || kw.value.kind === 'enum' || ((kw.value.kind === 'word' || kw.value.kind === 'text') && kw.value.ci === true);

/** Whether two argument lists mean the same value for `kw`. */
export function sameArgs(kw: ClientKeyword, a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const ci = caseInsensitive(kw);
  return a.every((x, i) => (ci ? x.toLowerCase() === b[i]!.toLowerCase() : x === b[i]));
}

export interface ConfigLine {
  /** 0-based index; `line` is 1-based. */
  index: number;
  line: number;
  /** Without the line ending. */
  text: string;
  eol: '\n' | '\r\n' | '';
  /** Lowercased keyword, when the line has one. */
  keyword?: string;
  args: string[];
  indent: string;
  /** Where the arguments start and end in `text` (a trailing comment stays after `valueEnd`). */
  valueStart: number;
  valueEnd: number;
}

export interface ConfigBlock {
  kind: 'global' | 'host' | 'match';
  /** Index of the Host/Match line (-1 for the global section). */
  start: number;
  /** Index after the block's last line. */
  end: number;
  /** Host patterns or Match words. */
  args: string[];
}

/** End of the last argument in `s` from `from`, scanning words as splitConfigLine does. */
function argsEnd(s: string, from: number): number {
  let i = from;
  let end = from;
  for (;;) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i >= s.length || s[i] === '#') return end;
    let quote: string | null = null;
    for (; i < s.length; i++) {
      const c = s[i]!;
      if (quote) {
        if (c === '\\' && (s[i + 1] === quote || s[i + 1] === '\\')) i++;
        else if (c === quote) quote = null;
      } else if (c === '"' || c === "'") quote = c;
      else if (/\s/.test(c)) break;
      else if (c === '\\' && (s[i + 1] === '"' || s[i + 1] === "'" || s[i + 1] === '\\')) i++;
    }
    end = Math.min(i, s.length);
  }
}

export function parseConfigLines(text: string): ConfigLine[] {
  const parts = text.split('\n');
  const out: ConfigLine[] = [];
  parts.forEach((raw, index) => {
    const last = index === parts.length - 1;
    if (last && raw === '') return;
    const cr = !last && raw.endsWith('\r');
    const s = cr ? raw.slice(0, -1) : raw;
    const eol = last ? '' : cr ? '\r\n' : '\n';
    const indent = /^\s*/.exec(s)![0];
    const m = /^(\s*)([A-Za-z0-9]+)(\s*=\s*|\s+|$)/.exec(s);
    const base = { index, line: index + 1, text: s, eol, indent } as const;
    if (!m || s.trimStart().startsWith('#')) return void out.push({ ...base, args: [], valueStart: s.length, valueEnd: s.length });
    const valueStart = m[0].length;
    out.push({ ...base, keyword: m[2]!.toLowerCase(), args: splitConfigLine(s.slice(valueStart)), valueStart, valueEnd: argsEnd(s, valueStart) });
  });
  return out;
}

export function configBlocks(lines: readonly ConfigLine[]): ConfigBlock[] {
  const blocks: ConfigBlock[] = [{ kind: 'global', start: -1, end: lines.length, args: [] }];
  for (const l of lines) {
    if (l.keyword !== 'host' && l.keyword !== 'match') continue;
    blocks[blocks.length - 1]!.end = l.index;
    blocks.push({ kind: l.keyword, start: l.index, end: lines.length, args: l.args });
  }
  return blocks;
}

/** What is to be set: the keyword and the value text (latin1 "binary" string, as the file). */
export interface OptionSetting {
  keyword: ClientKeyword;
  value: string;
}

export interface ConfigEdit {
  text: string;
  /** One line per option that changes, for the task's message. */
  actions: string[];
  /** Shadowing, possible shadowing, Include lines not examined. */
  notes: string[];
}

const sameWords = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x.toLowerCase() === b[i]!.toLowerCase());
const isComment = (l: ConfigLine | undefined) => l !== undefined && l.text.trimStart().startsWith('#');
const isBlankLine = (l: ConfigLine | undefined) => l !== undefined && l.text.trim() === '';

type Applies = 'yes' | 'no' | 'maybe';

/** Whether a section applies to the hosts `patterns` stands for (see the header). */
function appliesTo(block: ConfigBlock, patterns: readonly string[]): Applies {
  if (block.kind === 'global') return 'yes';
  if (block.kind === 'match') return block.args.length === 1 && block.args[0]!.toLowerCase() === 'all' ? 'yes' : 'maybe';
  const all = patterns.length === 1 && patterns[0] === '*';
  if (all) return block.args.includes('*') ? 'yes' : 'no';
  const samples = patterns.filter((p) => !p.startsWith('!'));
  return samples.some((s) => matchPatternList(s.toLowerCase(), block.args) === 1) ? 'yes' : 'no';
}

const describeBlock = (b: ConfigBlock) => (b.kind === 'global' ? 'before any Host line' : `in ${b.kind === 'host' ? 'Host' : 'Match'} ${b.args.join(' ')}`);
const show = (s: string) => Buffer.from(s, 'latin1').toString('utf8');

/** Set `options` for the Host pattern list `patterns` in config `text` (see the header). */
export function setHostOptions(text: string, patterns: readonly string[], options: readonly OptionSetting[]): ConfigEdit {
  const lines = parseConfigLines(text);
  const blocks = configBlocks(lines);
  const eol = lines[0]?.eol === '\r\n' ? '\r\n' : '\n';
  const all = patterns.length === 1 && patterns[0] === '*';
  const hostLine = `Host ${patterns.join(' ')}`;
  const equal = blocks.filter((b) => b.kind === 'host' && sameWords(b.args, patterns));
  const firstOption = (b: ConfigBlock) => lines.slice(b.start + 1, b.end).find((l) => l.keyword !== undefined);
  const fileIndent = blocks.filter((b) => b.kind !== 'global').map(firstOption).find((l) => l !== undefined)?.indent ?? '    ';
  const indentOf = (b: ConfigBlock) => firstOption(b)?.indent ?? fileIndent;
  const setters = (b: ConfigBlock, kw: ClientKeyword) =>
    lines.slice(b.start + 1, b.end).filter((l) => l.keyword !== undefined && kw.keys.includes(l.keyword));

  // Where a new block goes: at the end for `Host *`, else before the first Match block or Host
  // block that also matches (and before the comment lines right above it).
  let at = lines.length;
  if (!all) {
    const before = blocks.find((b) => b.kind === 'match' || (b.kind === 'host' && appliesTo(b, patterns) === 'yes'));
    if (before) {
      at = before.start;
      let i = at;
      while (i > 0 && isComment(lines[i - 1])) i--;
      if (i > 0) at = i;
    }
  }
  const newWhere = at === lines.length ? 'at the end' : `before line ${at + 1}`;

  const replace = new Map<number, string>();
  const insertAfterHost = new Map<number, string[]>(); // Host line index -> new lines
  const newBlock: string[] = [];
  const actions: string[] = [];
  const newItems: string[] = [];
  const newLine = (kw: ClientKeyword, value: string, indent: string) => `${indent}${kw.name} ${value}`;
  const addTo = (b: ConfigBlock | undefined, o: OptionSetting, why = '') => {
    if (!b) {
      newBlock.push(newLine(o.keyword, o.value, fileIndent));
      newItems.push(`${o.keyword.name} ${show(o.value)}${why}`);
      return;
    }
    const list = insertAfterHost.get(b.start) ?? [];
    list.push(newLine(o.keyword, o.value, indentOf(b)));
    insertAfterHost.set(b.start, list);
    actions.push(`${o.keyword.name} ${show(o.value)}: added to ${hostLine} (line ${b.start + 1})`);
  };
  const setAt = (l: ConfigLine, o: OptionSetting) => {
    const want = splitConfigLine(o.value);
    if (sameArgs(o.keyword, l.args, want)) return;
    const sep = l.valueStart === l.text.length && !/[\s=]$/.test(l.text) ? ' ' : '';
    replace.set(l.index, l.text.slice(0, l.valueStart) + sep + o.value + l.text.slice(l.valueEnd));
    actions.push(`${o.keyword.name} ${show(o.value)}: was '${show(l.args.join(' '))}' at line ${l.line}`);
  };

  for (const o of options) {
    const kw = o.keyword;
    const want = splitConfigLine(o.value);
    if (kw.accumulate) {
      const target = all ? equal[equal.length - 1] : equal[0];
      if (target && setters(target, kw).some((l) => sameArgs(kw, l.args, want))) continue;
      addTo(target, o);
      continue;
    }
    if (all) {
      const global = setters(blocks[0]!, kw)[0];
      const inEqual = equal.map((b) => setters(b, kw)[0]).find((l) => l !== undefined);
      const setter = global ?? inEqual;
      if (setter) {
        setAt(setter, o);
        continue;
      }
      const last = equal[equal.length - 1];
      const later = last && lines.slice(last.start + 1).find((l) => l.keyword !== undefined && kw.keys.includes(l.keyword));
      if (last && !later) addTo(last, o);
      else addTo(undefined, o, later ? ` (line ${later.line} sets it for some hosts and must keep winning)` : '');
      continue;
    }
    const target = equal[0];
    const setter = target ? setters(target, kw)[0] : undefined;
    if (setter) setAt(setter, o);
    else addTo(target, o);
  }

  if (newItems.length) actions.push(`new ${hostLine} block ${newWhere}: ${newItems.join(', ')}`);

  let out = '';
  const blockText = (lead: boolean, trail: boolean) =>
    (lead ? eol : '') + [hostLine, ...newBlock].map((l) => l + eol).join('') + (trail ? eol : '');
  for (const l of lines) {
    if (newBlock.length && l.index === at) out += blockText(l.index > 0 && !isBlankLine(lines[l.index - 1]), true);
    out += (replace.get(l.index) ?? l.text) + l.eol;
    const added = insertAfterHost.get(l.index);
    if (added) out += (l.eol === '' ? eol : '') + added.map((n) => n + eol).join('');
  }
  if (newBlock.length && at === lines.length) {
    if (out.length && !out.endsWith('\n')) out += eol;
    out += blockText(out.length > 0 && !isBlankLine(lines[lines.length - 1]), false);
  }
  if (!actions.length) out = text;

  const notes = shadowNotes(out, patterns, options);
  const includes = lines.filter((l) => l.keyword === 'include');
  if (includes.length) notes.push(`included files were not examined (Include at line ${includes.map((l) => l.line).join(', ')})`);
  return { text: out, actions, notes };
}

/**
 * Who wins for each option in the edited text, when it is not the value we set. Every section
 * that can shadow ours comes before all of our insertions, so its line numbers are the
 * original file's too.
 */
function shadowNotes(text: string, patterns: readonly string[], options: readonly OptionSetting[]): string[] {
  const lines = parseConfigLines(text);
  const blocks = configBlocks(lines);
  const notes: string[] = [];
  const target = `Host ${patterns.join(' ')}`;
  for (const o of options) {
    const kw = o.keyword;
    if (kw.accumulate) continue;
    const want = splitConfigLine(o.value);
    const maybe: string[] = [];
    for (const b of blocks) {
      const applies = appliesTo(b, patterns);
      if (applies === 'no') continue;
      const l = lines.slice(b.start + 1, b.end).find((x) => x.keyword !== undefined && kw.keys.includes(x.keyword));
      if (!l) continue;
      if (applies === 'maybe') {
        if (!sameArgs(kw, l.args, want)) maybe.push(`line ${l.line} (${describeBlock(b)})`);
        continue;
      }
      if (!sameArgs(kw, l.args, want)) {
        notes.push(`${kw.name} is shadowed: line ${l.line} ${describeBlock(b)} sets '${show(l.args.join(' '))}' first, so ssh uses that for ${target}; not edited, because it applies to other hosts as well`);
      }
      break;
    }
    if (maybe.length) notes.push(`${kw.name} may be overridden by a Match block that comes first: ${maybe.join(', ')} (Match conditions are not evaluated)`);
  }
  return notes;
}

// fail2ban's jail.local as Python's configparser reads it, kept byte for byte.
//
// remedy only ever edits /etc/fail2ban/jail.local (or a jail.d/*.local): jail.conf belongs to the
// package and is overwritten on upgrade, and fail2ban's own docs say never to edit it. Nothing here
// knows a path; the module calling planIgnoreIp must only hand it jail.local.
//
// Reading rules (fail2ban's SafeConfigParserWithIncludes on Python 3's RawConfigParser, checked in
// fail2ban/client/configparserinc.py and configparser._read):
// - lines end in \n, \r\n or \r (universal newlines);
// - a line whose stripped text starts with `#` or `;` is a comment; `;` preceded by whitespace
//   starts an inline comment (fail2ban sets inline_comment_prefixes=";"); an inline `#` is value;
// - blank and comment lines do not end a multi-line value (empty_lines_in_values is on): a line
//   indented deeper than the option line that started the value continues it;
// - otherwise `[name]` (matched on the stripped text, `\[(.+)\]`) opens a section, names are case
//   sensitive, and only `[DEFAULT]` is the defaults section;
// - `key = value` or `key: value`, the key lower-cased (optionxform), so `IgnoreIP` is `ignoreip`;
// - the value is the stripped text of each line joined with \n.
// fail2ban splits ignoreip on spaces, commas and newlines (helpers.splitwords).

import { entryCovers, parseIp } from './ip.js';

export type Eol = '\n' | '\r\n' | '\r' | '';

export type IniLineKind = 'blank' | 'comment' | 'section' | 'option' | 'continuation' | 'invalid';

export interface IniLine {
  text: string;
  eol: Eol;
  kind: IniLineKind;
  /** Index into `sections` of the section the line is in (header lines included). */
  section?: number;
  /** For option and continuation lines: index into that section's options. */
  option?: number;
  /** Start and end (exclusive) of the value text on the line: no delimiter, comment or padding. */
  valueStart?: number;
  valueEnd?: number;
}

export interface IniOption {
  /** Lower-cased key, as configparser stores it. */
  key: string;
  /** The key as written. */
  name: string;
  /** The option line, then every continuation line (including those with an empty value). */
  lines: number[];
  /** configparser's value: each line's stripped value joined with \n, trailing blank lines dropped. */
  value: string;
}

export interface IniSection {
  name: string;
  header: number;
  options: IniOption[];
}

export interface JailConf {
  lines: IniLine[];
  sections: IniSection[];
  /** Line indexes fail2ban would reject (text before any section, lines without a delimiter). */
  errors: number[];
}

function splitLines(text: string): Array<{ text: string; eol: Eol }> {
  const out: Array<{ text: string; eol: Eol }> = [];
  const re = /\r\n|\n|\r/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push({ text: text.slice(last, m.index), eol: m[0] as Eol });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last), eol: '' });
  return out;
}

/** Where an inline `;` comment starts (Python: at 0 or after whitespace), or the line length. */
function inlineCommentStart(text: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === ';' && (i === 0 || /\s/.test(text[i - 1]!))) return i;
  }
  return text.length;
}

function trimRange(text: string, start: number, end: number): [number, number] {
  let s = start;
  let e = end;
  while (s < e && /\s/.test(text[s]!)) s++;
  while (e > s && /\s/.test(text[e - 1]!)) e--;
  return [s, e];
}

/** Parse jail.local (or any fail2ban .conf/.local) the way fail2ban's configparser does. */
export function parseJailConf(text: string): JailConf {
  const lines: IniLine[] = [];
  const sections: IniSection[] = [];
  const errors: number[] = [];
  const values = new Map<IniOption, string[]>();
  let cur: IniSection | undefined;
  let opt: IniOption | undefined;
  let indentLevel = 0;

  splitLines(text).forEach(({ text: t, eol }, idx) => {
    const line: IniLine = { text: t, eol, kind: 'blank' };
    lines.push(line);
    const stripped = t.trim();
    const full = stripped.startsWith('#') || stripped.startsWith(';');
    const cut = full ? 0 : inlineCommentStart(t);
    const [vs, ve] = trimRange(t, 0, cut);
    if (vs === ve) {
      line.kind = full || cut < t.length ? 'comment' : 'blank';
      if (cur) line.section = sections.length - 1;
      // A blank line inside a value becomes an empty value line; comments vanish.
      if (line.kind === 'blank' && opt && cur) {
        values.get(opt)!.push('');
        opt.lines.push(idx);
        line.section = sections.length - 1;
        line.option = cur.options.length - 1;
      }
      return;
    }
    const indent = t.search(/\S/);
    if (cur && opt && indent > indentLevel) {
      line.kind = 'continuation';
      line.section = sections.length - 1;
      line.option = cur.options.length - 1;
      line.valueStart = vs;
      line.valueEnd = ve;
      values.get(opt)!.push(t.slice(vs, ve));
      opt.lines.push(idx);
      return;
    }
    indentLevel = indent;
    const value = t.slice(vs, ve);
    const sect = /^\[(.+)\]/.exec(value);
    if (sect) {
      cur = { name: sect[1]!, header: idx, options: [] };
      sections.push(cur);
      line.kind = 'section';
      line.section = sections.length - 1;
      opt = undefined;
      return;
    }
    if (!cur) {
      line.kind = 'invalid';
      errors.push(idx);
      return;
    }
    line.section = sections.length - 1;
    const m = /^(.*?)\s*([=:])\s*(.*)$/.exec(value);
    if (!m || m[1] === '') {
      line.kind = 'invalid';
      errors.push(idx);
      return;
    }
    opt = { key: m[1]!.trimEnd().toLowerCase(), name: m[1]!.trimEnd(), lines: [idx], value: '' };
    cur.options.push(opt);
    values.set(opt, [m[3]!.trim()]);
    line.kind = 'option';
    line.option = cur.options.length - 1;
    line.valueEnd = ve;
    line.valueStart = ve - m[3]!.length;
  });

  for (const [o, parts] of values) {
    o.value = parts.join('\n').replace(/\s+$/, '');
    // Trailing blank lines belong to no value: drop them from the option's lines too.
    while (o.lines.length > 1 && lines[o.lines[o.lines.length - 1]!]!.kind === 'blank') {
      const l = lines[o.lines.pop()!]!;
      delete l.option;
    }
  }
  return { lines, sections, errors };
}

/** The text back, byte for byte. */
export function serializeJailConf(conf: Pick<JailConf, 'lines'>): string {
  return conf.lines.map((l) => l.text + l.eol).join('');
}

/** fail2ban's splitwords: entries separated by spaces, commas and newlines. */
export function splitIgnoreIp(value: string): string[] {
  return value.split(/[ ,\n\t]+/).filter((w) => w !== '');
}

/** Effective option values per section, for comparisons: "section\0key" → value (last wins). */
function effectiveOptions(conf: JailConf): Map<string, string> {
  const m = new Map<string, string>();
  for (const s of conf.sections) for (const o of s.options) m.set(`${s.name}\0${o.key}`, o.value);
  return m;
}

/** fail2ban's default ignoreip (jail.conf's commented default): setting the key replaces it. */
export const DEFAULT_IGNOREIP = '127.0.0.1/8 ::1';

export interface IgnoreIpPlan {
  text: string;
  changed: boolean;
  /** What was done: nothing, the address appended, an ignoreip line added, a [DEFAULT] added. */
  action: 'unchanged' | 'appended' | 'added-key' | 'added-section';
  /** The existing entry that already covers the address, when unchanged. */
  coveredBy?: string;
  /**
   * Sections other than [DEFAULT] with their own ignoreip that does not cover the address: they
   * override [DEFAULT], so the change does not reach those jails. Reported, never edited.
   */
  overriddenIn: string[];
}

function firstEol(lines: IniLine[]): '\n' | '\r\n' | '\r' {
  for (const l of lines) if (l.eol !== '') return l.eol;
  return '\n';
}

/**
 * Make `[DEFAULT]`'s ignoreip cover `ip`, keeping every other byte:
 * - an ignoreip entry already covering it (same address in any spelling, or a network containing
 *   it) → unchanged (hostnames are not resolved, so they never count);
 * - ignoreip in [DEFAULT] → ` <ip>` appended to the value on its last physical line, before any
 *   inline `;` comment;
 * - [DEFAULT] without ignoreip → `ignoreip = 127.0.0.1/8 ::1 <ip>` right after the header
 *   (setting the key replaces fail2ban's default list, so the loopback entries are kept);
 * - no [DEFAULT] → a `[DEFAULT]` section with that line at the top, after leading comments
 *   (at the end instead, when the top would change how the following lines parse).
 * The file's line ending is used for new lines. Idempotent.
 */
export function planIgnoreIpDetailed(text: string | undefined, ip: string): IgnoreIpPlan {
  if (!parseIp(ip) || ip.includes('/')) throw new Error(`not an IP address: ${JSON.stringify(ip)}`);
  const src = text ?? '';
  const conf = parseJailConf(src);
  const eol = firstEol(conf.lines);
  const newLine = `ignoreip = ${DEFAULT_IGNOREIP} ${ip}`;

  const overriddenIn: string[] = [];
  for (const s of conf.sections) {
    if (s.name === 'DEFAULT') continue;
    const o = s.options.filter((x) => x.key === 'ignoreip').pop();
    if (o && !splitIgnoreIp(o.value).some((e) => entryCovers(e, ip))) overriddenIn.push(s.name);
  }
  const result = (t: string, action: IgnoreIpPlan['action'], coveredBy?: string): IgnoreIpPlan => {
    const r: IgnoreIpPlan = { text: t, changed: t !== src, action, overriddenIn };
    if (coveredBy !== undefined) r.coveredBy = coveredBy;
    return r;
  };

  const defaults = conf.sections.filter((s) => s.name === 'DEFAULT');
  let target: IniOption | undefined;
  for (const s of defaults) for (const o of s.options) if (o.key === 'ignoreip') target = o;

  if (target) {
    const cover = splitIgnoreIp(target.value).find((e) => entryCovers(e, ip));
    if (cover !== undefined) return result(src, 'unchanged', cover);
    const lastIdx = [...target.lines].reverse().find((i) => {
      const l = conf.lines[i]!;
      return l.valueEnd !== undefined && l.valueEnd > (l.valueStart ?? 0);
    }) ?? target.lines[0]!;
    const l = conf.lines[lastIdx]!;
    const at = l.valueEnd ?? l.text.length;
    const lines = conf.lines.map((x) => ({ ...x }));
    lines[lastIdx]!.text = `${l.text.slice(0, at)} ${ip}${l.text.slice(at)}`;
    return verified(src, serializeJailConf({ lines }), ip, 'appended', result);
  }

  const lines = conf.lines.map((x) => ({ ...x }));
  if (defaults.length > 0) {
    const h = defaults[0]!.header;
    // Indent like the section's first option, so an indented option below is not swallowed as a
    // continuation of the new line.
    const firstOpt = defaults[0]!.options[0];
    const indent = firstOpt ? conf.lines[firstOpt.lines[0]!]!.text.match(/^\s*/)![0] : '';
    const hl = lines[h]!;
    const ins: IniLine = { text: indent + newLine, eol: hl.eol === '' ? '' : hl.eol, kind: 'option' };
    if (hl.eol === '') hl.eol = eol;
    lines.splice(h + 1, 0, ins);
    return verified(src, serializeJailConf({ lines }), ip, 'added-key', result);
  }

  if (src === '') return result(`[DEFAULT]${eol}${newLine}${eol}`, 'added-section');
  // After the leading run of comment and blank lines.
  let at = 0;
  while (at < lines.length && (lines[at]!.kind === 'comment' || lines[at]!.kind === 'blank')) at++;
  const block = (): IniLine[] => {
    const b: IniLine[] = [
      { text: '[DEFAULT]', eol, kind: 'section' },
      { text: newLine, eol, kind: 'option' },
    ];
    return b;
  };
  const top = lines.map((x) => ({ ...x }));
  if (at > 0 && top[at - 1]!.eol === '') top[at - 1]!.eol = eol;
  const topBlock = block();
  if (at < top.length && top[at]!.kind !== 'blank') topBlock.push({ text: '', eol, kind: 'blank' });
  top.splice(at, 0, ...topBlock);
  const topText = serializeJailConf({ lines: top });
  if (sameExceptDefaultIgnoreIp(src, topText, ip)) return result(topText, 'added-section');
  // Fallback: the end of the file, where a header at column 0 can never continue a value.
  const end = lines.map((x) => ({ ...x }));
  const last = end[end.length - 1];
  if (last && last.eol === '') last.eol = eol;
  const endBlock = block();
  if (last && last.kind !== 'blank') endBlock.unshift({ text: '', eol, kind: 'blank' });
  end.push(...endBlock);
  return verified(src, serializeJailConf({ lines: end }), ip, 'added-section', result);
}

/** Re-read the new text: every option but [DEFAULT] ignoreip unchanged, and that one covers ip. */
function sameExceptDefaultIgnoreIp(before: string, after: string, ip: string): boolean {
  const a = effectiveOptions(parseJailConf(before));
  const b = effectiveOptions(parseJailConf(after));
  const key = 'DEFAULT\0ignoreip';
  const v = b.get(key);
  if (v === undefined || !splitIgnoreIp(v).some((e) => entryCovers(e, ip))) return false;
  a.delete(key);
  b.delete(key);
  if (a.size !== b.size) return false;
  for (const [k, val] of a) if (b.get(k) !== val) return false;
  return true;
}

function verified(
  src: string,
  out: string,
  ip: string,
  action: IgnoreIpPlan['action'],
  result: (t: string, a: IgnoreIpPlan['action']) => IgnoreIpPlan,
): IgnoreIpPlan {
  if (!sameExceptDefaultIgnoreIp(src, out, ip)) {
    throw new Error('jail.local edit would change how other lines parse; refusing to write it');
  }
  return result(out, action);
}

/** planIgnoreIpDetailed's new text. An empty or missing file yields a new [DEFAULT] section. */
export function planIgnoreIp(text: string | undefined, ip: string): string {
  return planIgnoreIpDetailed(text, ip).text;
}

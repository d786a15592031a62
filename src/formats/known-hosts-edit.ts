// Removing a host from a known_hosts file the way `ssh-keygen -R host` does (OpenSSH 9.x,
// ssh-keygen.c known_hosts_find_delete over hostfile.c hostkeys_foreach_file), keeping every
// other byte.
//
// What ssh-keygen -R does, line by line (checked against the source and against the binary):
// - Lines are split on LF only (a CR stays part of the line).
// - Blank lines and lines whose first non-blank character is `#` are kept.
// - A line is an entry when it has an optional marker (`@revoked`/`@cert-authority`), a host
//   field, a key type OpenSSH knows and something after the type. The key blob is NOT decoded,
//   so a corrupt blob is still an entry (and is removed).
// - An entry matches when its host field, a comma list, matches the lowercased name with
//   OpenSSH's match_hostname (wildcards `*` `?`, `!` negation vetoes the line) — so `ssh-keygen -R
//   a.example.com` also removes a plain `*.example.com` line — or, for a hashed field
//   `|1|salt|hash`, when HMAC-SHA1(salt, name) equals it.
// - A matching entry without a marker is removed WHOLE, even when its comma list names other
//   hosts too (`bar,foo,baz` goes for `-R foo`). Matching @revoked / @cert-authority lines
//   are kept ("Don't remove CA and revocation lines").
// - `[host]:port` is just a name: `-R host` leaves `[host]:2222` alone.
//
// Where remedy differs, on purpose:
// - ssh-keygen hashes the name exactly as typed, so `ssh-keygen -R FOO` removes a plain `foo`
//   line but not a hashed one. ssh lowercases host names before it looks them up or records
//   them, so remedy lowercases the name for hashed entries too: every entry ssh would use for
//   the host goes.
// - ssh-keygen refuses to rewrite a file containing any line it cannot parse ("is not a valid
//   known_hosts file"); remedy keeps such lines verbatim, still removes the valid matching
//   entries, and reports the invalid lines. ssh itself ignores invalid lines, so they cannot
//   be what locks a user out.
// - ssh-keygen rewrites every kept line with "%s\n", adding a newline to a last line that had
//   none; remedy keeps the missing newline (every byte not removed stays as it was).
//
// Text is handled as a "binary" (latin1) string so that any byte round-trips unchanged.

import { hashHostName } from '../transport/known-hosts.js';
import { matchPatternList } from '../transport/pattern.js';

/** Key type names sshkey_type_from_name accepts (OpenSSH 9.x without XMSS), exact case. */
const KEY_TYPE_NAMES = new Set([
  'ssh-ed25519', 'ssh-ed25519-cert-v01@openssh.com',
  'sk-ssh-ed25519@openssh.com', 'sk-ssh-ed25519-cert-v01@openssh.com',
  'ssh-rsa', 'rsa-sha2-256', 'rsa-sha2-512',
  'ssh-rsa-cert-v01@openssh.com', 'rsa-sha2-256-cert-v01@openssh.com', 'rsa-sha2-512-cert-v01@openssh.com',
  'ssh-dss', 'ssh-dss-cert-v01@openssh.com',
  'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521',
  'ecdsa-sha2-nistp256-cert-v01@openssh.com', 'ecdsa-sha2-nistp384-cert-v01@openssh.com', 'ecdsa-sha2-nistp521-cert-v01@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com', 'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com',
  'webauthn-sk-ecdsa-sha2-nistp256@openssh.com',
]);
/** Short names, accepted case-insensitively for plain (non-certificate) key types. */
const KEY_SHORT_NAMES = new Set(['rsa', 'dsa', 'ecdsa', 'ed25519', 'ecdsa-sk', 'ed25519-sk']);

export function isKnownKeyType(name: string): boolean {
  return KEY_TYPE_NAMES.has(name) || KEY_SHORT_NAMES.has(name.toLowerCase());
}

export interface KnownHostsLine {
  /** 1-based line number. */
  line: number;
  /** The line without its LF (a CR, if any, is part of it). */
  text: string;
  /** '\n', or '' for a last line without one. */
  eol: '\n' | '';
  kind: 'blank' | 'comment' | 'entry' | 'invalid';
  marker?: 'revoked' | 'cert-authority';
  /** The host field (a comma pattern list or one hashed name). */
  hosts?: string;
  /** Why ssh-keygen would call the line invalid. */
  reason?: string;
}

const isBlank = (c: string | undefined) => c === ' ' || c === '\t';

/** check_markers(): one optional marker, ended by the first space (else tab) on the line. */
function readMarker(s: string, i: number): { marker?: KnownHostsLine['marker']; next: number } | { error: string } {
  if (s[i] !== '@') return { next: i };
  let sp = s.indexOf(' ', i);
  if (sp < 0) sp = s.indexOf('\t', i);
  if (sp < 0 || sp <= i + 1) return { error: 'marker not followed by a host' };
  const word = s.slice(i, sp);
  const marker = word === '@cert-authority' ? 'cert-authority' : word === '@revoked' ? 'revoked' : undefined;
  if (!marker) return { error: `unknown marker ${JSON.stringify(word)}` };
  let j = sp;
  while (isBlank(s[j])) j++;
  if (s[j] === '@') return { error: 'more than one marker' };
  return { marker, next: j };
}

/** The salt of a `|1|salt|hash` field, if OpenSSH's extract_salt would accept it (exactly 20 bytes, canonical base64). */
function hashSalt(field: string): Buffer | undefined {
  if (!field.startsWith('|1|')) return undefined;
  const end = field.indexOf('|', 3);
  if (end < 0) return undefined;
  const b64 = field.slice(3, end);
  if (b64.length === 0 || b64.length > 1024) return undefined;
  const salt = Buffer.from(b64, 'base64');
  if (salt.length !== 20 || salt.toString('base64') !== b64) return undefined;
  return salt;
}

/** Classify each line as hostkeys_foreach_file does for `ssh-keygen -R` (a host is given, keys are not decoded). */
export function parseKnownHostsLines(text: string): KnownHostsLine[] {
  const out: KnownHostsLine[] = [];
  const parts = text.split('\n');
  parts.forEach((s, idx) => {
    const last = idx === parts.length - 1;
    if (last && s === '') return; // the text ended with a newline
    const base = { line: idx + 1, text: s, eol: (last ? '' : '\n') as '\n' | '' };
    let i = 0;
    while (isBlank(s[i])) i++;
    if (i === s.length) return void out.push({ ...base, kind: 'blank' });
    if (s[i] === '#') return void out.push({ ...base, kind: 'comment' });
    const invalid = (reason: string, extra: Partial<KnownHostsLine> = {}) => void out.push({ ...base, ...extra, kind: 'invalid', reason });
    const m = readMarker(s, i);
    if ('error' in m) return invalid(m.error);
    i = m.next;
    let j = i;
    while (j < s.length && !isBlank(s[j])) j++;
    const hosts = s.slice(i, j);
    const extra: Partial<KnownHostsLine> = { hosts, ...(m.marker ? { marker: m.marker } : {}) };
    if (hosts.startsWith('|') && !hashSalt(hosts)) return invalid('bad hashed host name', extra);
    while (isBlank(s[j])) j++;
    if (j >= s.length || s[j] === '#') return invalid('no key type', extra);
    let k = j;
    while (k < s.length && !isBlank(s[k])) k++;
    const type = s.slice(j, k);
    if (type.length <= 1 || type.length >= 128 || k >= s.length) return invalid('no key after the key type', extra);
    if (!isKnownKeyType(type)) return invalid(`unknown key type ${JSON.stringify(type)}`, extra);
    while (isBlank(s[k])) k++;
    if (k >= s.length || s[k] === '#') return invalid('no key after the key type', extra);
    out.push({ ...base, ...extra, kind: 'entry' });
  });
  return out;
}

/**
 * The name looked for: lowercased (ASCII, as OpenSSH's lowercase()), as ssh records it. `name`
 * is the host as given, `[host]:port` included.
 */
export function lookupName(name: string): string {
  return name.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** Whether a host field names `name` (already lowercased): hashed compare or match_hostname. */
export function hostFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|')) {
    const salt = hashSalt(hosts);
    return salt !== undefined && hashHostName(name, salt) === hosts;
  }
  // The file is handled as latin1; compare the name's UTF-8 bytes the same way.
  const bytes = Buffer.from(name, 'utf8').toString('latin1');
  return matchPatternList(bytes, hosts.split(',')) === 1;
}

export interface KnownHostRemoval {
  /** The new text (latin1 "binary" string). Equal to the input when nothing matched. */
  text: string;
  removed: KnownHostsLine[];
  /** Matching @revoked / @cert-authority lines, kept as ssh-keygen -R keeps them. */
  keptMarked: KnownHostsLine[];
  /** Lines ssh-keygen would reject as invalid (kept verbatim). */
  invalid: KnownHostsLine[];
}

/** `ssh-keygen -R name` on `text` (see the header for the one deliberate difference). */
export function removeKnownHost(text: string, name: string): KnownHostRemoval {
  const want = lookupName(name);
  const removed: KnownHostsLine[] = [];
  const keptMarked: KnownHostsLine[] = [];
  const invalid: KnownHostsLine[] = [];
  let out = '';
  for (const l of parseKnownHostsLines(text)) {
    if (l.kind === 'invalid') invalid.push(l);
    if (l.kind === 'entry' && hostFieldMatches(l.hosts!, want)) {
      if (l.marker) keptMarked.push(l);
      else {
        removed.push(l);
        continue;
      }
    }
    out += l.text + l.eol;
  }
  return { text: removed.length ? out : text, removed, keptMarked, invalid };
}

/** A plain host field that matched only through a wildcard (worth saying so: it names other hosts too). */
export function matchedByWildcard(hosts: string, name: string): boolean {
  if (hosts.startsWith('|')) return false;
  const want = lookupName(name);
  return !hosts.split(',').some((p) => p.toLowerCase() === want);
}

// OpenSSH known_hosts: parsing, lookup with OpenSSH's semantics, fingerprints, and appending.
// Format (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"):
//   [@revoked|@cert-authority] patterns keytype base64key [comment]
// where patterns is a comma list (wildcards, `!` negation, `[host]:port` for non-22 ports) or
// one hashed name `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`.

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { constants as fsc, promises as fsp } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { matchPatternList } from './pattern.js';

export type KnownHostsHosts =
  | { kind: 'patterns'; patterns: string[] }
  | { kind: 'hashed'; salt: Buffer; hash: Buffer };

export interface KnownHostEntry {
  marker?: 'revoked' | 'cert-authority';
  hosts: KnownHostsHosts;
  keyType: string;
  keyBlob: Buffer;
  /** Where it came from, for messages ("~/.ssh/known_hosts:12"). */
  source?: string;
  line: number;
}

/** StrictHostKeyChecking as remedy applies it (yes/ask → strict; no/off → off). */
export type HostKeyMode = 'strict' | 'accept-new' | 'off';

export type HostKeyStatus = 'match' | 'unknown' | 'changed' | 'revoked';

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise (put_host_port). */
export function knownHostName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 || port === 0 ? h : `[${h}]:${port}`;
}

/** The key type string that starts an SSH wire-format public key blob, or undefined. */
export function keyTypeOfBlob(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > blob.length) return undefined;
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** `SHA256:<unpadded base64>` exactly as `ssh-keygen -l` prints it. */
export function fingerprintSha256(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

function parseHosts(field: string): KnownHostsHosts | undefined {
  if (field.startsWith('|1|')) {
    const parts = field.split('|');
    if (parts.length !== 4) return undefined;
    const salt = Buffer.from(parts[2] ?? '', 'base64');
    const hash = Buffer.from(parts[3] ?? '', 'base64');
    // SHA-1 HMAC is 20 bytes; anything else cannot ever match, so drop the line like OpenSSH.
    if (salt.length === 0 || hash.length !== 20) return undefined;
    return { kind: 'hashed', salt, hash };
  }
  if (field.startsWith('|')) return undefined; // an unknown hash scheme
  return { kind: 'patterns', patterns: field.split(',').filter((p) => p !== '') };
}

/** Parse a known_hosts file; malformed lines are skipped, as OpenSSH does. */
export function parseKnownHosts(text: string, source?: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const trimmed = (lines[i] ?? '').trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const fields = trimmed.split(/[ \t]+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else continue; // unknown marker: OpenSSH ignores the line
    }
    const [hostField, keyType, b64] = fields;
    if (hostField === undefined || keyType === undefined || b64 === undefined) continue;
    const hosts = parseHosts(hostField);
    if (!hosts) continue;
    const keyBlob = Buffer.from(b64, 'base64');
    // A blob whose embedded type disagrees with the type field is corrupt, not a host key.
    if (keyTypeOfBlob(keyBlob) !== keyType) continue;
    const entry: KnownHostEntry = { hosts, keyType, keyBlob, line: i + 1 };
    if (marker) entry.marker = marker;
    if (source !== undefined) entry.source = source;
    out.push(entry);
  }
  return out;
}

/** Whether an entry's host field names `name` (already in knownHostName form). */
export function entryMatchesName(entry: KnownHostEntry, name: string): boolean {
  const h = entry.hosts;
  if (h.kind === 'hashed') {
    const mac = createHmac('sha1', h.salt).update(name).digest();
    return timingSafeEqual(mac, h.hash);
  }
  return matchPatternList(name, h.patterns) === 1;
}

/**
 * Check a host key the way OpenSSH's check_host_key does: a matching @revoked entry wins;
 * then an identical key means 'match'; a different key of the same type listed for the host
 * means 'changed' (OpenSSH compares the exact type, ECDSA curves included); anything else is
 * 'unknown'. Keys of other types don't make a key 'changed': OpenSSH treats that as new (and
 * SshConnection prefers the already-known types during negotiation, as OpenSSH does).
 * `host` may list several names (e.g. HostName and inventory alias); any of them counts.
 */
export function lookupHostKey(
  entries: readonly KnownHostEntry[],
  host: string | readonly string[],
  port: number,
  keyType: string,
  keyBlob: Buffer,
): HostKeyStatus {
  const names = (typeof host === 'string' ? [host] : host).map((h) => knownHostName(h, port));
  let matched = false;
  let sameTypeOther = false;
  for (const e of entries) {
    if (e.marker === 'cert-authority') continue;
    if (!names.some((n) => entryMatchesName(e, n))) continue;
    const same = e.keyType === keyType && e.keyBlob.equals(keyBlob);
    if (e.marker === 'revoked') {
      if (same) return 'revoked';
      continue;
    }
    if (same) matched = true;
    else if (e.keyType === keyType) sameTypeOther = true;
  }
  if (matched) return 'match';
  return sameTypeOther ? 'changed' : 'unknown';
}

/** Key types already trusted for a host, in file order (to steer host key negotiation). */
export function knownKeyTypes(
  entries: readonly KnownHostEntry[],
  host: string | readonly string[],
  port: number,
): string[] {
  const names = (typeof host === 'string' ? [host] : host).map((h) => knownHostName(h, port));
  const types: string[] = [];
  for (const e of entries) {
    if (e.marker) continue;
    if (!types.includes(e.keyType) && names.some((n) => entryMatchesName(e, n))) types.push(e.keyType);
  }
  return types;
}

/** A hashed host field as `ssh-keygen -H` writes it; `salt` is fixed only in tests. */
export function hashHostName(name: string, salt: Buffer = randomBytes(20)): string {
  const mac = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${mac.toString('base64')}`;
}

/** One known_hosts line (no newline); `hash: true` writes the name hashed (HashKnownHosts). */
export function formatKnownHostsLine(
  host: string,
  port: number,
  keyType: string,
  keyBlobBase64: string,
  opts: { hash?: boolean; salt?: Buffer } = {},
): string {
  const name = knownHostName(host, port);
  const field = opts.hash ? hashHostName(name, opts.salt) : name;
  return `${field} ${keyType} ${keyBlobBase64}`;
}

/** OpenSSH's defaults: UserKnownHostsFile and GlobalKnownHostsFile. */
export function defaultKnownHostsFiles(home: string = homedir()): { user: string[]; global: string[] } {
  return {
    user: [join(home, '.ssh', 'known_hosts'), join(home, '.ssh', 'known_hosts2')],
    global: ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'],
  };
}

/** Read and parse several files; missing or unreadable ones count as empty (like OpenSSH). */
export async function loadKnownHosts(files: readonly string[]): Promise<KnownHostEntry[]> {
  const all: KnownHostEntry[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await fsp.readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EISDIR') continue;
      throw err;
    }
    all.push(...parseKnownHosts(text, file));
  }
  return all;
}

/**
 * Append one line, creating the directory (0700) and the file (0600) when missing, and
 * starting on a fresh line if the file lacks a final newline. O_APPEND keeps concurrent
 * appends from different connections whole.
 */
export async function appendKnownHost(file: string, line: string): Promise<void> {
  await fsp.mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const fh = await fsp.open(file, fsc.O_WRONLY | fsc.O_APPEND | fsc.O_CREAT, 0o600);
  try {
    const { size } = await fh.stat();
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      const rd = await fsp.open(file, 'r');
      try {
        await rd.read(last, 0, 1, size - 1);
      } finally {
        await rd.close();
      }
      if (last[0] !== 0x0a) prefix = '\n';
    }
    await fh.write(`${prefix}${line}\n`);
  } finally {
    await fh.close();
  }
}

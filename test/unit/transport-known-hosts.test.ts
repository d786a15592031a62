import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keyBlob as blob } from './support/key-blob.js';
import {
  appendKnownHost,
  fingerprintSha256,
  formatKnownHostsLine,
  hashHostName,
  keyTypeOfBlob,
  knownHostName,
  knownKeyTypes,
  loadKnownHosts,
  lookupHostKey,
  parseKnownHosts,
} from '../../src/transport/known-hosts.js';
import { matchPattern, matchPatternList } from '../../src/transport/pattern.js';

// Two real ed25519 public keys and one ecdsa key (generated once with ssh-keygen).
const K1 = 'AAAAC3NzaC1lZDI1NTE5AAAAIFhTqKcqOqifZURCjjHIZs0+++oVpe0h6lsceDmQeHPm';
const K1_FP = 'SHA256:XxQvl9d2Yjo5UydtTJAAHXWGr+MEwTqy+su5WxusYqo';
// Built to be well-formed wire blobs of the right type; content is irrelevant to matching.
const k1 = Buffer.from(K1, 'base64');
const k2 = blob('ssh-ed25519', 7);
const ec = blob('ecdsa-sha2-nistp256', 9);

const tmp = mkdtempSync(join(tmpdir(), 'remedy-kh-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('patterns', () => {
  it('matches wildcards case-insensitively', () => {
    expect(matchPattern('web1.example.com', '*.example.com')).toBe(true);
    expect(matchPattern('WEB1.example.com', 'web?.EXAMPLE.com')).toBe(true);
    expect(matchPattern('web10.example.com', 'web?.example.com')).toBe(false);
    expect(matchPattern('abc', 'a*b*c*')).toBe(true);
    expect(matchPattern('abd', 'a*c')).toBe(false);
  });
  it('negation vetoes a positive match', () => {
    expect(matchPatternList('db.example.com', ['*.example.com', '!db.example.com'])).toBe(-1);
    expect(matchPatternList('web.example.com', ['*.example.com', '!db.example.com'])).toBe(1);
    expect(matchPatternList('other', ['!db'])).toBe(0);
  });
});

describe('parseKnownHosts / lookupHostKey', () => {
  const text = [
    '# comment',
    '',
    `web1,web2 ssh-ed25519 ${K1} some comment`,
    `[web1]:2222 ssh-ed25519 ${k2.toString('base64')}`,
    `*.lab,!bad.lab ssh-ed25519 ${K1}`,
    `@revoked * ssh-ed25519 ${k2.toString('base64')}`,
    `@cert-authority *.ca ssh-ed25519 ${K1}`,
    `mixed ecdsa-sha2-nistp256 ${ec.toString('base64')}`,
    'garbage line',
    `typo ssh-rsa ${K1}`, // blob type disagrees with the field: skipped
  ].join('\n');
  const entries = parseKnownHosts(text, 'kh');

  it('skips comments, blank, malformed and mistyped lines', () => {
    expect(entries).toHaveLength(6);
    expect(entries[0]).toMatchObject({ keyType: 'ssh-ed25519', line: 3, source: 'kh' });
    expect(entries.filter((e) => e.marker === 'revoked')).toHaveLength(1);
    expect(entries.filter((e) => e.marker === 'cert-authority')).toHaveLength(1);
  });

  it('matches comma lists and reports unknown hosts', () => {
    expect(lookupHostKey(entries, 'web2', 22, 'ssh-ed25519', k1)).toBe('match');
    expect(lookupHostKey(entries, 'nobody', 22, 'ssh-ed25519', k1)).toBe('unknown');
  });

  it('uses [host]:port for non-22 ports only', () => {
    expect(knownHostName('web1', 22)).toBe('web1');
    expect(knownHostName('Web1', 2222)).toBe('[web1]:2222');
    // web1 on 2222 only has k2, which is revoked everywhere.
    expect(lookupHostKey(entries, 'web1', 2222, 'ssh-ed25519', k2)).toBe('revoked');
    expect(lookupHostKey(entries, 'web1', 2222, 'ssh-ed25519', k1)).toBe('changed');
    expect(lookupHostKey(entries, 'web1', 2200, 'ssh-ed25519', k1)).toBe('unknown');
  });

  it('a different key of the same type is changed; another type is unknown', () => {
    const k3 = blob('ssh-ed25519', 3);
    expect(lookupHostKey(entries, 'web1', 22, 'ssh-ed25519', k3)).toBe('changed');
    expect(lookupHostKey(entries, 'mixed', 22, 'ssh-ed25519', k3)).toBe('unknown');
    expect(lookupHostKey(entries, 'mixed', 22, 'ecdsa-sha2-nistp256', ec)).toBe('match');
    expect(knownKeyTypes(entries, 'mixed', 22)).toEqual(['ecdsa-sha2-nistp256']);
  });

  it('honours negation and ignores @cert-authority', () => {
    expect(lookupHostKey(entries, 'a.lab', 22, 'ssh-ed25519', k1)).toBe('match');
    expect(lookupHostKey(entries, 'bad.lab', 22, 'ssh-ed25519', k1)).toBe('unknown');
    expect(lookupHostKey(entries, 'x.ca', 22, 'ssh-ed25519', k1)).toBe('unknown');
  });

  it('a revoked key is refused even when also listed as trusted', () => {
    const both = parseKnownHosts(`h ssh-ed25519 ${K1}\n@revoked h ssh-ed25519 ${K1}\n`);
    expect(lookupHostKey(both, 'h', 22, 'ssh-ed25519', k1)).toBe('revoked');
  });

  it('accepts several names (HostName and alias)', () => {
    expect(lookupHostKey(entries, ['10.0.0.9', 'web1'], 22, 'ssh-ed25519', k1)).toBe('match');
  });
});

describe('hashed entries', () => {
  // Produced by `ssh-keygen -H` for "[127.0.0.1]:2222" with key K1.
  const line = `|1|hYdMLihJ4kPO0m0rUE01k7TfuIo=|o4NdmMwIAlmfjbG/adyQZp2tx4Q= ssh-ed25519 ${K1}`;

  it('match a precomputed ssh-keygen line', () => {
    const e = parseKnownHosts(line);
    expect(lookupHostKey(e, '127.0.0.1', 2222, 'ssh-ed25519', k1)).toBe('match');
    expect(lookupHostKey(e, '127.0.0.1', 22, 'ssh-ed25519', k1)).toBe('unknown');
    expect(lookupHostKey(e, '127.0.0.1', 2222, 'ssh-ed25519', k2)).toBe('changed');
  });

  it('hashHostName reproduces it with the same salt', () => {
    const salt = Buffer.from('hYdMLihJ4kPO0m0rUE01k7TfuIo=', 'base64');
    expect(hashHostName('[127.0.0.1]:2222', salt)).toBe('|1|hYdMLihJ4kPO0m0rUE01k7TfuIo=|o4NdmMwIAlmfjbG/adyQZp2tx4Q=');
    expect(formatKnownHostsLine('127.0.0.1', 2222, 'ssh-ed25519', K1, { hash: true, salt })).toBe(line);
  });

  it.skipIf(!existsSync('/usr/bin/ssh-keygen'))('match lines hashed by ssh-keygen -H now', () => {
    const f = join(tmp, 'hashme');
    writeFileSync(f, `[10.1.2.3]:2022 ssh-ed25519 ${K1}\nplain.example ssh-ed25519 ${K1}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', f], { stdio: 'ignore' });
    const e = parseKnownHosts(readFileSync(f, 'utf8'));
    expect(e.every((x) => x.hosts.kind === 'hashed')).toBe(true);
    expect(lookupHostKey(e, '10.1.2.3', 2022, 'ssh-ed25519', k1)).toBe('match');
    expect(lookupHostKey(e, 'PLAIN.example', 22, 'ssh-ed25519', k1)).toBe('match');
    expect(lookupHostKey(e, 'other.example', 22, 'ssh-ed25519', k1)).toBe('unknown');
  });
});

describe('fingerprints', () => {
  it('formats SHA256 like ssh-keygen', () => {
    expect(fingerprintSha256(k1)).toBe(K1_FP);
    expect(keyTypeOfBlob(k1)).toBe('ssh-ed25519');
    expect(keyTypeOfBlob(Buffer.alloc(3))).toBeUndefined();
  });

  it.skipIf(!existsSync('/usr/bin/ssh-keygen'))('equals ssh-keygen -lf for fresh keys', () => {
    for (const type of ['ed25519', 'ecdsa', 'rsa']) {
      const f = join(tmp, `id_${type}`);
      execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', f]);
      const pub = readFileSync(`${f}.pub`, 'utf8').split(' ');
      const printed = execFileSync('ssh-keygen', ['-lf', `${f}.pub`], { encoding: 'utf8' }).split(' ')[1];
      expect(fingerprintSha256(Buffer.from(pub[1] ?? '', 'base64'))).toBe(printed);
    }
  });
});

describe('files', () => {
  it('appendKnownHost creates a 0700 dir and 0600 file, and starts on a fresh line', async () => {
    const dir = join(tmp, 'home', '.ssh');
    const file = join(dir, 'known_hosts');
    await appendKnownHost(file, formatKnownHostsLine('h1', 22, 'ssh-ed25519', K1));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    writeFileSync(file, readFileSync(file, 'utf8').trimEnd()); // drop the final newline
    await appendKnownHost(file, formatKnownHostsLine('h2', 2222, 'ssh-ed25519', K1));
    expect(readFileSync(file, 'utf8')).toBe(`h1 ssh-ed25519 ${K1}\n[h2]:2222 ssh-ed25519 ${K1}\n`);
    const e = await loadKnownHosts([file, join(tmp, 'missing')]);
    expect(lookupHostKey(e, 'h2', 2222, 'ssh-ed25519', k1)).toBe('match');
  });
});

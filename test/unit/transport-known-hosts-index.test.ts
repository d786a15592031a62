// The index is an optimisation only: for every name, port and key it must give exactly the
// verdict a scan of the whole file gives, and it must see a file that changed.
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keyBlob as blob } from './support/key-blob.js';
import { hashHostName, knownKeyTypes, lookupHostKey, parseKnownHosts } from '../../src/transport/known-hosts.js';
import { KnownHostsIndex, knownHostsIndex } from '../../src/transport/known-hosts-index.js';

const ED = 'ssh-ed25519';
const EC = 'ecdsa-sha2-nistp256';
const key = (type: string, n: number) => blob(type, n).toString('base64');

const tmp = mkdtempSync(join(tmpdir(), 'remedy-khi-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A seeded file mixing every kind of host field: literal lists, wildcards, negation, hashed, markers, ports. */
function fileText(seed: number): string {
  let s = seed;
  const rnd = (n: number) => ((s = (s * 1103515245 + 12345) % 2 ** 31), s % n);
  const name = () => ['h1', 'h2', 'H3', 'web-1', '198.18.0.5', 'db.example'][rnd(6)] as string;
  const field = (): string => {
    switch (rnd(7)) {
      case 0: return `${name()},${name()}`;
      case 1: return `[${name()}]:2222`;
      case 2: return `h*,!${name()}`;
      case 3: return '*.example';
      case 4: return hashHostName(name(), Buffer.alloc(20, rnd(200)));
      case 5: return `${name()},!${name()}`;
      default: return name();
    }
  };
  const lines: string[] = [];
  for (let i = 0; i < 60; i++) {
    const marker = ['', '', '', '@revoked ', '@cert-authority '][rnd(5)];
    const type = rnd(3) === 0 ? EC : ED;
    lines.push(`${marker}${field()} ${type} ${key(type, rnd(4))}`);
  }
  return lines.join('\n');
}

describe('KnownHostsIndex', () => {
  it('gives the verdict of a full scan for every name, port and key (seeded files)', () => {
    let compared = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const entries = parseKnownHosts(fileText(seed), 'f');
      const index = new KnownHostsIndex(entries);
      for (const names of [['h1'], ['h2', 'web-1'], ['h3'], ['198.18.0.5', 'db.example'], ['x.example'], ['nobody']]) {
        for (const port of [22, 2222]) {
          const some = index.entriesFor(names, port);
          expect(knownKeyTypes(some, names, port)).toEqual(knownKeyTypes(entries, names, port));
          for (const type of [ED, EC]) {
            for (let n = 0; n < 4; n++) {
              expect(lookupHostKey(some, names, port, type, blob(type, n))).toBe(lookupHostKey(entries, names, port, type, blob(type, n)));
              compared++;
            }
          }
        }
      }
    }
    expect(compared).toBe(40 * 6 * 2 * 2 * 4);
  });

  it('keeps only the entries naming the hop', () => {
    const index = new KnownHostsIndex(parseKnownHosts(`a ${ED} ${key(ED, 1)}\nb ${ED} ${key(ED, 2)}\n* ${ED} ${key(ED, 3)}\n[a]:2222 ${ED} ${key(ED, 4)}`));
    expect(index.entriesFor(['A'], 22).map((e) => e.line)).toEqual([1, 3]);
    expect(index.entriesFor(['a'], 2222).map((e) => e.line)).toEqual([3, 4]);
  });

  it('is parsed once while the files are unchanged, and again after an append', async () => {
    const file = join(tmp, 'known_hosts');
    writeFileSync(file, `h1 ${ED} ${key(ED, 1)}\n`);
    const first = await knownHostsIndex([file, join(tmp, 'missing')]);
    expect(await knownHostsIndex([file, join(tmp, 'missing')])).toBe(first);
    appendFileSync(file, `h2 ${ED} ${key(ED, 2)}\n`);
    const second = await knownHostsIndex([file, join(tmp, 'missing')]);
    expect(second).not.toBe(first);
    expect(lookupHostKey(second.entriesFor(['h2'], 22), 'h2', 22, ED, blob(ED, 2))).toBe('match');
    // A file that appears later is seen too.
    writeFileSync(join(tmp, 'missing'), `h3 ${ED} ${key(ED, 3)}\n`);
    const third = await knownHostsIndex([file, join(tmp, 'missing')]);
    expect(lookupHostKey(third.entriesFor(['h3'], 22), 'h3', 22, ED, blob(ED, 3))).toBe('match');
  });
});

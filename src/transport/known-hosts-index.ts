// known_hosts read once per run, not once per connection. On a fleet the user's known_hosts
// lists every host: reading and parsing it for each hop of each connection cost O(hosts) each
// time (O(hosts²) for the run), and every live connection kept its own parsed copy alive in
// its host key verifier. So the files are parsed once and re-read only when one of them changes
// (accept-new appends; the user edits it), and a connection keeps only the entries that name
// its hop.
import { promises as fsp } from 'node:fs';
import { entryMatchesName, knownHostName, loadKnownHosts, type KnownHostEntry } from './known-hosts.js';

/** Literal names (no wildcard, no negation) are looked up; the rest is scanned once per name. */
export class KnownHostsIndex {
  private readonly literal = new Map<string, number[]>();
  private readonly scanned: number[] = [];
  private readonly memo = new Map<string, number[]>();

  constructor(readonly entries: readonly KnownHostEntry[]) {
    entries.forEach((e, i) => {
      const names = e.hosts.kind === 'patterns' && e.hosts.patterns.every(isLiteral) ? e.hosts.patterns : undefined;
      if (!names) return this.scanned.push(i);
      for (const n of new Set(names.map((p) => p.toLowerCase()))) this.literal.set(n, [...(this.literal.get(n) ?? []), i]);
    });
  }

  /** The entries naming any of `hosts` on `port`, in file order: all a lookup for them reads. */
  entriesFor(hosts: readonly string[], port: number): KnownHostEntry[] {
    const found = new Set<number>();
    for (const h of hosts) {
      const name = knownHostName(h, port);
      for (const i of this.literal.get(name) ?? []) found.add(i);
      for (const i of this.scan(name)) found.add(i);
    }
    return [...found].sort((a, b) => a - b).map((i) => this.entries[i] as KnownHostEntry);
  }

  private scan(name: string): number[] {
    let hit = this.memo.get(name);
    if (!hit) {
      hit = this.scanned.filter((i) => entryMatchesName(this.entries[i] as KnownHostEntry, name));
      this.memo.set(name, hit);
    }
    return hit;
  }
}

const isLiteral = (p: string): boolean => p !== '' && !p.startsWith('!') && !/[*?]/.test(p);

/** What says a file is unchanged: missing files count too (one may appear). */
async function signature(files: readonly string[]): Promise<string> {
  const parts = await Promise.all(
    files.map(async (f) => {
      try {
        const s = await fsp.stat(f, { bigint: true });
        return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
      } catch {
        return '-';
      }
    }),
  );
  return `${files.join('\0')}\0${parts.join('\0')}`;
}

/** The last index per list of files, while none of them changed (a run uses one or two lists). */
const cache = new Map<string, { sig: string; index: Promise<KnownHostsIndex> }>();

/** The index of `files`, parsed again only when a file changed since the last call. */
export async function knownHostsIndex(files: readonly string[]): Promise<KnownHostsIndex> {
  const key = files.join('\0');
  const sig = await signature(files);
  const hit = cache.get(key);
  if (hit?.sig === sig) return hit.index;
  const index = loadKnownHosts(files).then((entries) => new KnownHostsIndex(entries));
  cache.set(key, { sig, index });
  index.catch(() => cache.delete(key));
  return index;
}

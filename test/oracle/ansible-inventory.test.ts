// remedy's inventories and host patterns judged by ansible-core itself: the corpus in
// test/oracle/ansible/ goes through `ansible-inventory -i X --list` and through remedy's loader,
// and every host pattern through one `ansible-playbook --list-hosts` run (a play per pattern).
// Any disagreement not in the documented-differences table (also in the README) fails.
// Skipped, loudly, where ansible-core is not installed.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadInventory } from '../../src/inventory/load.js';
import { inventoryList } from '../../src/inventory/graph.js';
import { selectHosts } from '../../src/inventory/patterns.js';
import { needsImplicitLocalhost } from '../../src/inventory-source.js';
import { INVENTORIES, type InventoryCase } from './ansible/inventories.js';
import { ERROR_PATTERNS, PATTERN_INVENTORY, PATTERNS } from './ansible/patterns.js';
import { ansibleInstalled, inParallel, parsePythonJson, runAnsible, tally, warnSkipped } from './ansible/run.js';

/** Known differences, each with its reason (the README lists them too). */
export const DOCUMENTED_INVENTORY: Record<string, string> = {
  'yaml-datetime': 'a YAML datetime is kept as the text Python str() prints (2024-01-02 10:20:30); ansible-inventory --list prints isoformat (2024-01-02T10:20:30)',
};
export const DOCUMENTED_PATTERNS: Record<string, string> = {};

const installed = ansibleInstalled();
if (!installed) warnSkipped('test/oracle/ansible-inventory.test.ts');

let root = '';

function writeCase(c: InventoryCase): string {
  const dir = join(root, c.id);
  for (const [name, text] of Object.entries(c.files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return c.entry === '.' ? dir : join(dir, c.entry);
}

/** Both sides in one shape: NaN/Infinity as Python's json spells them; children as sets. */
function normal(v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  if (Array.isArray(v)) return v.map(normal);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = k === 'children' && Array.isArray(x) ? [...x].sort() : normal(x);
    return out;
  }
  return v;
}

async function remedyList(path: string): Promise<unknown> {
  try {
    return normal(JSON.parse(JSON.stringify(normal(inventoryList(await loadInventory(path))))));
  } catch (err) {
    return { error: (err as Error).message };
  }
}

async function ansibleList(path: string): Promise<unknown> {
  const r = await runAnsible('ansible-inventory', ['-i', path, '--list']);
  if (r.code !== 0) return { error: r.stderr.trim() };
  return normal(parsePythonJson(r.stdout));
}

describe.skipIf(!installed)('inventories and host patterns, judged by ansible-core', () => {
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'remedy-ansible-inv-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it(`${INVENTORIES.length} inventories: remedy inventory --list equals ansible-inventory --list`, async () => {
    const results = await inParallel(INVENTORIES, 3, async (c) => {
      const path = writeCase(c);
      const [mine, theirs] = await Promise.all([remedyList(path), ansibleList(path)]);
      const agree = JSON.stringify(mine) === JSON.stringify(theirs);
      return { id: c.id, agree, detail: agree ? undefined : `remedy ${JSON.stringify(mine)}\n  ansible ${JSON.stringify(theirs)}` };
    });
    expect(tally('inventories', results, DOCUMENTED_INVENTORY)).toEqual([]);
    expect(INVENTORIES.length).toBeGreaterThanOrEqual(45);
  }, 600_000);

  it(`${PATTERNS.length} host patterns select the hosts ansible-playbook --list-hosts shows`, async () => {
    const invPath = writeCase({ id: 'patterns', files: { 'hosts.yml': PATTERN_INVENTORY }, entry: 'hosts.yml' });
    const inv = await loadInventory(invPath);
    const plays = PATTERNS.map((p, i) => `- name: case-${i}\n  hosts: ${JSON.stringify(p)}\n  gather_facts: false\n  tasks: []\n`).join('');
    const pb = join(root, 'patterns.yml');
    writeFileSync(pb, plays);
    const r = await runAnsible('ansible-playbook', ['-i', invPath, pb, '--list-hosts']);
    expect(r.code, r.stderr).toBe(0);
    const theirs = parseListHosts(r.stdout);
    const results = PATTERNS.map((p, i) => {
      const mine = remedySelect(inv, p);
      const want = theirs.get(i) ?? ['<missing from ansible output>'];
      const agree = JSON.stringify([...mine].sort()) === JSON.stringify([...want].sort());
      return { id: p, agree, detail: agree ? undefined : `remedy [${mine.join(', ')}], ansible [${want.join(', ')}]` };
    });
    const refused = await inParallel(ERROR_PATTERNS, 3, async (p) => {
      const one = join(root, `error-${ERROR_PATTERNS.indexOf(p)}.yml`);
      writeFileSync(one, `- hosts: ${JSON.stringify(p)}\n  gather_facts: false\n  tasks: []\n`);
      const run = await runAnsible('ansible-playbook', ['-i', invPath, one, '--list-hosts']);
      const mine = remedySelect(inv, p);
      const agree = run.code !== 0 && mine.length === 1 && mine[0]!.startsWith('<error');
      return { id: p, agree, detail: agree ? undefined : `remedy [${mine.join(', ')}], ansible exit ${run.code}: ${run.stderr.trim()}` };
    });
    expect(tally('host patterns', [...results, ...refused], DOCUMENTED_PATTERNS)).toEqual([]);
    expect(PATTERNS.length + ERROR_PATTERNS.length).toBeGreaterThanOrEqual(64);
  }, 600_000);
});

function remedySelect(inv: Awaited<ReturnType<typeof loadInventory>>, pattern: string): string[] {
  try {
    const hosts = selectHosts(inv, pattern);
    return needsImplicitLocalhost(inv, pattern) ? [...hosts, 'localhost'] : hosts;
  } catch (err) {
    return [`<error: ${(err as Error).message}>`];
  }
}

/** `play #N (pattern): case-I ... hosts (k):` followed by k indented names. */
function parseListHosts(out: string): Map<number, string[]> {
  const found = new Map<number, string[]>();
  let current: string[] | undefined;
  for (const line of out.split('\n')) {
    const play = /^\s*play #\d+ \(.*\): case-(\d+)/.exec(line);
    if (play) {
      current = [];
      found.set(Number(play[1]), current);
      continue;
    }
    if (!current || /^\s*(pattern:|hosts \(\d+\):|$)/.test(line)) continue;
    current.push(line.trim());
  }
  return found;
}

// The small Ansible behaviours of issue 13 class 5 (also judged by test/oracle/ansible-*.test.ts
// where ansible-core is installed).
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadInventory } from '../../src/inventory/load.js';
import { hostVars } from '../../src/inventory/vars.js';
import { inventoryCommand } from '../../src/commands.js';
import { command } from '../../src/modules/command.js';
import { shell } from '../../src/modules/shell.js';
import type { PlanContext } from '../../src/modules/module.js';

const root = mkdtempSync(join(tmpdir(), 'remedy-habits-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function site(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  return dir;
}

describe('inventories as Ansible reads them', () => {
  it('skips .ini files inside an inventory directory, reads one named with -i', async () => {
    const dir = site('ini-dir', { 'a.yml': 'all:\n  hosts: {h1: }\n', 'b.ini': '[db]\nd1\n' });
    expect([...(await loadInventory(dir)).hosts.keys()]).toEqual(['h1']);
    expect([...(await loadInventory(join(dir, 'b.ini'))).hosts.keys()]).toEqual(['d1']);
  });

  it('ansible_group_priority in the inventory orders groups and is not a host var', async () => {
    const dir = site('priority', { hosts: '[a]\nh1\n[b]\nh1\n[a:vars]\nx=a\nansible_group_priority=10\n[b:vars]\nx=b\n' });
    const vars = hostVars(await loadInventory(join(dir, 'hosts')), 'h1');
    expect(vars.x).toBe('a');
    expect(vars).not.toHaveProperty('ansible_group_priority');
  });

  it('YAML 1.1 values in inventories and vars files; INI keeps "no" a string', async () => {
    const dir = site('values', {
      'hosts.yml': 'all:\n  hosts:\n    h1: {enabled: no, mode: 0644, since: 2024-01-02}\n',
      'host_vars/h1.yml': 'proxy: off\n',
      'other.ini': '[web]\nw1 enabled=no\n',
    });
    const vars = hostVars(await loadInventory(join(dir, 'hosts.yml')), 'h1');
    expect(vars).toMatchObject({ enabled: false, mode: 420, since: '2024-01-02', proxy: false });
    expect(hostVars(await loadInventory(join(dir, 'other.ini')), 'w1').enabled).toBe('no');
  });

  it('remedy inventory -l localhost finds the implicit localhost; an unmatched part warns in Ansible words', async () => {
    const dir = site('limit', { hosts: '[web]\nw1\n' });
    const local = await inventoryCommand({ inventory: join(dir, 'hosts'), limit: 'localhost' }, {});
    expect(JSON.parse(local.out)._meta.hostvars).toEqual({ localhost: { ansible_connection: 'local' } });
    expect(local.warnings).toEqual([]);
    const none = await inventoryCommand({ inventory: join(dir, 'hosts'), limit: 'web:nosuch' }, {});
    expect(none.warnings).toEqual(['Could not match supplied host pattern, ignoring: nosuch']);
    const empty = await inventoryCommand({ inventory: join(dir, 'hosts'), limit: 'nosuch' }, {});
    expect(empty.warnings).toEqual(['Could not match supplied host pattern, ignoring: nosuch', 'No hosts matched, nothing to do']);
  });
});

describe("a registered command result's cmd", () => {
  const ctx = { file: () => ({ kind: 'absent' }), check: false } as unknown as PlanContext;
  it('is the argv list for command, the string for shell (as in Ansible)', () => {
    const c = command.plan(command.args.parse({ cmd: "echo 'a b' c", chdir: '/tmp' }), ctx);
    expect(c.kind === 'change' && c.changes[0]).toMatchObject({ kind: 'run', cmd: ['echo', 'a b', 'c'] });
    const s = shell.plan(shell.args.parse({ cmd: 'echo a | cat' }), ctx);
    expect(s.kind === 'change' && s.changes[0]).toMatchObject({ kind: 'run', cmd: 'echo a | cat' });
  });
});

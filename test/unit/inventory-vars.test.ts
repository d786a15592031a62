import { describe, it, expect } from 'vitest';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadInventory } from '../../src/inventory/load.js';
import { parseYamlInventory } from '../../src/inventory/yaml-inventory.js';
import { parseIniInventory } from '../../src/inventory/ini-inventory.js';
import { groupDepths, hostVarLayers, hostVars, orderedGroups, PRECEDENCE } from '../../src/inventory/vars.js';
import { UsageError } from '../../src/errors.js';

const site = fileURLToPath(new URL('../fixtures/inventory/site/', import.meta.url));

/** hostVars without the magic vars, for comparing inventory data. */
function dataVars(vars: Record<string, unknown>) {
  const { inventory_hostname, inventory_hostname_short, group_names, groups, ...rest } = vars;
  return rest;
}

describe('variable precedence', () => {
  it.each(['hosts.yml', 'hosts.ini'])('merges the fixture the same way from %s', async (file) => {
    const inv = await loadInventory(join(site, file));
    expect(dataVars(hostVars(inv, 'web3'))).toEqual({
      ntp_server: 'ntp.internal', // group_vars/all.yml beats [all:vars]
      env: 'prod',
      role: 'canary', // child group web_canary beats parent web
      http_port: 8000, // group_vars/web/a.yml beats [web:vars]
      app: 'shop-canary', // group_vars/web_canary.json beats group_vars/web/
      shared: 'from-b', // group_vars/web/b.yml merged after a.yml
      canary_weight: 10,
    });
    expect(dataVars(hostVars(inv, 'web1'))).toMatchObject({
      ansible_host: '192.0.2.11',
      http_port: 9090, // host_vars/web1.yml beats the host line, which beats the groups
      role: 'web',
    });
    expect(dataVars(hostVars(inv, 'bastion.example.com'))).toEqual({
      ntp_server: 'ntp.internal',
      env: 'prod',
      role: 'generic',
      ansible_host: '192.0.2.10',
    });
  });

  it('host vars beat group vars; child groups beat parents', () => {
    const inv = parseIniInventory(
      `[parent:children]
child
[child]
h1 who=host
h2
[parent:vars]
who=parent
level=parent
[child:vars]
level=child
`,
      'p.ini',
    );
    expect(dataVars(hostVars(inv, 'h1'))).toEqual({ who: 'host', level: 'child' });
    expect(dataVars(hostVars(inv, 'h2'))).toEqual({ who: 'parent', level: 'child' });
  });

  it('orders siblings by ansible_group_priority, then by name', () => {
    const text = (priority: string) => `a:
  hosts: { h: }
  vars: { x: from-a${priority} }
b:
  hosts: { h: }
  vars: { x: from-b }
`;
    expect(hostVars(parseYamlInventory(text(''), 'g.yml'), 'h').x).toBe('from-b');
    expect(hostVars(parseYamlInventory(text(', ansible_group_priority: 10'), 'g.yml'), 'h').x).toBe('from-a');
  });

  it('orders by depth before priority, depth being the longest path from all', () => {
    const inv = parseYamlInventory(
      `top:
  hosts: { h: }
  vars: { x: top, ansible_group_priority: 99 }
  children:
    mid:
      children:
        deep:
          vars: { x: deep }
other:
  children:
    deep:
      hosts: { h: }
`,
      'd.yml',
    );
    expect(groupDepths(inv).get('deep')).toBe(3);
    expect(orderedGroups(inv, 'h')).toEqual(['other', 'top', 'mid', 'deep']);
    expect(hostVars(inv, 'h').x).toBe('deep');
  });

  it('lets group_vars/all.yml override an inline child group var, as Ansible does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'remedy-vars-'));
    await writeFile(join(dir, 'hosts'), '[web]\nweb1\n[web:vars]\nport=80\n');
    await mkdir(join(dir, 'group_vars'));
    await writeFile(join(dir, 'group_vars', 'all.yml'), 'port: 1\n');
    const inv = await loadInventory(join(dir, 'hosts'));
    expect(hostVars(inv, 'web1').port).toBe(1);
  });

  it('explains where each value comes from, lowest first', async () => {
    const inv = await loadInventory(join(site, 'hosts.yml'));
    const layers = hostVarLayers(inv, 'web1');
    expect(layers.map((l) => [l.level, l.source])).toEqual([
      [PRECEDENCE[0], "group 'all'"],
      [PRECEDENCE[1], "group 'web'"],
      [PRECEDENCE[2], join(site, 'group_vars/all.yml')],
      [PRECEDENCE[3], `${join(site, 'group_vars/web/a.yml')}, ${join(site, 'group_vars/web/b.yml')}`],
      [PRECEDENCE[4], "host 'web1'"],
      [PRECEDENCE[5], join(site, 'host_vars/web1.yml')],
    ]);
  });
});

describe('magic vars', () => {
  it('adds inventory_hostname, inventory_hostname_short, group_names and groups', async () => {
    const inv = await loadInventory(join(site, 'hosts.yml'));
    const vars = hostVars(inv, 'web3');
    expect(vars.inventory_hostname).toBe('web3');
    expect(vars.group_names).toEqual(['web', 'web_canary']);
    expect(vars.groups).toEqual({
      all: ['bastion.example.com', 'web1', 'web2', 'web3', 'db-a', 'db-b'],
      ungrouped: ['bastion.example.com'],
      web: ['web1', 'web2', 'web3'],
      web_canary: ['web3'],
      db: ['db-a', 'db-b'],
    });
    const bastion = hostVars(inv, 'bastion.example.com');
    expect(bastion.inventory_hostname_short).toBe('bastion');
    expect(bastion.group_names).toEqual(['ungrouped']);
  });

  it('keeps IP addresses whole in inventory_hostname_short', () => {
    const inv = parseIniInventory('192.0.2.7\n', 'ip.ini');
    expect(hostVars(inv, '192.0.2.7').inventory_hostname_short).toBe('192.0.2.7');
  });

  it('includes inherited groups in group_names', () => {
    const inv = parseYamlInventory('site:\n  children:\n    web:\n      hosts: { w: }\n', 'i.yml');
    expect(hostVars(inv, 'w').group_names).toEqual(['site', 'web']);
  });
});

describe('hostVars', () => {
  it('returns a copy the caller may change', async () => {
    const inv = await loadInventory(join(site, 'hosts.yml'));
    const vars = hostVars(inv, 'web1');
    vars.http_port = 1;
    (vars.groups as Record<string, string[]>).web!.push('x');
    expect(hostVars(inv, 'web1').http_port).toBe(9090);
    expect(inv.groups.get('web')!.hosts).toEqual(['web1', 'web2', 'web3']);
  });

  it('rejects an unknown host', async () => {
    const inv = await loadInventory(join(site, 'hosts.yml'));
    expect(() => hostVars(inv, 'nosuch')).toThrow(UsageError);
  });
});

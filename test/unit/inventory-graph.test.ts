import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadInventory } from '../../src/inventory/load.js';
import { parseYamlInventory } from '../../src/inventory/yaml-inventory.js';
import { inventoryGraph, inventoryList } from '../../src/inventory/graph.js';
import { limitHosts, selectHosts } from '../../src/inventory/patterns.js';

const site = fileURLToPath(new URL('../fixtures/inventory/site/', import.meta.url));

describe('inventoryGraph', () => {
  it('draws the tree like ansible-inventory --graph', async () => {
    const inv = await loadInventory(join(site, 'hosts.ini'));
    expect(inventoryGraph(inv)).toBe(
      [
        '@all:',
        '  |--@ungrouped:',
        '  |  |--bastion.example.com',
        '  |--@web:',
        '  |  |--@web_canary:',
        '  |  |  |--web3',
        '  |  |--web1',
        '  |  |--web2',
        '  |  |--web3',
        '  |--@db:',
        '  |  |--db-a',
        '  |  |--db-b',
      ].join('\n'),
    );
  });

  it('starts at a given group and shows an empty ungrouped', () => {
    const inv = parseYamlInventory('web:\n  hosts: { w1: }\n', 'g.yml');
    expect(inventoryGraph(inv)).toBe('@all:\n  |--@ungrouped:\n  |--@web:\n  |  |--w1');
    expect(inventoryGraph(inv, 'web')).toBe('@web:\n  |--w1');
    expect(() => inventoryGraph(inv, 'nosuch')).toThrow(/no group 'nosuch'/);
  });
});

describe('inventoryList', () => {
  it('lists groups and merged host vars like ansible-inventory --list', async () => {
    const inv = await loadInventory(join(site, 'hosts.yml'));
    const list = inventoryList(inv);
    expect(Object.keys(list)).toEqual(['_meta', 'all', 'db', 'ungrouped', 'web', 'web_canary']);
    expect(list.all).toEqual({ children: ['ungrouped', 'web', 'db'] });
    expect(list.web).toEqual({ children: ['web_canary'], hosts: ['web1', 'web2', 'web3'] });
    expect(list._meta.hostvars.web1).toEqual({
      ansible_host: '192.0.2.11',
      app: 'shop',
      env: 'prod',
      http_port: 9090,
      ntp_server: 'ntp.internal',
      role: 'web',
      shared: 'from-b',
    });
    expect(Object.keys(list._meta.hostvars.web1!)).toEqual([...Object.keys(list._meta.hostvars.web1!)].sort());
    expect(JSON.parse(JSON.stringify(list))).toEqual(list);
  });

  it('restricts to the given hosts and drops groups left empty', async () => {
    const inv = await loadInventory(join(site, 'hosts.yml'));
    const list = inventoryList(inv, limitHosts(selectHosts(inv, 'all'), inv, 'db'));
    expect(list).toEqual({
      _meta: {
        hostvars: {
          'db-a': { backup: true, env: 'prod', ntp_server: 'ntp.internal', role: 'db' },
          'db-b': { env: 'prod', ntp_server: 'ntp.internal', role: 'db' },
        },
      },
      all: { children: ['ungrouped', 'web', 'db'] },
      db: { hosts: ['db-a', 'db-b'] },
      web: { children: ['web_canary'] },
    });
  });
});

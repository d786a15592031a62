import { describe, it, expect } from 'vitest';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseYamlInventory } from '../../src/inventory/yaml-inventory.js';
import { parseIniInventory } from '../../src/inventory/ini-inventory.js';
import { detectFormat, loadInventory } from '../../src/inventory/load.js';
import { expandHostRange, splitHostPort } from '../../src/inventory/ranges.js';
import { iniValue, shellSplit } from '../../src/inventory/ini-values.js';
import type { Inventory } from '../../src/inventory/model.js';
import { UsageError } from '../../src/errors.js';

const site = fileURLToPath(new URL('../fixtures/inventory/site/', import.meta.url));

/** The model without `source` and file vars: what both formats must agree on. */
function shape(inv: Inventory) {
  return {
    hosts: [...inv.hosts.values()].map(({ name, vars, groups }) => ({ name, vars, groups })),
    groups: [...inv.groups.values()].map(({ name, hosts, children, vars }) => ({ name, hosts, children, vars })),
  };
}

describe('YAML and INI inventories', () => {
  it('parse the same inventory to the same model', async () => {
    const yml = await loadInventory(join(site, 'hosts.yml'));
    const ini = await loadInventory(join(site, 'hosts.ini'));
    expect(shape(ini)).toEqual(shape(yml));
  });

  it('build hosts, groups and nested children in definition order', async () => {
    const inv = await loadInventory(join(site, 'hosts.yml'));
    expect([...inv.hosts.keys()]).toEqual(['bastion.example.com', 'web1', 'web2', 'web3', 'db-a', 'db-b']);
    expect([...inv.groups.keys()]).toEqual(['all', 'ungrouped', 'web', 'web_canary', 'db']);
    expect(inv.groups.get('all')).toMatchObject({ hosts: [], children: ['ungrouped', 'web', 'db'] });
    expect(inv.groups.get('ungrouped')!.hosts).toEqual(['bastion.example.com']);
    expect(inv.groups.get('web')).toMatchObject({ hosts: ['web1', 'web2', 'web3'], children: ['web_canary'] });
    expect(inv.hosts.get('web3')!.groups).toEqual(['web', 'web_canary']);
    expect(inv.hosts.get('bastion.example.com')!.groups).toEqual(['ungrouped']);
    expect(inv.hosts.get('web1')!.vars).toEqual({ ansible_host: '192.0.2.11', http_port: 8080 });
  });

  it('treats every top-level YAML key as a group and nests to any depth', () => {
    const inv = parseYamlInventory(
      `all:
  children:
    dc:
      children:
        rack1:
          children:
            shelf:
              hosts:
                s1:
prod:
  hosts:
    s1:
    p1: { ansible_port: 2222 }
`,
      'deep.yml',
    );
    expect(inv.groups.get('all')!.children).toEqual(['ungrouped', 'dc', 'prod']);
    expect(inv.groups.get('rack1')!.children).toEqual(['shelf']);
    expect(inv.hosts.get('s1')!.groups).toEqual(['shelf', 'prod']);
    expect(inv.groups.get('ungrouped')!.hosts).toEqual([]);
  });

  it('accepts a bare string for hosts, as Ansible does', () => {
    const inv = parseYamlInventory('web:\n  hosts: web1\n', 'h.yml');
    expect(inv.groups.get('web')!.hosts).toEqual(['web1']);
  });

  it('reads host:port entries as ansible_port, which host vars can still override', () => {
    const yml = parseYamlInventory('all:\n  hosts:\n    web1:2222:\n    "[2001:db8::1]:22":\n    web2:2200: { ansible_port: 22 }\n', 'p.yml');
    expect(yml.hosts.get('web1')!.vars).toEqual({ ansible_port: 2222 });
    expect(yml.hosts.get('2001:db8::1')!.vars).toEqual({ ansible_port: 22 });
    expect(yml.hosts.get('web2')!.vars).toEqual({ ansible_port: 22 });
    const ini = parseIniInventory('web1:2222\n2001:db8::5\n', 'p.ini');
    expect(ini.hosts.get('web1')!.vars).toEqual({ ansible_port: 2222 });
    expect(ini.hosts.has('2001:db8::5')).toBe(true);
  });

  it('moves a host out of ungrouped once it has a real group', () => {
    const inv = parseIniInventory('web1\n[web]\nweb1\n', 'u.ini');
    expect(inv.groups.get('ungrouped')!.hosts).toEqual([]);
    expect(inv.hosts.get('web1')!.groups).toEqual(['web']);
  });
});

describe('host ranges', () => {
  it('expands numeric, zero-padded, stepped, alphabetic and repeated ranges', () => {
    expect(expandHostRange('web[01:03].example.com')).toEqual(['web01.example.com', 'web02.example.com', 'web03.example.com']);
    expect(expandHostRange('db-[a:c]')).toEqual(['db-a', 'db-b', 'db-c']);
    expect(expandHostRange('n[1:10:3]')).toEqual(['n1', 'n4', 'n7', 'n10']);
    expect(expandHostRange('r[1:2]-[a:b]')).toEqual(['r1-a', 'r1-b', 'r2-a', 'r2-b']);
    expect(expandHostRange('x[:2]')).toEqual(['x0', 'x1', 'x2']);
  });

  it('expands ranges in both formats', () => {
    const yml = parseYamlInventory('web:\n  hosts:\n    web[01:02].example.com:\n      http_port: 80\n', 'r.yml');
    const ini = parseIniInventory('[web]\nweb[01:02].example.com http_port=80\n', 'r.ini');
    expect([...yml.hosts.keys()]).toEqual(['web01.example.com', 'web02.example.com']);
    expect(shape(ini)).toEqual(shape(yml));
  });

  it('rejects malformed ranges', () => {
    expect(() => expandHostRange('web[1]')).toThrow(/\[begin:end\]/);
    expect(() => expandHostRange('web[01:3]')).toThrow(/equal-length/);
    expect(() => expandHostRange('web[3:1]')).toThrow(/begin <= end/);
    expect(() => expandHostRange('web[1:')).toThrow(/unclosed/);
  });

  it('splits ports but never an IPv6 literal', () => {
    expect(splitHostPort('web1:22')).toEqual({ host: 'web1', port: 22 });
    expect(splitHostPort('::1')).toEqual({ host: '::1' });
    expect(splitHostPort('[::1]:2222')).toEqual({ host: '::1', port: 2222 });
    expect(splitHostPort('web[1:3]')).toEqual({ host: 'web[1:3]' });
    expect(splitHostPort('web[1:3]:22')).toEqual({ host: 'web[1:3]', port: 22 });
  });
});

describe('INI values', () => {
  it('types values like Python literal_eval, falling back to strings', () => {
    expect(iniValue('22')).toBe(22);
    expect(iniValue('-1.5')).toBe(-1.5);
    expect(iniValue('0x1f')).toBe(31);
    expect(iniValue('True')).toBe(true);
    expect(iniValue('False')).toBe(false);
    expect(iniValue('None')).toBe(null);
    expect(iniValue('true')).toBe('true');
    expect(iniValue('yes')).toBe('yes');
    expect(iniValue("'quoted'")).toBe('quoted');
    expect(iniValue('"a\\tb"')).toBe('a\tb');
    expect(iniValue("['a', 1, [True]]")).toEqual(['a', 1, [true]]);
    expect(iniValue("{'k': 'v', 'n': 2}")).toEqual({ k: 'v', n: 2 });
    expect(iniValue('(1, 2)')).toEqual([1, 2]);
    expect(iniValue('1, 2')).toEqual([1, 2]);
    expect(iniValue('192.0.2.1')).toBe('192.0.2.1');
    expect(iniValue('08')).toBe('08');
    expect(iniValue('/usr/bin/python3')).toBe('/usr/bin/python3');
    expect(iniValue('')).toBe('');
    expect(iniValue('80 # comment')).toBe(80);
    expect(iniValue('web # comment')).toBe('web # comment');
  });

  it('splits host lines like shlex: quotes removed, # starts a comment', () => {
    expect(shellSplit(`h a="x y" b='1 2' c=d\\ e # note`).map((t) => t.text)).toEqual(['h', 'a=x y', 'b=1 2', 'c=d e']);
    expect(shellSplit('h x=1#2').map((t) => t.text)).toEqual(['h', 'x=1']);
    expect(shellSplit(`h a=''`).map((t) => t.text)).toEqual(['h', 'a=']);
  });

  it('keeps an ssh ProxyCommand intact', () => {
    const inv = parseIniInventory(
      `web1 ansible_ssh_common_args='-o ProxyCommand="ssh -W %h:%p -q admin@gw.example.com"'\n`,
      'pc.ini',
    );
    expect(inv.hosts.get('web1')!.vars.ansible_ssh_common_args).toBe('-o ProxyCommand="ssh -W %h:%p -q admin@gw.example.com"');
  });

  it('applies both rules to host lines and [group:vars]', () => {
    const inv = parseIniInventory(
      `[web]
web1 port=22 quoted="22" kept="'22'" flag=True name="two words" secret="'03#pa33'" # comment
[web:vars]
list = [1, 2]
str = '007'
plain = some text
`,
      'v.ini',
    );
    expect(inv.hosts.get('web1')!.vars).toEqual({ port: 22, quoted: 22, kept: '22', flag: true, name: 'two words', secret: '03#pa33' });
    expect(inv.groups.get('web')!.vars).toEqual({ list: [1, 2], str: '007', plain: 'some text' });
  });

  it('accepts children declared after use, [all] hosts and [all:vars]', () => {
    const inv = parseIniInventory(
      `[site:children]
web
[all]
lonely
[web]
web1
[all:vars]
x=1
`,
      'c.ini',
    );
    expect(inv.groups.get('site')!.children).toEqual(['web']);
    expect(inv.groups.get('all')!.vars).toEqual({ x: 1 });
    expect(inv.hosts.get('lonely')!.groups).toEqual(['ungrouped']);
  });
});

describe('loadInventory', () => {
  it('reports a missing inventory as a usage error', async () => {
    const missing = join(site, 'nope.yml');
    await expect(loadInventory(missing)).rejects.toThrow(UsageError);
    await expect(loadInventory(missing)).rejects.toThrow(`inventory file not found: ${missing}`);
  });

  it('loads every inventory file in a directory (skipping group_vars/host_vars)', async () => {
    const dir = await loadInventory(site);
    const yml = await loadInventory(join(site, 'hosts.yml'));
    expect(shape(dir)).toEqual(shape(yml));
    expect(dir.source).toBe(site);
  });

  it('sniffs the format of files without a known extension', async () => {
    expect(detectFormat('hosts', 'all:\n  hosts:\n')).toBe('yaml');
    expect(detectFormat('hosts', '# c\n---\nall:\n')).toBe('yaml');
    expect(detectFormat('hosts', '[web]\nweb1\n')).toBe('ini');
    expect(detectFormat('hosts', 'web1:2222 a=b\n')).toBe('ini');
    expect(detectFormat('hosts', 'web1\n')).toBe('ini');
    expect(detectFormat('hosts.ini', 'all:\n')).toBe('ini');
    expect(detectFormat('inv.json', '{"all": {}}')).toBe('yaml');

    const dir = await mkdtemp(join(tmpdir(), 'remedy-inv-'));
    await writeFile(join(dir, 'hosts'), 'web:\n  hosts:\n    web1:\n');
    await mkdir(join(dir, 'host_vars'));
    await writeFile(join(dir, 'host_vars', 'web1.yaml'), 'a: 1\n');
    const inv = await loadInventory(join(dir, 'hosts'));
    expect(inv.groups.get('web')!.hosts).toEqual(['web1']);
    expect(inv.hosts.get('web1')!.fileVars).toEqual({ a: 1 });
  });

  it('accepts a comma-separated host list like ansible -i', async () => {
    const inv = await loadInventory('web1,web2:2222,');
    expect([...inv.hosts.keys()]).toEqual(['web1', 'web2']);
    expect(inv.hosts.get('web2')!.vars).toEqual({ ansible_port: 2222 });
  });

  it('reads group_vars and host_vars files, directories merged in lexical order', async () => {
    const inv = await loadInventory(join(site, 'hosts.ini'));
    expect(inv.groups.get('web')!.fileVars).toEqual({ app: 'shop', shared: 'from-b', http_port: 8000 });
    expect(inv.groups.get('web')!.varFiles).toEqual([join(site, 'group_vars/web/a.yml'), join(site, 'group_vars/web/b.yml')]);
    expect(inv.groups.get('web_canary')!.fileVars).toEqual({ canary_weight: 10, app: 'shop-canary' });
    expect(inv.hosts.get('db-a')!.fileVars).toEqual({ backup: true });
    expect(inv.hosts.get('db-b')!.fileVars).toBeUndefined();
  });

  it('uses only the first of NAME, NAME.yml, NAME.yaml, NAME.json', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'remedy-inv-'));
    await writeFile(join(dir, 'inv.yml'), 'web:\n  hosts:\n    web1:\n');
    await mkdir(join(dir, 'group_vars'));
    await writeFile(join(dir, 'group_vars', 'web.yml'), 'from: yml\n');
    await writeFile(join(dir, 'group_vars', 'web.json'), '{"from": "json", "extra": 1}');
    const inv = await loadInventory(join(dir, 'inv.yml'));
    expect(inv.groups.get('web')!.fileVars).toEqual({ from: 'yml' });
  });
});

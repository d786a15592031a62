import { describe, it, expect } from 'vitest';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseYamlInventory } from '../../src/inventory/yaml-inventory.js';
import { parseIniInventory } from '../../src/inventory/ini-inventory.js';
import { loadInventory } from '../../src/inventory/load.js';
import { ValidationError } from '../../src/errors.js';

/** The ValidationError a parse throws (fails the test if it does not throw one). */
function errorOf(parse: () => unknown): ValidationError {
  try {
    parse();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

const yaml = (text: string) => errorOf(() => parseYamlInventory(text, 'inv.yml'));
const ini = (text: string) => errorOf(() => parseIniInventory(text, 'inv.ini'));

describe('YAML inventory errors name file:line:col and what was expected', () => {
  it('a group that is not a mapping', () => {
    const err = yaml('all:\n  children:\n    web: [web1, web2]\n');
    expect(err.message).toMatch(/^inv\.yml:3:10: group 'web' must be a mapping with hosts, children or vars, got a list/);
  });

  it('hosts written as a list (the common mistake)', () => {
    const err = yaml('all:\n  children:\n    web:\n      hosts:\n        - web1\n        - web2\n');
    expect(err.message).toMatch(/^inv\.yml:5:9: hosts of group 'web' must be a mapping of host names, not a list/);
    expect(err.message).toContain('"name:" (with a colon');
  });

  it('host names without colons, folded into one string', () => {
    const err = yaml('web:\n  hosts:\n    web1\n    web2\n');
    expect(err.message).toMatch(/^inv\.yml:3:5: hosts of group 'web' must be a mapping of host names, got the string "web1 web2": end each host name with ":"/);
  });

  it('children written as a list', () => {
    const err = yaml('all:\n  children:\n    - web\n');
    expect(err.message).toMatch(/^inv\.yml:3:5: children of group 'all' must be a mapping of group names, not a list/);
  });

  it('an unknown key in a group, pointing at the key', () => {
    const err = yaml('all:\n  hosts:\n    h1:\n  web1:\n    ansible_host: 10.0.0.1\n');
    expect(err.message).toMatch(/^inv\.yml:4:3: unknown key 'web1' in group 'all': a group may only have hosts, children and vars/);
    expect(err.message).toContain('put it under "hosts:"');
    expect(yaml('web:\n  host:\n    web1:\n').message).toMatch(/^inv\.yml:2:3: unknown key 'host' in group 'web'/);
  });

  it('a group that is its own ancestor', () => {
    const err = yaml('a:\n  children:\n    b:\n      children:\n        c:\n          children:\n            a:\n');
    expect(err.message).toMatch(/^inv\.yml:7:13: group 'a' cannot be a child of 'c': that makes a cycle \(a → b → c → a\)/);
    expect(yaml('a:\n  children:\n    a:\n').message).toMatch(/^inv\.yml:3:5: .*cycle \(a → a\)/);
    expect(yaml('web:\n  children:\n    all:\n').message).toMatch(/^inv\.yml:3:5: group 'all' cannot be a child of 'web'/);
  });

  it('a cycle spread over two top-level groups', () => {
    const err = yaml('a:\n  children:\n    b:\nb:\n  children:\n    a:\n');
    expect(err.message).toMatch(/^inv\.yml:6:5: group 'a' cannot be a child of 'b': that makes a cycle \(a → b → a\)/);
  });

  it('host vars and group vars that are not mappings', () => {
    expect(yaml('web:\n  hosts:\n    web1: 10.0.0.1\n').message).toMatch(
      /^inv\.yml:3:11: vars of host 'web1' must be a mapping, got a string \("10\.0\.0\.1"\) \(to set its address, write "ansible_host: 10\.0\.0\.1" under it\)/,
    );
    expect(yaml('web:\n  vars:\n    - a: 1\n').message).toMatch(/^inv\.yml:3:5: vars of group 'web' must be a mapping/);
  });

  it('a bad host range, pointing at the host', () => {
    expect(yaml('web:\n  hosts:\n    web[01:3]:\n').message).toMatch(/^inv\.yml:3:5: host range '\[01:3\]'.*equal-length/);
  });

  it('YAML syntax errors and documents that are not an inventory', () => {
    expect(yaml('all:\n  hosts: [a\n').message).toMatch(/^inv\.yml:\d+:\d+: YAML syntax error/);
    expect(yaml('- web1\n- web2\n').message).toMatch(/^inv\.yml:1:1: inventory must be a mapping of groups/);
    expect(yaml('# nothing\n').message).toMatch(/^inv\.yml:1:1: inventory is empty/);
    expect(yaml('plugin: aws_ec2\n').message).toMatch(/^inv\.yml:1:1: inventory plugin configuration/);
  });
});

describe('INI inventory errors name file:line:col', () => {
  it('a host variable without =', () => {
    const err = ini('[web]\nweb1 ansible_port=22 sudo\n');
    expect(err.message).toMatch(/^inv\.ini:2:22: expected key=value host variable after host 'web1', got 'sudo'/);
  });

  it('an unknown section type', () => {
    expect(ini('[web:var]\nx=1\n').message).toMatch(/^inv\.ini:1:6: section \[web:var\] has unknown type 'var'/);
  });

  it('a malformed section header', () => {
    expect(ini('[web servers]\n').message).toMatch(/^inv\.ini:1:1: invalid section header '\[web servers\]'/);
    expect(ini('  [web] ; note\n').message).toMatch(/^inv\.ini:1:3: invalid section header/);
  });

  it('a child group that is never declared', () => {
    const err = ini('[site:children]\nweb\n  db\n[web]\nweb1\n');
    expect(err.message).toMatch(/^inv\.ini:3:3: \[site:children\] names group 'db', which is never declared/);
  });

  it('[group:vars] for a group that is never declared', () => {
    expect(ini('[web]\nweb1\n[db:vars]\nx=1\n').message).toMatch(/^inv\.ini:3:2: \[db:vars\] sets vars of group 'db', which is never declared/);
  });

  it('a vars line without =, an unclosed quote, a trailing colon, a YAML file', () => {
    expect(ini('[web:vars]\nx=1\njust words\n').message).toMatch(/^inv\.ini:3:1: expected key=value in \[web:vars\], got 'just words'/);
    expect(ini('web1 a="open\n').message).toMatch(/^inv\.ini:1:8: cannot parse host line: no closing quotation/);
    expect(ini('\n\nweb1:\n').message).toMatch(/^inv\.ini:3:5: host 'web1:' ends in ':'/);
    expect(ini('---\nall:\n').message).toMatch(/^inv\.ini:1:1: '---' starts a YAML document/);
  });

  it('a group cycle through [x:children]', () => {
    const err = ini('[a:children]\nb\n[b:children]\na\n');
    expect(err.message).toMatch(/^inv\.ini:4:1: group 'a' cannot be a child of 'b': that makes a cycle \(a → b → a\)/);
  });

  it('a bad host range', () => {
    expect(ini('[web]\n  web[a:3]\n').message).toMatch(/^inv\.ini:2:3: host range '\[a:3\]'/);
  });
});

describe('vars file errors', () => {
  it('name the file and position', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'remedy-inv-'));
    await writeFile(join(dir, 'inv.ini'), '[web]\nweb1\n');
    await mkdir(join(dir, 'group_vars'));
    await writeFile(join(dir, 'group_vars', 'web.yml'), '- a\n- b\n');
    await expect(loadInventory(join(dir, 'inv.ini'))).rejects.toThrow(
      `${join(dir, 'group_vars', 'web.yml')}:1:1: a vars file must be a mapping of variable names to values`,
    );
    await writeFile(join(dir, 'group_vars', 'web.yml'), 'a: [1\n');
    await expect(loadInventory(join(dir, 'inv.ini'))).rejects.toThrow(/web\.yml:\d+:\d+: YAML syntax error/);
  });
});

import { describe, it, expect } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseYamlInventory } from '../../src/inventory/yaml-inventory.js';
import {
  HostPatternError,
  limitHosts,
  selectHosts,
  splitHostPattern,
  unmatchedPatternParts,
} from '../../src/inventory/patterns.js';

const inv = parseYamlInventory(
  `all:
  hosts:
    "2001:db8::1":
    bastion:
  children:
    web:
      hosts: { web1: , web2: , web3.example.com: }
    db:
      hosts: { db1: , db2: }
    prod:
      hosts: { db1: , web1: }
    staging:
      hosts: { web2: , db2: }
    empty:
    site:
      children: { web: , db: }
`,
  'patterns.yml',
);
const sel = (pattern: string | string[]) => selectHosts(inv, pattern);
const ALL = ['2001:db8::1', 'bastion', 'web1', 'web2', 'web3.example.com', 'db1', 'db2'];

describe('selectHosts: single parts', () => {
  it('all and * select every host', () => {
    expect(sel('all')).toEqual(ALL);
    expect(sel('*')).toEqual(ALL);
  });

  it('a group selects its hosts and its descendants hosts', () => {
    expect(sel('web')).toEqual(['web1', 'web2', 'web3.example.com']);
    expect(sel('site')).toEqual(['web1', 'web2', 'web3.example.com', 'db1', 'db2']);
    expect(sel('ungrouped')).toEqual(['2001:db8::1', 'bastion']);
    expect(sel('empty')).toEqual([]);
  });

  it('a host name selects that host', () => {
    expect(sel('web2')).toEqual(['web2']);
    expect(sel('web3.example.com')).toEqual(['web3.example.com']);
  });

  it('globs match group names and host names', () => {
    expect(sel('web*')).toEqual(['web1', 'web2', 'web3.example.com']);
    expect(sel('*.example.com')).toEqual(['web3.example.com']);
    expect(sel('db?')).toEqual(['db1', 'db2']);
    expect(sel('db[!1]')).toEqual(['db2']);
    expect(sel('s*')).toEqual(['web1', 'web2', 'web3.example.com', 'db1', 'db2']); // groups site and staging
  });

  it('~regex is anchored at the start only (Python re.match)', () => {
    expect(sel('~^web\\d+')).toEqual(['web1', 'web2', 'web3.example.com']);
    expect(sel('~web\\d$')).toEqual(['web1', 'web2']);
    expect(sel('~(?i)BASTION')).toEqual(['bastion']);
    expect(sel('~(?P<n>db)\\d')).toEqual(['db1', 'db2']);
    expect(() => sel('~web(')).toThrow(HostPatternError);
  });

  it('subscripts pick from a part, by index or inclusive range', () => {
    expect(sel('web[0]')).toEqual(['web1']);
    expect(sel('web[-1]')).toEqual(['web3.example.com']);
    expect(sel('web[1:]')).toEqual(['web2', 'web3.example.com']);
    expect(sel('web[0:1]')).toEqual(['web1', 'web2']);
    expect(() => sel('web[5]')).toThrow(/No hosts matched the subscripted pattern 'web\[5\]'/); // as ansible-playbook says
    expect(sel('web[5:]')).toEqual([]); // a slice past the end is empty
  });

  it('an IPv6 literal is one host, never split on ":"', () => {
    expect(splitHostPattern('2001:db8::1')).toEqual(['2001:db8::1']);
    expect(sel('2001:db8::1')).toEqual(['2001:db8::1']);
    expect(sel('2001:db8::1,bastion')).toEqual(['2001:db8::1', 'bastion']);
  });

  it('a pattern that matches nothing selects nothing', () => {
    expect(sel('nosuch')).toEqual([]);
    expect(sel('nosuch*')).toEqual([]);
  });
});

describe('selectHosts: combined parts', () => {
  it('unions with ":" or "," in inventory order', () => {
    expect(sel('db:web')).toEqual(['web1', 'web2', 'web3.example.com', 'db1', 'db2']);
    expect(sel('db, bastion')).toEqual(['bastion', 'db1', 'db2']);
    expect(sel('db1:db1:db')).toEqual(['db1', 'db2']);
    expect(sel(['db', 'bastion'])).toEqual(['bastion', 'db1', 'db2']);
  });

  it('intersects with &', () => {
    expect(sel('web:&prod')).toEqual(['web1']);
    expect(sel('site:&prod:&staging')).toEqual([]);
    expect(sel('&prod')).toEqual(['web1', 'db1']);
  });

  it('excludes with !', () => {
    expect(sel('web:!web1')).toEqual(['web2', 'web3.example.com']);
    expect(sel('!web')).toEqual(['2001:db8::1', 'bastion', 'db1', 'db2']);
    // With an IPv6 literal among several parts, only commas can separate (as in Ansible).
    expect(sel('all,!site,!2001:db8::1')).toEqual(['bastion']);
  });

  it('applies unions, then intersections, then exclusions, whatever the written order', () => {
    expect(sel('!web1:web')).toEqual(['web2', 'web3.example.com']);
    expect(sel('&prod:web:db')).toEqual(['web1', 'db1']);
    expect(sel('!prod:&site:bastion:staging')).toEqual(['web2', 'db2']);
    expect(sel('web:!staging:db:&prod')).toEqual(['web1', 'db1']);
  });
});

describe('unmatchedPatternParts', () => {
  it('lists the parts that match no group and no host, as written', () => {
    expect(unmatchedPatternParts(inv, 'web:nosuch:!nothing:&prod')).toEqual(['nosuch', '!nothing']);
    expect(unmatchedPatternParts(inv, 'empty,all,web[9]')).toEqual([]);
  });
});

describe('limitHosts', () => {
  it('keeps selected hosts that the limit also matches, in the selected order', () => {
    expect(limitHosts(sel('site'), inv, 'web:!web2')).toEqual(['web1', 'web3.example.com']);
    expect(limitHosts(['db2', 'db1'], inv, 'db*')).toEqual(['db2', 'db1']);
    expect(limitHosts(sel('all'), inv, 'nosuch')).toEqual([]);
  });

  it('reads @file limits, one pattern per line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'remedy-limit-'));
    const file = join(dir, 'retry');
    await writeFile(file, 'web2\n\n  db*  \n');
    expect(limitHosts(sel('all'), inv, `@${file}`)).toEqual(['web2', 'db1', 'db2']);
    expect(limitHosts(sel('all'), inv, `@${file},!db2`)).toEqual(['web2', 'db1']);
    expect(() => limitHosts([], inv, `@${join(dir, 'missing')}`)).toThrow(/limit file not found/);
  });
});

describe('host and group with the same name', () => {
  it('a plain part means the host; &/! parts mean the group (as in Ansible)', () => {
    const clash = parseYamlInventory('web:\n  hosts: { web: , a: }\nother:\n  hosts: { b: }\n', 'c.yml');
    expect(selectHosts(clash, 'web')).toEqual(['web']);
    expect(selectHosts(clash, 'all:!web')).toEqual(['b']);
  });
});

// Inventories as people write them, for the differential test against ansible-inventory --list.
// Each case is a set of files; `entry` is what -i names ('.' = the directory itself).
export interface InventoryCase {
  id: string;
  files: Record<string, string>;
  entry: string;
}

const yml = (id: string, text: string): InventoryCase => ({ id, files: { 'hosts.yml': text }, entry: 'hosts.yml' });
const ini = (id: string, text: string): InventoryCase => ({ id, files: { hosts: text }, entry: 'hosts' });
const dir = (id: string, files: Record<string, string>): InventoryCase => ({ id, files, entry: '.' });

export const INVENTORIES: InventoryCase[] = [
  // ---- YAML 1.1 values
  yml('yaml-booleans', 'all:\n  hosts:\n    h1: {a: no, b: yes, c: on, d: off, e: True, f: FALSE, g: y, h: n, i: Yes, j: NO}\n'),
  yml('yaml-octal-ints', 'all:\n  hosts:\n    h1: {mode: 0644, umask: 022, zero: 0, dec: 644, neg: -017, nine: 09}\n'),
  yml('yaml-base-ints', 'all:\n  hosts:\n    h1: {bin: 0b1010, hex: 0x1F, under: 1_000_000, sexa: 190:20:30, port: 2222}\n'),
  yml('yaml-floats', 'all:\n  hosts:\n    h1: {a: 1.5, b: 1.5e3, c: 1.5e+3, d: .5, e: 1., f: 1:30.5, g: -.5, h: 3.0}\n'),
  yml('yaml-inf-nan', 'all:\n  hosts:\n    h1: {inf: .inf, ninf: -.Inf, nan: .nan}\n'),
  yml('yaml-nulls', 'all:\n  hosts:\n    h1: {a: ~, b: null, c: Null, d: NULL, e: , f: nULL}\n'),
  yml('yaml-dates', 'all:\n  hosts:\n    h1: {day: 2024-01-02, loose: 2024-1-2, version: 1.2.3}\n'),
  yml('yaml-datetime', 'all:\n  hosts:\n    h1: {at: 2024-01-02 10:20:30}\n'),
  yml('yaml-quoted', 'all:\n  hosts:\n    h1: {a: "no", b: \'0644\', c: "2024-01-02", d: !!str yes, e: "~"}\n'),
  yml('yaml-group-vars-bool', 'all:\n  vars: {ansible_become: yes, use_proxy: off}\n  children:\n    web:\n      hosts: {w1: , w2: {use_proxy: on}}\n'),
  yml('yaml-lists-dicts', 'all:\n  hosts:\n    h1:\n      users: [alice, bob]\n      flags: [yes, no, 0644]\n      nested: {a: {b: [1, {c: off}]}}\n'),
  yml('yaml-anchors-merge', 'all:\n  vars:\n    base: &b {port: 22, strict: yes}\n  hosts:\n    h1:\n      conf:\n        <<: *b\n        port: 2222\n'),
  yml('yaml-multiline', 'all:\n  hosts:\n    h1:\n      motd: |\n        line one\n        line two\n      folded: >\n        a\n        b\n'),
  yml('yaml-numeric-keys', 'all:\n  hosts:\n    h1:\n      ports: {22: ssh, 0644: mode}\n'),
  yml('json-inventory', '{"all": {"hosts": {"h1": {"a": "no", "b": false, "c": 1.0}}}}\n'),

  // ---- INI values (ast.literal_eval, not YAML)
  ini('ini-booleans-stay-strings', '[web]\nw1 a=no b=yes c=True d=false e=on\n'),
  ini('ini-numbers', '[web]\nw1 port=2222 mode=0644 under=1_000 hex=0x1F f=1.5 neg=-3\n'),
  ini('ini-python-literals', "[web]\nw1 l=[1,2] t=None d=\"{'a': 1}\" s=\"'quoted'\"\n"),
  ini('ini-quotes', '[web]\nw1 a="two words" b=\'single\' c="22"\n'),
  ini('ini-group-vars', '[web]\nw1\n[web:vars]\nflag=no\nport=22\nmode=0644\nlist=[1, "a"]\n'),
  ini('ini-children', '[web]\nw1\n[db]\nd1\n[prod:children]\nweb\ndb\n[prod:vars]\nenv=prod\n'),
  ini('ini-ranges', '[web]\nweb[01:03].example.com\n[db]\ndb-[a:c]\n'),
  ini('ini-host-port', '[web]\nw1:2222\n10.0.0.5:2200 ansible_user=ops\n'),
  ini('ini-ungrouped', 'loose1\nloose2 ansible_host=198.18.0.9\n[web]\nw1\n'),
  ini('ini-comments', '# comment\n; another\n[web]\nw1 a=1 # trailing\nw2\n'),
  ini('ini-group-priority', '[a]\nh1\n[b]\nh1\n[a:vars]\nx=from_a\nansible_group_priority=10\n[b:vars]\nx=from_b\n'),
  ini('ini-dates', '[web]\nw1 day=2024-01-02 ver=1.2.3\n'),

  // ---- structure
  yml('yaml-children-depth', 'all:\n  children:\n    prod:\n      vars: {x: prod}\n      children:\n        web:\n          vars: {x: web}\n          hosts: {w1: }\n'),
  yml('yaml-host-in-two-groups', 'all:\n  children:\n    a:\n      vars: {x: a}\n      hosts: {h1: }\n    b:\n      vars: {x: b}\n      hosts: {h1: }\n'),
  yml('yaml-group-priority', 'all:\n  children:\n    a:\n      vars: {x: a, ansible_group_priority: 5}\n      hosts: {h1: }\n    b:\n      vars: {x: b}\n      hosts: {h1: }\n'),
  yml('yaml-host-priority-var', 'all:\n  hosts:\n    h1: {ansible_group_priority: 3}\n'),
  yml('yaml-ranges', 'all:\n  hosts:\n    web[1:3]:\n    db[a:b].example.com: {role: db}\n'),
  yml('yaml-host-port', 'all:\n  hosts:\n    h1:2222:\n    "[2001:db8::1]:2200":\n'),
  yml('yaml-empty-groups', 'all:\n  children:\n    empty:\n    web:\n      hosts:\n        w1:\n'),
  yml('yaml-top-level-groups', 'web:\n  hosts: {w1: }\ndb:\n  hosts: {d1: }\n  vars: {port: 5432}\n'),
  yml('yaml-host-vars-override', 'all:\n  vars: {x: all}\n  children:\n    web:\n      vars: {x: web}\n      hosts:\n        w1: {x: host}\n        w2:\n'),
  yml('yaml-localhost', 'all:\n  hosts:\n    localhost: {ansible_connection: local}\n'),

  // ---- directories, group_vars, host_vars
  dir('dir-mixed-files', { 'a.yml': 'all:\n  hosts: {h1: }\n', 'b': '[web]\nw1\n', 'skipped.ini': '[db]\nd1\n', 'notes.md': '# no\n' }),
  dir('dir-ini-ignored', { 'hosts.ini': '[web]\nw1\n', 'main.yaml': 'all:\n  hosts: {h2: }\n' }),
  dir('dir-group-vars', { 'hosts': '[web]\nw1\n', 'group_vars/web.yml': 'flag: no\nmode: 0644\n', 'group_vars/all.yml': 'ntp: pool.ntp.org\nflag: yes\n' }),
  dir('dir-host-vars', { 'hosts.yml': 'all:\n  hosts: {h1: {a: 1}}\n', 'host_vars/h1.yml': 'a: 2\nwhen_ok: on\n' }),
  dir('dir-vars-dir', { 'hosts': 'h1\n', 'host_vars/h1/a.yml': 'x: 1\ny: no\n', 'host_vars/h1/b.yaml': 'x: 2\n' }),
  dir('dir-vars-no-ext', { 'hosts': '[web]\nw1\n', 'group_vars/web': 'x: 0644\n' }),
  dir('dir-vars-json', { 'hosts': '[web]\nw1\n', 'group_vars/web.json': '{"x": "no", "y": false}\n' }),
  dir('dir-vars-beat-inline', { 'hosts': '[web]\nw1\n[web:vars]\nx=inline\n[all:vars]\nx=all_inline\n', 'group_vars/all.yml': 'x: group_vars_all\n' }),
  dir('dir-priority-in-group-vars', { 'hosts': '[a]\nh1\n[b]\nh1\n', 'group_vars/a.yml': 'x: a\nansible_group_priority: 9\n', 'group_vars/b.yml': 'x: b\n' }),
  dir('dir-subdir', { 'prod/hosts.yml': 'prod:\n  hosts: {p1: }\n', 'stage/hosts': '[stage]\ns1\n' }),
  dir('dir-dates-in-vars', { 'hosts': 'h1\n', 'host_vars/h1.yml': 'since: 2023-12-31\nuntil: "2024-01-01"\n' }),
  dir('dir-empty-vars-file', { 'hosts': 'h1\n', 'host_vars/h1.yml': '' }),
];

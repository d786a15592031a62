// Task-structure cases for the differential test (test/oracle/ansible-blocks.test.ts): blocks
// with rescue/always, inherited keywords, imports, tags and their specials, flush_handlers.
// Only controller-side modules (debug, fail, assert), so both tools change nothing.

export interface BlockCase {
  id: string;
  /** The play's body after `connection: local` / `gather_facts: false` (YAML, 2-space indented). */
  play: string;
  /** Extra files beside the playbook (name → text). */
  files?: Record<string, string>;
  /** ansible-playbook / remedy apply arguments (tags). */
  args?: string[];
}

const OK = (n: string, extra = '') => `    - name: ${n}\n      debug: { msg: ${n} }\n${extra}`;
const FAIL = (n: string, extra = '') => `    - name: ${n}\n      fail: { msg: boom }\n${extra}`;
const indent = (text: string, by: number) => text.split('\n').map((l) => (l ? ' '.repeat(by) + l : l)).join('\n');

/** A block at task level: its keyword lines, then its sections (each a list of task texts). */
function block(keys: string, sections: { block: string[]; rescue?: string[]; always?: string[] }): string {
  let out = `    - ${keys ? `${keys}\n      ` : ''}block:\n${indent(sections.block.join(''), 4)}`;
  if (sections.rescue) out += `      rescue:\n${indent(sections.rescue.join(''), 4)}`;
  if (sections.always) out += `      always:\n${indent(sections.always.join(''), 4)}`;
  return out;
}

const tasks = (...t: string[]) => `  tasks:\n${t.join('')}`;
const INCLUDED = OK('i1').replace(/^ {4}/gm, '') + OK('i2', '      tags: inc\n').replace(/^ {4}/gm, '') + OK('i3', '      tags: other\n').replace(/^ {4}/gm, '');

export const BLOCK_CASES: BlockCase[] = [
  { id: 'rescue takes the failure', play: tasks(OK('before'), block('name: b', { block: [OK('b1'), FAIL('b2'), OK('b3')], rescue: [OK('r1')], always: [OK('a1')] }), OK('after')) },
  { id: 'the rescue fails too', play: tasks(block('name: b', { block: [FAIL('b1')], rescue: [OK('r1'), FAIL('r2'), OK('r3')], always: [OK('a1')] }), OK('after')) },
  { id: 'always without rescue', play: tasks(block('', { block: [OK('b1'), FAIL('b2')], always: [OK('a1'), OK('a2')] }), OK('after')) },
  { id: 'always fails after success', play: tasks(block('', { block: [OK('b1')], rescue: [OK('r1')], always: [FAIL('a1'), OK('a2')] }), OK('after')) },
  { id: 'nested: the outer rescue takes the inner failure', play: tasks(block('name: outer', { block: [block('name: inner', { block: [FAIL('i1'), OK('i2')], always: [OK('ia')] }), OK('o2')], rescue: [OK('or')], always: [OK('oa')] }), OK('after')) },
  { id: 'nested: the inner rescue fails, the outer takes it', play: tasks(block('', { block: [block('', { block: [FAIL('i1')], rescue: [FAIL('ir')] }), OK('o2')], rescue: [OK('or')] }), OK('after')) },
  { id: 'block when false skips every section', play: tasks(block('when: false', { block: [OK('b1'), FAIL('b2')], rescue: [OK('r1')], always: [OK('a1')] }), OK('after')) },
  { id: 'block when joins the task when', play: `  vars: { x: 1 }\n` + tasks(block('when: x == 1', { block: [OK('b1', '      when: x == 2\n'), OK('b2', '      when: x == 1\n')] })) },
  { id: 'block vars under task vars', play: tasks(block('vars: { v: outer, w: block }', { block: [`    - name: t\n      vars: { v: task }\n      assert: { that: [ "v == 'task'", "w == 'block'" ] }\n`] })) },
  { id: 'ignore_errors on a block', play: tasks(block('ignore_errors: true', { block: [FAIL('b1'), OK('b2'), FAIL('b3', '      ignore_errors: false\n')], rescue: [OK('r1')] }), OK('after')) },
  { id: 'ansible_failed_task and ansible_failed_result in rescue', play: tasks(block('', { block: [FAIL('the failing one')], rescue: [`    - name: check\n      assert: { that: [ "ansible_failed_task.name == 'the failing one'", "ansible_failed_result.msg == 'boom'", "ansible_failed_result.failed" ] }\n`] })) },
  { id: 'failure after the block is not rescued by it', play: tasks(block('', { block: [OK('b1')], rescue: [OK('r1')] }), FAIL('after'), OK('never')) },
  { id: 'tags inherited from the block', args: ['--tags', 'web'], play: tasks(OK('t0'), block('tags: web', { block: [OK('b1'), OK('b2', '      tags: db\n')], rescue: [OK('r1')] }), OK('t3', '      tags: [db, web]\n')) },
  { id: 'always and never tags', args: ['--tags', 'db'], play: tasks(OK('t0', '      tags: always\n'), OK('t1', '      tags: [never, db]\n'), OK('t2', '      tags: never\n'), OK('t3', '      tags: db\n'), OK('t4')) },
  { id: 'no --tags: never is skipped', play: tasks(OK('t0', '      tags: always\n'), OK('t1', '      tags: [never, db]\n'), OK('t2')) },
  { id: '--skip-tags with a block', args: ['--skip-tags', 'web'], play: tasks(OK('t0'), block('tags: web', { block: [OK('b1')], always: [OK('a1')] }), OK('t2', '      tags: db\n')) },
  { id: '--tags tagged', args: ['--tags', 'tagged'], play: tasks(OK('t0'), OK('t1', '      tags: x\n'), OK('t2', '      tags: [never, x]\n'), OK('t3', '      tags: always\n')) },
  { id: '--tags untagged', args: ['--tags', 'untagged'], play: tasks(OK('t0'), OK('t1', '      tags: x\n'), OK('t3', '      tags: always\n')) },
  { id: '--skip-tags all keeps always', args: ['--skip-tags', 'all'], play: tasks(OK('t0'), OK('t1', '      tags: x\n'), OK('t3', '      tags: always\n')) },
  { id: '--skip-tags tagged', args: ['--skip-tags', 'tagged'], play: tasks(OK('t0'), OK('t1', '      tags: x\n'), OK('t3', '      tags: always\n')) },
  { id: 'play tags', args: ['--tags', 'p'], play: `  tags: p\n` + tasks(OK('t0'), OK('t1', '      tags: x\n')) },
  {
    id: 'import_tasks with when, vars and tags', args: ['--tags', 'imp'],
    files: { 'more.yml': OK('i1').replace(/^ {4}/gm, '') + OK('i2', '      when: v == 2\n').replace(/^ {4}/gm, '') },
    play: tasks(OK('t0'), `    - import_tasks: more.yml\n      vars: { v: 2 }\n      tags: imp\n`, OK('t2')),
  },
  {
    id: 'a failure in imported tasks is rescued', files: { 'bad.yml': FAIL('i1').replace(/^ {4}/gm, '') + OK('i2').replace(/^ {4}/gm, '') },
    play: tasks(block('', { block: ['    - import_tasks: bad.yml\n'], rescue: [OK('r1')] }), OK('after')),
  },
  {
    id: 'flush_handlers runs notified handlers at once',
    play: tasks(OK('t0', '      changed_when: true\n      notify: h\n'), '    - meta: flush_handlers\n', OK('t1', '      changed_when: true\n      notify: h\n'), OK('t2'))
      + `  handlers:\n    - name: h\n      debug: { msg: h }\n`,
  },
  {
    id: 'handlers of pre_tasks run before tasks',
    play: `  pre_tasks:\n${OK('p0', '      changed_when: true\n      notify: h\n')}` + tasks(OK('t0')) + `  post_tasks:\n${OK('q0', '      changed_when: true\n      notify: h\n')}`
      + `  handlers:\n    - name: h\n      debug: { msg: h }\n`,
  },
  {
    id: 'a rescued host still runs its handlers',
    play: tasks(block('', { block: [OK('b1', '      changed_when: true\n      notify: h\n'), FAIL('b2')], rescue: [OK('r1')] }))
      + `  handlers:\n    - name: h\n      debug: { msg: h }\n`,
  },
  { id: 'end_host', play: tasks(OK('t0'), '    - meta: end_host\n      when: true\n', OK('t1')) },
  {
    id: 'end_host: notified handlers do not run', play: tasks(OK('t0', '      changed_when: true\n      notify: h\n'), '    - meta: end_host\n', OK('t1'))
      + `  handlers:\n    - name: h\n      debug: { msg: h }\n`,
  },
  { id: 'end_host when false goes on', play: `  vars: { stop: no }\n` + tasks(OK('t0'), '    - meta: end_host\n      when: stop\n', OK('t1')) },
  { id: 'include_tasks', files: { 'inc.yml': INCLUDED }, play: tasks(OK('t0'), '    - include_tasks: inc.yml\n', OK('t2')) },
  { id: 'include_tasks: its tags are its own', args: ['--tags', 'inc'], files: { 'inc.yml': INCLUDED }, play: tasks(OK('t0'), '    - include_tasks: inc.yml\n      tags: inc\n', OK('t2')) },
  { id: 'include_tasks: not selected, none of its tasks run', args: ['--tags', 'other'], files: { 'inc.yml': INCLUDED }, play: tasks(OK('t0'), '    - include_tasks: inc.yml\n      tags: inc\n', OK('t2')) },
  { id: 'include_tasks: when decided once', files: { 'inc.yml': INCLUDED }, play: tasks('    - name: the include\n      include_tasks: inc.yml\n      when: false\n', OK('t2')) },
  { id: 'include_tasks: vars reach its tasks', files: { 'inc.yml': '- name: i\n  assert: { that: "v == 3" }\n' }, play: tasks('    - include_tasks: { file: inc.yml }\n      vars: { v: 3 }\n') },
  {
    id: 'include_tasks from an included file, relative to it',
    files: { 'sub/a.yml': '- include_tasks: b.yml\n', 'sub/b.yml': OK('from b').replace(/^ {4}/gm, '') },
    play: tasks('    - include_tasks: sub/a.yml\n'),
  },
];

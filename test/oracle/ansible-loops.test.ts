// remedy's loops and key=value task arguments judged by ansible-playbook: each case is a task
// of ONE run against localhost (connection: local) whose items (or rendered msg) a second task
// prints as JSON; remedy loads the same file and computes the same from its model. Any
// disagreement fails. Skipped, loudly, where ansible-core is not installed.
import { describe, it, expect } from 'vitest';
import { loadPlaybook } from '../../src/playbook/load.js';
import { renderDeep } from '../../src/playbook/template.js';
import { loopItems } from '../../src/playbook/loops.js';
import { ansibleInstalled, linesByTask, localPlaybook, runAnsible, tally, warnSkipped, withTempFile } from './ansible/run.js';

const VARS = `
    a: [1, [2, [3]], x]
    b: [p, q]
    c: []
    d: {k1: v1, k2: 2}
    ds: [{u: 1}, {w: 2}]
    n: 4
    name: world
`;

/** A loop keyword and its value as YAML, or a k=v debug string. */
const LOOPS = [
  'with_items: "{{ a }}"', 'with_items: [[1, 2], 3, [[4]]]', 'with_items: foo', 'with_items: "{{ c }}"', 'with_items: ["{{ b }}", z]',
  'with_list: "{{ a }}"', 'with_list: [[1, 2], 3]', 'with_list: foo',
  'with_together: ["{{ a }}", "{{ b }}"]', 'with_together: ["{{ b }}", [1, 2, 3], [y]]', 'with_together: ["{{ b }}"]',
  'with_dict: "{{ d }}"', 'with_dict: {x: 1, y: [2]}', 'with_dict: "{{ b }}"', 'with_dict: "{{ ds }}"',
  'with_indexed_items: "{{ a }}"', 'with_indexed_items: [p, [q, r]]',
  'with_sequence: "start=1 end=10 stride=4 format=h%02d"', 'with_sequence: count=3', 'with_sequence: "2-6/2:x%d"',
  'with_sequence: "start=5 end=1 stride=-2"', 'with_sequence: "start=5 end=1"', 'with_sequence: "start=0x0f00 count=4 format=%04x"',
  'with_sequence: "start=0 count=5 stride=2"', 'with_sequence: "count=0"', 'with_sequence: "5"', 'with_sequence: "end={{ n }}"',
  'with_sequence: ["1-2", "start=7 end=8"]', 'with_sequence: "start=1"', 'with_sequence: "end=3 count=2"', 'with_sequence: "end=3 format=%d%d"',
  'with_sequence: "end=3 bogus=1"', 'with_sequence: "start=010 end=12"', 'with_sequence: "end=2 format=%s!"',
  'with_nested: ["{{ b }}", [1, 2]]', 'with_nested: [[a, b], [1, 2], [x]]', 'with_nested: [[[1, 2], 3], [y]]',
  'loop: "{{ a }}"', 'loop: "{{ d | dict2items }}"', 'with_sequence: "end=3 format=%#06x"', 'with_sequence: "end=12 format=%03o"',
];
const KV = [
  'msg="hi {{ name }}"', "msg='a  b'", 'msg=plain', 'msg="tab\\there"', 'msg="{{ b | join(\',\') }}"', 'msg="x=1"', 'msg={{ n + 1 }}',
];

const installed = ansibleInstalled();
if (!installed) warnSkipped('test/oracle/ansible-loops.test.ts');

function playbookText(): string {
  const cases = [
    ...LOOPS.map((l, i) => `    - name: case-${i}\n      debug: {var: item}\n      ${l}\n      register: r\n      ignore_errors: true\n`),
    ...KV.map((k, i) => `    - name: case-${LOOPS.length + i}\n      debug: ${k}\n      register: r\n      ignore_errors: true\n`),
  ];
  const out = `      debug:\n        msg: "{{ ((r.results | map(attribute='item') | list) if r.results is defined else r.msg) | to_json if r is not failed else 'ERROR' }}"\n`;
  return localPlaybook(VARS, cases.map((c, i) => `${c}    - name: out-${i}\n${out}`).join(''));
}

/** Under `TASK [out-N]`: the printed msg (JSON of the items), or ERROR. */
function ansibleOutputs(out: string): Map<string, unknown> {
  const found = new Map<string, unknown>();
  for (const [task, lines] of linesByTask(out)) {
    if (!task.startsWith('out-')) continue;
    const m = lines.map((l) => /^\s+"msg": (.*)$/.exec(l)).find((x) => x);
    if (!m) continue;
    const text = JSON.parse(m[1]!) as string;
    found.set(task, text === 'ERROR' ? 'ERROR' : JSON.parse(text));
  }
  return found;
}

describe.skipIf(!installed)('loops and k=v arguments, judged by ansible-playbook', () => {
  it(`${LOOPS.length} loops and ${KV.length} k=v strings: the same items and messages`, () => withTempFile('loops.yml', playbookText(), async (file) => {
    const run = await runAnsible('ansible-playbook', ['-i', 'localhost,', file], { ANSIBLE_STDOUT_CALLBACK: 'default' });
    expect(run.stdout.trim(), run.stderr).not.toBe('');
    const theirs = ansibleOutputs(run.stdout);
    const play = (await loadPlaybook(file)).plays[0]!;
    const vars = { ...play.vars, inventory_hostname: 'localhost' };
    const results = [...LOOPS, ...KV].map((id, i) => {
      const task = play.tasks[2 * i]!;
      let mine: unknown;
      try {
        mine = task.loopKind ? loopItems(task.loopKind, renderDeep(task.loop, vars)) : renderDeep(task.args.msg, vars);
      } catch {
        mine = 'ERROR';
      }
      const want = theirs.get(`out-${i}`);
      return { id, agree: JSON.stringify(mine) === JSON.stringify(want), detail: `remedy ${JSON.stringify(mine)}, ansible ${JSON.stringify(want)}` };
    });
    expect(tally('loops and k=v', results, {})).toEqual([]);
  }), 600_000);
});

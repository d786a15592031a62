// Tag selection as Ansible's evaluate_tags decides it, pruning blocks, and the --list-tasks /
// --list-hosts layout (the oracle test compares it with ansible-playbook's own).
import { describe, it, expect } from 'vitest';
import { parsePlaybook } from '../../src/playbook/load.js';
import { selected, selectPlay, DEFAULT_SELECTION } from '../../src/playbook/tags.js';
import { formatListing } from '../../src/report/playbook-listing.js';

const sel = (only: string[], skip: string[] = []) => ({ only, skip });

describe('selected (Ansible 2.14 evaluate_tags)', () => {
  const cases: Array<[string[], string[], string[], boolean]> = [
    // tags, --tags, --skip-tags, runs
    [[], ['all'], [], true],
    [['never'], ['all'], [], false],
    [['never', 'x'], ['x'], [], true],
    [['always'], ['x'], [], true],
    [['always'], ['all'], ['always'], false],
    [['always'], ['all'], ['all'], true],
    [['y'], ['all'], ['all'], false],
    [[], ['untagged'], [], true],
    [['y'], ['untagged'], [], false],
    [['y'], ['tagged'], [], true],
    [[], ['tagged'], [], false],
    [['never', 'y'], ['tagged'], [], false],
    [['y'], ['all'], ['tagged'], false],
    [[], ['all'], ['tagged'], true],
    [['y', 'z'], ['all'], ['z'], false],
    [['y'], ['x', 'y'], [], true],
  ];
  it.each(cases)('tags %j, --tags %j, --skip-tags %j: %s', (tags, only, skip, runs) => {
    expect(selected(tags, sel(only, skip))).toBe(runs);
  });
});

const PB = `- hosts: web
  name: fix web
  tags: p
  tasks:
    - name: one
      command: a
      tags: x
    - block:
        - name: two
          command: b
          tags: never
      rescue:
        - name: three
          command: c
          tags: x
      always:
        - name: four
          command: d
    - meta: flush_handlers
`;

describe('selectPlay', () => {
  it('keeps the selected tasks, drops blocks left empty, keeps the implicit flush', () => {
    const play = parsePlaybook(PB, 'pb.yml').plays[0]!;
    expect(selectPlay(play, DEFAULT_SELECTION).tasks.map((t) => t.name)).toEqual(['one', 'three', 'four']);
    expect(selectPlay(play, sel(['x'])).tasks.map((t) => t.name)).toEqual(['one', 'three']);
    expect(selectPlay(play, sel(['all'], ['p'])).steps).toEqual([]);
  });
});

describe('formatListing', () => {
  it('prints ansible-playbook\'s layout: block sections only, meta by name, hosts after the pattern', () => {
    const play = selectPlay(parsePlaybook(PB, 'pb.yml').plays[0]!, DEFAULT_SELECTION);
    expect(formatListing('pb.yml', [{ play, hosts: ['w1', 'w2'] }], { tasks: true, hosts: true })).toBe([
      '',
      'playbook: pb.yml',
      '',
      '  play #1 (web): fix web\tTAGS: [p]',
      "    pattern: ['web']",
      '    hosts (2):',
      '      w1',
      '      w2',
      '    tasks:',
      '      one\tTAGS: [p, x]',
      '      meta\tTAGS: [p]',
    ].join('\n'));
  });
});

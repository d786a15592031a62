import { describe, it, expect } from 'vitest';
import { parsePlaybook } from '../../src/playbook/load.js';
import { loopItems, pyInt0 } from '../../src/playbook/loops.js';
import { validationMessages } from './support/validation.js';

const errorsOf = (text: string): string[] => validationMessages(() => parsePlaybook(text, 'pb.yml'));
const task = (yaml: string) => parsePlaybook(`- hosts: all\n  tasks:\n${yaml}`, 'pb.yml').plays[0]!.tasks[0]!;

describe('loop keywords', () => {
  it('each with_* is a loop of its kind', () => {
    const t = task(`    - debug: {var: item}\n      with_dict: "{{ d }}"\n`);
    expect([t.loopKind, t.loop]).toEqual(['dict', '{{ d }}']);
    expect(task(`    - debug: {var: item}\n      loop: [1]\n`).loopKind).toBe('loop');
  });
  it('two loop keywords are refused at the second, file:line:col', () => {
    expect(errorsOf(`- hosts: all\n  tasks:\n    - debug: {var: item}\n      loop: [1]\n      with_items: [2]\n`))
      .toEqual([expect.stringMatching(/^pb\.yml:5:7: 'loop' and 'with_items' are both loops/)]);
  });
  it('a with_* remedy lacks is named, not taken for a module', () => {
    expect(errorsOf(`- hosts: all\n  tasks:\n    - debug: {var: item}\n      with_fileglob: '*.conf'\n`))
      .toEqual([expect.stringMatching(/^pb\.yml:4:7: 'with_fileglob' is not supported/)]);
    expect(errorsOf(`- hosts: all\n  tasks:\n    - debug: {var: item}\n      with_flattened: [1]\n`))
      .toEqual([expect.stringMatching(/flatten/)]);
  });
  it('template errors in with_* terms are found at load', () => {
    expect(errorsOf(`- hosts: all\n  tasks:\n    - debug: {var: item}\n      with_together: ["{{ a", [1]]\n`)).toEqual([expect.stringMatching(/^pb\.yml:4:/)]);
  });
});

describe('loop items, as the lookups give them', () => {
  it('with_items flattens one level, with_list none', () => {
    expect(loopItems('items', [[1, [2]], 3])).toEqual([1, [2], 3]);
    expect(loopItems('list', [[1, [2]], 3])).toEqual([[1, [2]], 3]);
    expect(loopItems('items', 'foo')).toEqual(['foo']);
  });
  it('with_together pads with None, with_nested is the product', () => {
    expect(loopItems('together', [[1, 2], ['a']])).toEqual([[1, 'a'], [2, null]]);
    expect(loopItems('nested', [['a', 'b'], [1, 2]])).toEqual([['a', 1], ['a', 2], ['b', 1], ['b', 2]]);
  });
  it('with_dict gives key/value, with_indexed_items [index, item]', () => {
    expect(loopItems('dict', { x: 1 })).toEqual([{ key: 'x', value: 1 }]);
    expect(() => loopItems('dict', [1])).toThrow(/expects a dict/);
    expect(loopItems('indexed_items', ['a', ['b']])).toEqual([[0, 'a'], [1, 'b']]);
  });
  it('with_sequence: strings, both forms, Ansible\'s errors', () => {
    expect(loopItems('sequence', 'start=0x0f00 count=2 format=%04x')).toEqual(['0f00', '0f01']);
    expect(loopItems('sequence', '2-6/2:h%02d')).toEqual(['h02', 'h04', 'h06']);
    expect(loopItems('sequence', 'start=5 end=1 stride=-2')).toEqual(['5', '3', '1']);
    expect(() => loopItems('sequence', 'start=5 end=1')).toThrow(/make stride negative/);
    expect(() => loopItems('sequence', 'start=1')).toThrow(/count or end/);
    expect(() => loopItems('sequence', 'end=010')).toThrow(/can't parse end=010/);
  });
  it("Python's int(s, 0)", () => {
    expect([pyInt0('0x1f'), pyInt0('0o17'), pyInt0('0b11'), pyInt0('1_000'), pyInt0(' -3 '), pyInt0('0'), pyInt0('010')]).toEqual([31, 15, 3, 1000, -3, 0, undefined]);
  });
});

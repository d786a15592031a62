import { describe, it, expect } from 'vitest';
import { parseYaml } from '../../src/yaml.js';
import { ValidationError } from '../../src/errors.js';

const text = `- name: play
  hosts: all
  tasks:
    - name: t1
      command: echo hi
      bogus: 1
    - shell: |
        x
      when:   "a == 1"   # comment
`;

describe('parseYaml positions', () => {
  const doc = parseYaml(text, 'p.yml');
  it('locates keys and values', () => {
    expect(doc.at([0, 'hosts'], 'key')).toEqual({ file: 'p.yml', line: 2, col: 3 });
    expect(doc.at([0, 'hosts'])).toEqual({ file: 'p.yml', line: 2, col: 10 });
    expect(doc.at([0, 'tasks', 0, 'bogus'], 'key')).toEqual({ file: 'p.yml', line: 6, col: 7 });
    expect(doc.at([0, 'tasks', 1, 'shell'])).toEqual({ file: 'p.yml', line: 7, col: 14 });
    expect(doc.at([0, 'tasks', 1, 'when'])).toEqual({ file: 'p.yml', line: 9, col: 15 });
  });
  it('locates sequence items', () => {
    expect(doc.at([0, 'tasks', 1])).toEqual({ file: 'p.yml', line: 7, col: 7 });
  });
  it('falls back to the nearest known ancestor', () => {
    expect(doc.at([0, 'tasks', 0, 'missing'])).toEqual({ file: 'p.yml', line: 4, col: 7 });
  });
  it('handles flow collections', () => {
    const d = parseYaml('a: {b: [x, y], c: 2}\n', 'f.yml');
    expect(d.at(['a', 'b', 1])).toEqual({ file: 'f.yml', line: 1, col: 12 });
    expect(d.at(['a', 'c'], 'key')).toEqual({ file: 'f.yml', line: 1, col: 16 });
  });
});

describe('parseYaml syntax errors', () => {
  it('reports file:line:col', () => {
    let err: unknown;
    try {
      parseYaml('a: 1\nb: [1, 2\nc: 3\n', 'bad.yml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).message).toMatch(/^bad\.yml:\d+:\d+: YAML syntax error: /);
  });
  it('rejects duplicate keys with their line', () => {
    expect(() => parseYaml('a: 1\na: 2\n', 'dup.yml')).toThrow(/^dup\.yml:2:\d+: YAML syntax error: duplicated mapping key/);
  });
});

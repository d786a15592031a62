import { describe, expect, it } from 'vitest';
import { ExprSyntaxError, UndefinedError, type Vars } from '../../src/playbook/expr.js';
import { checkTemplate, isTemplated, renderDeep, renderString } from '../../src/playbook/template.js';

const vars: Vars = {
  n: 7,
  f: 2.5,
  s: 'Hello',
  nothing: null,
  yes: true,
  no: false,
  list: [3, 1, 2],
  d: { a: 1, b: [true, null] },
  path: '/etc/ssh/sshd_config',
};

describe('isTemplated', () => {
  it.each<[string, boolean]>([
    ['plain text', false],
    ['{{ x }}', true],
    ['prefix {{x}} suffix', true],
    ['{% if x %}', true], // unsupported, but must reach checkTemplate/renderString to be reported
    ['{# comment #}', true],
    ['a { b } c', false],
    ['${HOME}', false],
    ['}} {', false],
    ['', false],
  ])('%j → %s', (s, expected) => {
    expect(isTemplated(s)).toBe(expected);
  });
});

describe('renderString', () => {
  describe('lists, dicts and bools keep their type; a lone {{ name }} keeps numbers (Ansible 2.14)', () => {
    it.each<[string, unknown]>([
      ['{{ list }}', [3, 1, 2]],
      ['{{ n }}', 7],
      ['{{n}}', 7],
      ['  {{ n + 1 }}\n', '  8\n'],
      ['{{ n + 1 }}', '8'], // Ansible renders to text; only [, {, True, False are read back
      ['{{ f }}', 2.5],
      ['{{ yes }}', true],
      ['{{ nothing }}', null],
      ['{{ d }}', { a: 1, b: [true, null] }],
      ['{{ s }}', 'Hello'],
      ["{{ '42' }}", '42'], // strings stay strings (no literal_eval guessing)
      ["{{ {'a': {'b': 1}} }}", { a: { b: 1 } }], // `}}` inside brackets does not end the block
      ["{{ list | select('gt', 1) | list }}", [3, 2]],
      ['{{- n -}}', '7'],
      ['[{{ nothing }}]', []], // the text '[]' reads back as a list, as in Ansible
      ["{{ '[1, 2]' }}", [1, 2]],
      ['{{ d | to_json }}', '{"a": 1, "b": [true, null]}'], // string-type filters stay text
    ])('%j', (template, expected) => {
      expect(renderString(template, vars)).toEqual(expected);
    });
  });

  describe('anything else interpolates into text', () => {
    it.each<[string, string]>([
      ['plain', 'plain'],
      ['n={{ n }}', 'n=7'],
      ['{{ n }}{{ n }}', '77'],
      ['{{ n }} items', '7 items'],
      ['<{{ nothing }}>', '<>'], // None renders as '' (Ansible)
      ['{{ yes }}/{{ no }}', 'True/False'],
      ['v={{ f }}', 'v=2.5'],
      ['list: {{ list }}', 'list: [3, 1, 2]'],
      ['d: {{ d }}', "d: {'a': 1, 'b': [True, None]}"],
      ["q: {{ \"it's\" }} {{ [\"it's\"] }}", `q: it's ["it's"]`],
      ["{{ '}}' }}!", '}}!'],
      ["{{ '{#' }} and {{ '{%' }}", '{# and {%'],
      ["echo {{ path | quote }} {{ \"a b\" | quote }}", "echo /etc/ssh/sshd_config 'a b'"],
      ['a  {{- s -}}  b', 'aHellob'],
      ['a\n  {{- s }}\n', 'aHello\n'],
      ['{{ n }}\n{{ s }}', '7\nHello'],
      ['{ not a block }', '{ not a block }'],
    ])('%j → %j', (template, expected) => {
      expect(renderString(template, vars)).toBe(expected);
    });
  });

  it('raises UndefinedError naming the path', () => {
    expect(() => renderString('{{ result.stdout }}', { result: {} })).toThrow(UndefinedError);
    expect(() => renderString('x {{ result.stdout }}', { result: {} })).toThrow("'result.stdout' is undefined");
  });

  it('raises ExprSyntaxError with an offset into the whole string', () => {
    try {
      renderString('abc {{ x | }}', vars);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ExprSyntaxError);
      expect((e as ExprSyntaxError).offset).toBe(11);
    }
  });
});

describe('checkTemplate', () => {
  it.each<[string, number, string]>([
    ['abc {{ x | }}', 11, "expected a filter name after '|', found '}}'"],
    ['a {{ x', 2, "unclosed '{{': expected '}}'"],
    ['a {{ (x }}', 8, "expected ')' to close the '(' at offset 5 before '}}'"],
    ["{{ [1, 2 }}", 9, "expected ']' to close the '[' at offset 3 before '}}'"],
    ['x: {{ v | lowr }}', 10, "unknown filter 'lowr' (did you mean 'lower'?)"],
    ['{{ }}', 3, "empty '{{ }}'"],
    ['{{ {{ x }} }}', 3, "'{{' inside '{{ }}'"],
    ['{% if x %}y', 0, "'{% if %}' is never closed (expected '{% endif %}')"],
    ['{% macro m() %}{% endmacro %}', 3, "unsupported statement '{% macro %}'"],
    ['{% endfor %}', 0, "unexpected '{% endfor %}': no open block"],
    ["{{ 'it\\'s' }}", 6, 'a backslash cannot escape'],
    ['echo ${#arr[@]}', 6, "to write a literal '{#', use {{ '{#' }}"],
    ["{{ x }} then {{ y | default('a' 'b' }}", 36, "expected ')' to close the '(' at offset 27 before '}}'"],
  ])('%j at %i', (s, offset, message) => {
    const problem = checkTemplate(s);
    expect(problem).not.toBeNull();
    expect(problem?.offset).toBe(offset);
    expect(problem?.message).toContain(message);
  });

  it.each(['plain', '{{ x }}', "a {{ b | default('c') }} d {{ e.f[0] }}", "{{ '{%' }}"])('%j is fine', (s) => {
    expect(checkTemplate(s)).toBeNull();
  });

  it('renderString fails the same way', () => {
    expect(() => renderString('{% if x %}y', vars)).toThrow(ExprSyntaxError);
  });
});

describe('renderDeep', () => {
  it('renders every string in nested data, not keys', () => {
    const input = {
      '{{ n }}': 'key kept',
      cmd: 'echo {{ s }}',
      count: '{{ n }}',
      list: ['{{ list }}', 1, true, null, { deep: 'n={{ n }}' }],
      flag: false,
    };
    expect(renderDeep(input, vars)).toEqual({
      '{{ n }}': 'key kept',
      cmd: 'echo Hello',
      count: 7,
      list: [[3, 1, 2], 1, true, null, { deep: 'n=7' }],
      flag: false,
    });
  });

  it('returns new containers and leaves the input alone', () => {
    const input = { a: ['{{ n }}'] };
    const out = renderDeep(input, vars) as { a: unknown[] };
    expect(out).not.toBe(input);
    expect(out.a).not.toBe(input.a);
    expect(input.a[0]).toBe('{{ n }}');
  });

  it('keeps a __proto__ key as data', () => {
    const input = JSON.parse('{"__proto__": {"x": "{{ n }}"}}') as unknown;
    const out = renderDeep(input, vars) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
  });

  it('passes scalars through', () => {
    expect(renderDeep(5, vars)).toBe(5);
    expect(renderDeep('{{ n }}', vars)).toBe(7);
  });
});

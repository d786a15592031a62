import { describe, expect, it } from 'vitest';
import { UndefinedError, evaluate, type Vars } from '../../src/playbook/expr.js';
import { checkTemplate, renderString } from '../../src/playbook/template.js';
import { PyFloat } from '../../src/playbook/py-float.js';
import { pyStr } from '../../src/playbook/expr-eval.js';

const vars: Vars = {
  n: 42,
  s: 'Hello World',
  l: ['a', 'b'],
  nums: [3, 1, 2],
  d: { x: 1, y: 2 },
  users: [{ name: 'alice', active: true }, { name: 'bob', active: false }],
  multiline: 'one\ntwo',
};

const r = (t: string) => renderString(t, vars);

describe('statements', () => {
  it.each<[string, unknown]>([
    ['{% if n > 50 %}big{% elif n > 40 %}mid{% else %}small{% endif %}', 'mid'],
    ['{% if missing %}x{% else %}undefined is false{% endif %}', 'undefined is false'],
    ['{% for x in l %}{{ x }}{% if not loop.last %},{% endif %}{% endfor %}', 'a,b'],
    ['{% for x in nums %}{{ loop.index }}/{{ loop.revindex0 }} {% endfor %}', '1/2 2/1 3/0 '],
    ['{% for x in [] %}{{ x }}{% else %}none{% endfor %}', 'none'],
    ['{% for u in users if u.active %}{{ u.name }}{% endfor %}', 'alice'],
    ['{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}', 'x=1;y=2;'],
    ['{% for x in l %}{{ loop.cycle("-", "+") }}{% endfor %}', '-+'],
    ['{% set y = n * 2 %}{{ y }}', '84'],
    ['{% set ns = namespace(t=0) %}{% for x in nums %}{% set ns.t = ns.t + x %}{% endfor %}{{ ns.t }}', '6'],
    ['{% set b %}in a block{% endset %}{{ b | upper }}', 'IN A BLOCK'],
    ['{% filter upper %}abc{% endfilter %}', 'ABC'],
    ['{% raw %}{{ kept }}{% endraw %}', '{{ kept }}'],
    ['a{# comment #}b', 'ab'],
    ['{% if true %}\nline\n{% endif %}', 'line\n'], // trim_blocks
    ['{%- if true -%}  x  {%- endif -%}', 'x'],
    ['{% for i in range(3) %}{{ i }}{% endfor %}', '012'],
  ])('%j → %j', (t, expected) => {
    expect(r(t)).toEqual(expected);
  });

  it('loop variables do not leak out of the loop', () => {
    expect(() => r('{% for x in l %}{% endfor %}{{ x }}')).toThrow(UndefinedError);
  });

  it('set on something that is not a namespace is an error', () => {
    expect(() => r('{% set d.x = 1 %}')).toThrow(/namespace/);
  });

  it.each<[string, number, string]>([
    ['{% for x in l %}', 0, "'{% for %}' is never closed"],
    ['{% if x %}{% endfor %}', 10, "unexpected '{% endfor %}': '{% if %}' is still open"],
    ['{% else %}', 0, "'{% else %}' outside an if or for block"],
    ['{% include "x" %}', 3, "unsupported statement '{% include %}'"],
    ['{% for x %}', 9, "expected 'in'"],
    ['{% if x | nosuch %}{% endif %}', 10, "unknown filter 'nosuch'"],
    ['{# open', 0, "unclosed '{#' comment"],
  ])('%j is rejected at %i', (t, offset, message) => {
    const problem = checkTemplate(t);
    expect(problem?.offset).toBe(offset);
    expect(problem?.message).toContain(message);
  });
});

describe('Ansible result types', () => {
  it.each<[string, unknown]>([
    ['{{ n }}', 42],
    ['{{ n + 1 }}', '43'],
    ['{{ l }}', ['a', 'b']],
    ['{{ l | map("upper") | list }}', ['A', 'B']],
    ['{{ "[1, 2]" }}', [1, 2]],
    ['{{ "True" }}', true],
    ['{{ d | to_json }}', '{"x": 1, "y": 2}'],
    ['{{ d.items() | list }}', [['x', 1], ['y', 2]]],
    ['{{ ("a", 1) }}', "('a', 1)"],
    ['{{ 42 | float }}', '42.0'],
    ['{{ 4 / 2 }}', '2.0'],
    ['{{ 2.5 | round }}', '2.0'],
    ['{{ [1.0] }}', [new PyFloat(1)]],
    ['x {{ none }}', 'x '],
  ])('%j → %j', (t, expected) => {
    expect(r(t)).toEqual(expected);
  });

  it('floats print as Python does', () => {
    expect(['1e20', '1e-5', '0.1 + 0.2', '-0.0', '1 / 3'].map((e) => pyStr(evaluate(e, {})))).toEqual([
      '1e+20', '1e-05', '0.30000000000000004', '-0.0', '0.3333333333333333',
    ]);
  });

  it('keeps backslashes inside {{ }} as written, so regex replacements work', () => {
    expect(r("{{ s | regex_replace('^(\\w+) (\\w+)$', '\\2 \\1') }}")).toBe('World Hello');
    expect(r("{{ s | regex_replace('(?P<w>\\w+)', '<\\g<w>>') }}")).toBe('<Hello> <World>');
    expect(r('{{ "a\\nb" }}')).toBe('a\\nb');
  });
});

describe('methods, functions and formatting', () => {
  it.each<[string, unknown]>([
    ['s.split()', ['Hello', 'World']],
    ['s.split(" ", 1)', ['Hello', 'World']],
    ['s.rsplit("o", 1)', ['Hello W', 'rld']],
    ['s.startswith(("x", "He"))', true],
    ['s.lower().replace(" ", "-")', 'hello-world'],
    ['"  x ".strip()', 'x'],
    ['multiline.splitlines()', ['one', 'two']],
    ['", ".join(l)', 'a, b'],
    ['d.get("x")', 1],
    ['d.get("z", 0)', 0],
    ['d.keys() | list', ['x', 'y']],
    ['"{} and {name}".format(1, name="x")', '1 and x'],
    ['"{:>4}|{:.2f}".format("ab", 0.125)', '  ab|0.12'],
    ['"%s:%d" % ("a", 5)', 'a:5'],
    ['"%05.1f%%" % 3.14159', '003.1%'],
    ['"%(k)s" % {"k": "v"}', 'v'],
    ['"%s-%s" | format("a", "b")', 'a-b'],
    ['range(1, 7, 2)', [1, 3, 5]],
    ['dict(a=1)', { a: 1 }],
    ['lookup("env", "REMEDY_SURELY_UNSET", default="d")', 'd'],
    ['query("items", [1, 2], 3)', [1, 2, 3]],
    ['"hello world" | title', 'Hello World'],
    ['{"b": 2, "a": 1} | dictsort | first | list', ['a', 1]],
    ['"x" | hash("md5")', '9dd4e461268c8034f5c8564e155c67a6'],
    ['[1, 2] | zip(["a", "b"]) | list | first | list', [1, 'a']],
    ['{"b": "no", "a": 1} | to_nice_yaml', "a: 1\nb: 'no'\n"],
  ])('%s → %j', (e, expected) => {
    expect(evaluate(e, vars)).toEqual(expected);
  });

  it('refuses pipe lookups and unknown plugins', () => {
    expect(() => evaluate('lookup("pipe", "id")', vars)).toThrow(/disabled/);
    expect(() => evaluate('lookup("nope", "x")', vars)).toThrow(/not supported/);
  });
});

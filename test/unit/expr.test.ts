import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ExprEvalError,
  ExprSyntaxError,
  UndefinedError,
  evaluate,
  parseExpression,
  type Vars,
} from '../../src/playbook/expr.js';
import { PyFloat } from '../../src/playbook/py-float.js';

const vars: Vars = {
  n: 7,
  f: 2.5,
  s: 'Hello',
  empty: '',
  nothing: null,
  yes: true,
  no: false,
  list: [3, 1, 2],
  words: ['b', 'A', 'c', 'a'],
  nested: { a: { b: { c: 42 } }, 'odd-key': 'odd', list: [{ name: 'x' }, { name: 'y' }] },
  key: 'a',
  idx: 1,
  result: { rc: 0, stdout: 'OpenSSH_9.2p1 Debian-2', stderr: '', changed: true, failed: false },
  ssh_version: '9.2p1',
};

const ev = (expr: string, extra: Vars = {}) => evaluate(expr, { ...vars, ...extra });

/** The error `fn` throws (fails the test if it does not throw). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('literals', () => {
  it.each<[string, unknown]>([
    ["'single'", 'single'],
    ['"double"', 'double'],
    ["'it\\'s'", "it's"],
    ['"tab\\there"', 'tab\there'],
    ["'line\\nbreak'", 'line\nbreak'],
    ["'\\x41\\u00e9'", 'Aé'],
    ["'\\d+'", '\\d+'], // unknown escapes keep their backslash, as in Python
    ["'a' 'b'", 'ab'],
    ['42', 42],
    ['1_000', 1000],
    ['3.25', 3.25],
    ['1e3', new PyFloat(1000)],
    ['true', true],
    ['True', true],
    ['false', false],
    ['False', false],
    ['none', null],
    ['None', null],
    ['null', null],
    ['[]', []],
    ['[1, "two", [3]]', [1, 'two', [3]]],
    ['[1, 2,]', [1, 2]],
    ['{}', {}],
    ["{'k': 1, \"j\": [true]}", { k: 1, j: [true] }],
    ["{'a': {'b': 1}}", { a: { b: 1 } }],
    ['{key: 1}', { a: 1 }], // keys are expressions, as in Jinja
    ['(1, 2)', [1, 2]],
    ['(1,)', [1]],
    ['()', []],
  ])('%s', (expr, expected) => {
    expect(ev(expr)).toEqual(expected);
  });
});

describe('operators and precedence', () => {
  it.each<[string, unknown]>([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['7 / 2', 3.5],
    ['7 // 2', 3],
    ['-7 // 2', -4],
    ['7 % 3', 1],
    ['-7 % 3', 2], // Python: the sign of the divisor
    ['2 ** 10', 1024],
    ['-2 ** 2', 4], // Jinja binds unary minus tighter than **
    ['-n', -7],
    ['+n', 7],
    ["'ab' + 'cd'", 'abcd'],
    ['[1] + [2, 3]', [1, 2, 3]],
    ["'ab' * 3", 'ababab'],
    ['[0] * 3', [0, 0, 0]],
    ["'n=' ~ n", 'n=7'],
    ["'n=' ~ 2 * 3", 'n=6'], // * binds tighter than ~
    ["s ~ ' ' ~ yes ~ ' ' ~ nothing ~ ' ' ~ list", 'Hello True None [3, 1, 2]'],
    ['n > 5 and n < 10', true],
    ['n > 5 and n > 10', false],
    ['n > 10 or s', 'Hello'], // or/and return the deciding operand, as in Python
    ['empty or "fallback"', 'fallback'],
    ['n and s', 'Hello'],
    ['0 and s', 0],
    ['not n > 10', true],
    ['not not yes', true],
    ['not yes or yes', true], // (not yes) or yes
    ['not (yes or yes)', false],
    ['yes or no and no', true], // and binds tighter than or
    ['1 < 2 < 3', true],
    ['1 < 3 < 2', false],
    ['n == 7', true],
    ['n != 7', false],
    ['list == [3, 1, 2]', true],
    ["nested.a == {'b': {'c': 42}}", true],
    ['n >= 7 and n <= 7', true],
    ["'abc' < 'abd'", true],
    ['[1, 2] < [1, 3]', true],
    ['2 in list', true],
    ['5 not in list', true],
    ["'ell' in s", true],
    ["'a' in nested", true],
    ["'zz' in nested", false],
    ["s in ('Hello', 'Bye')", true],
    ["'yes' if yes else 'no'", 'yes'],
    ["'yes' if no else 'no'", 'no'],
    ["'a' if no else 'b' if yes else 'c'", 'b'],
    ['n + 1 if yes else 0', 8],
    ['list | length + 1', 4], // filters bind tighter than +
    ['-3 | abs', 3], // as in Jinja: (-3) | abs
    ['not s is defined', false], // `is` binds tighter than not
    ['n is number and s is string', true],
    ['s | lower == "hello"', true],
    ['(s | lower) ~ "!"', 'hello!'],
  ])('%s', (expr, expected) => {
    expect(ev(expr)).toEqual(expected);
  });

  it('~ binds tighter than +, as in Jinja', () => {
    // Parsed as 1 + ('2' ~ '3'): adding a number and a string is a type error.
    expect(() => ev('1 + 2 ~ 3')).toThrow(ExprEvalError);
  });

  it.each<[string, string]>([
    ["'a' + 1", "unsupported operand types for '+': string and number (use '~' to join text"],
    ['n - s', "unsupported operand types for '-': number and string"],
    ['1 / 0', 'division by zero'],
    ['5 % 0', 'division by zero'],
    ['-s', "unary '-' needs a number, got string 'Hello'"],
    ["n < '8'", "cannot compare number with string (convert with '| int' or '| float' first"],
    ['1 in 5', "'in' needs a list, dict or string on the right, got number 5"],
    ["1 in 'abc'", "'in <string>' needs a string on the left"],
    ["{[1]: 2}", 'dict keys must be strings or numbers'],
    ["'x' * 10000000", 'repetition result too long'],
  ])('%s fails: %s', (expr, message) => {
    const err = thrown(() => ev(expr));
    expect(err).toBeInstanceOf(ExprEvalError);
    expect(err.message).toContain(message);
  });
});

describe('attribute and index access', () => {
  it.each<[string, unknown]>([
    ['nested.a.b.c', 42],
    ["nested['a']['b'].c", 42],
    ['nested[key].b.c', 42],
    ["nested['odd-key']", 'odd'],
    ['nested.list[0].name', 'x'],
    ['nested.list.1.name', 'y'], // Jinja's `a.1` index form
    ['nested.list[idx].name', 'y'],
    ['list[0]', 3],
    ['list[-1]', 2],
    ['list[1:]', [1, 2]],
    ['list[:2]', [3, 1]],
    ['list[::-1]', [2, 1, 3]],
    ['list[-2:]', [1, 2]],
    ['s[0]', 'H'],
    ['s[1:3]', 'el'],
    ['s[::-1]', 'olleH'],
    ["{'0': 'zero'}[0]", 'zero'],
    ['[[1, 2], [3, 4]][1][0]', 3],
  ])('%s', (expr, expected) => {
    expect(ev(expr)).toEqual(expected);
  });
});

describe('undefined values', () => {
  it.each<[string, unknown]>([
    ['missing is defined', false],
    ['missing is undefined', true],
    ['missing is not defined', true],
    ['result.stdout is defined', true],
    ['result.nope is defined', false],
    ['missing.deeper.still is defined', false], // undefined flows through attribute access
    ['list[10] is defined', false],
    ['nothing.attr is defined', false],
    ["missing | default('d')", 'd'],
    ["missing | d('d')", 'd'],
    ['missing | default', ''],
    ['result.nope | default(1)', 1],
    ['missing.a.b | default([])', []],
    ['nothing | default(1)', null], // None is defined
    ['nothing | default(1, true)', 1], // …unless the boolean argument asks for truthiness
    ["empty | default('e', true)", 'e'],
    ["s | default('e', true)", 'Hello'],
    ['missing | default(other | default(3))', 3],
    ['n | default(missing)', 7], // the unused default may itself be undefined
    ['missing is defined and missing > 1', false], // short-circuit
    ["'x' if yes else missing", 'x'],
  ])('%s', (expr, expected) => {
    expect(ev(expr)).toEqual(expected);
  });

  it.each<[string, string, string]>([
    ['missing', 'missing', "'missing' is undefined"],
    ['result.stdotu', 'result.stdotu', "'result.stdotu' is undefined ('result' has no key 'stdotu'; did you mean 'stdout'?)"],
    ['result.zzzzzz', 'result.zzzzzz', "'result' has no key 'zzzzzz'; it has: rc, stdout, stderr, changed, failed"],
    ['missing.a.b', 'missing.a.b', "'missing.a.b' is undefined ('missing' is undefined)"],
    ['nested.list[5]', 'nested.list[5]', "index 5 is out of range for 'nested.list' (length 2)"],
    ["nested['a']['zz']", 'nested.a.zz', "'nested.a.zz' is undefined"],
    ["nested['odd-key'].x", "nested['odd-key'].x", "'nested['odd-key']' is a string"],
    ['nothing.x', 'nothing.x', "'nothing' is none"],
    ['nn', 'nn', "did you mean 'n'?"],
    ['missing + 1', 'missing', "'missing' is undefined"],
    ['missing | lower', 'missing', "'missing' is undefined"],
    ['missing == 1', 'missing', "'missing' is undefined"],
    ['missing is none', 'missing', "'missing' is undefined"],
    ["missing ~ 'x'", 'missing', "'missing' is undefined"],
    ['not missing', 'missing', "'missing' is undefined"],
    ['missing or 1', 'missing', "'missing' is undefined"],
    ['[missing]', 'missing', "'missing' is undefined"],
    ["'x' if no", "'x' if no", 'the inline if was false and it has no else'],
    ['[] | first', '[] | first', "'[] | first' is undefined (it is empty)"],
    ['missing | mandatory', 'missing', "mandatory variable 'missing' is not defined"],
    ["missing | mandatory('set missing in the inventory')", 'missing', 'set missing in the inventory'],
  ])('%s raises UndefinedError for %s', (expr, name, message) => {
    const err = thrown(() => ev(expr));
    expect(err).toBeInstanceOf(UndefinedError);
    expect(err).toBeInstanceOf(ExprEvalError);
    expect((err as UndefinedError).name).toBe(name);
    expect(err.message).toContain(message);
  });

  it('treats JS undefined values in vars as undefined', () => {
    expect(evaluate('x is defined', { x: undefined })).toBe(false);
  });
});

describe('only own data is reachable', () => {
  it.each([
    'nested.constructor',
    "nested['constructor']",
    'nested.__proto__',
    "nested['__proto__']",
    'nested.toString',
    'nested.hasOwnProperty',
    'nested.valueOf',
    'nested.constructor.constructor',
    'list.length',
    "list['length']",
    'list.push',
    'list.constructor',
    's.length',
    's.constructor',
    'n.constructor',
    'yes.constructor',
    'constructor',
    '__proto__',
    'toString',
    'prototype',
    '{}.constructor',
    '[].constructor',
    "''.constructor",
  ])('%s is undefined', (expr) => {
    expect(ev(`${expr} is defined`)).toBe(false);
    expect(() => ev(expr)).toThrow(UndefinedError);
  });

  it('does not treat inherited keys as members', () => {
    expect(ev("'constructor' in nested")).toBe(false);
    expect(ev("'toString' in {}")).toBe(false);
    expect(evaluate('x.polluted is defined', { x: {} })).toBe(false);
  });

  it('calls only the methods and functions remedy defines', () => {
    expect(() => parseExpression("nested.constructor.constructor('return 1')()")).toThrow(ExprSyntaxError);
    expect(() => parseExpression('s.constructor()')).toThrow(/unknown method '.constructor\(\)'/);
    expect(() => parseExpression("eval('1')")).toThrow(/unknown function 'eval\(\)'/);
    expect(() => evaluate("list.upper()", vars)).toThrow(/has no method 'upper'/);
    expect(() => evaluate("lookup('pipe', 'id')", vars)).toThrow(/disabled/);
  });

  it('builds dicts without touching prototypes', () => {
    const made = ev("{'__proto__': {'polluted': 1}}") as Record<string, unknown>;
    expect(Object.getPrototypeOf(made)).toBe(Object.prototype);
    expect(Object.hasOwn(made, '__proto__')).toBe(true);
    const parsed = ev('\'{"__proto__": {"polluted": 1}}\' | from_json') as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    const items = ev("[{'key': '__proto__', 'value': 1}] | items2dict") as Record<string, unknown>;
    expect(Object.getPrototypeOf(items)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('does not reach into non-plain objects', () => {
    expect(evaluate('d.getTime is defined', { d: new Date(0) })).toBe(false);
    expect(evaluate('m.size is defined', { m: new Map([['size', 1]]) })).toBe(false);
  });

  it('never uses eval, Function or vm in the expression code', () => {
    for (const file of ['expr.ts', 'expr-parse.ts', 'expr-eval.ts', 'filters.ts']) {
      const src = readFileSync(new URL(`../../src/playbook/${file}`, import.meta.url), 'utf8');
      expect(src, file).not.toMatch(/\beval\s*\(|new\s+Function|\bFunction\s*\(|node:vm|from 'vm'/);
    }
  });
});

describe('filters', () => {
  it.each<[string, unknown, Vars?]>([
    // text
    ["'HeLLo' | lower", 'hello'],
    ["'HeLLo' | upper", 'HELLO'],
    ['5 | lower', '5'],
    ["'hELLO world' | capitalize", 'Hello world'],
    ["'  x  ' | trim", 'x'],
    ["'xxaxx' | trim('x')", 'a'],
    ["'a-b-c' | replace('-', '+')", 'a+b+c'],
    ["'a-b-c' | replace('-', '+', 1)", 'a+b-c'],
    ["'ab' | replace('', '.')", '.a.b.'],
    ["'a b  c ' | split", ['a', 'b', 'c']],
    ["'a,b,,c' | split(',')", ['a', 'b', '', 'c']],
    ["'a,b,c' | split(',', 1)", ['a', 'b,c']],
    ["' a  b  c ' | split(none, 1)", ['a', 'b  c']],
    ["'/etc/ssh/sshd_config' | basename", 'sshd_config'],
    ["'/etc/ssh/' | basename", ''],
    ["'/etc/ssh/sshd_config' | dirname", '/etc/ssh'],
    ["'/sshd_config' | dirname", '/'],
    ["'file' | dirname", ''],
    ["'héllo' | b64encode", 'aMOpbGxv'],
    ["'aMOpbGxv' | b64decode", 'héllo'],
    // shell quoting goes through src/shell.ts
    ["'plain' | quote", 'plain'],
    ["\"it's a test\" | quote", "'it'\\''s a test'"],
    ["'' | quote", "''"],
    ['none | quote', "''"],
    ["'$(rm -rf /)' | quote", "'$(rm -rf /)'"],
    // conversions
    ["'42' | int", 42],
    ["' 42 ' | int", 42],
    ["'4.7' | int", 4],
    ["'-3' | int", -3],
    ["'abc' | int", 0],
    ["'abc' | int(5)", 5],
    ["'ff' | int(base=16)", 255],
    ["'0x1A' | int(0, 16)", 26],
    ['true | int', 1],
    ['3.9 | int', 3],
    ['none | int', 0],
    ["'2.5' | float", 2.5],
    ["'1e3' | float", new PyFloat(1000)],
    ["'x' | float", new PyFloat(0)],
    ["'x' | float(1.5)", 1.5],
    ['7 | float', new PyFloat(7)],
    ['42 | string', '42'],
    ['true | string', 'True'],
    ['none | string', 'None'],
    ["[1, 'a'] | string", "[1, 'a']"],
    ["{'a': none} | string", "{'a': None}"],
    ["'yes' | bool", true],
    ["'Yes' | bool", true],
    ["'on' | bool", true],
    ["'true' | bool", true],
    ["'1' | bool", true],
    ['1 | bool', true],
    ["'no' | bool", false],
    ["'false' | bool", false],
    ["'0' | bool", false],
    ["'off' | bool", false],
    ["'' | bool", false],
    ['none | bool', null], ["'y' | bool", false], ["'T' | bool", false],
    ['true | bool', true],
    ["'abc' | list", ['a', 'b', 'c']],
    ["{'a': 1, 'b': 2} | list", ['a', 'b']],
    ["{'a': [1, true, none], 'b': 'x'} | to_json", '{"a": [1, true, null], "b": "x"}'],
    ["{'b': 1, 'a': 2} | to_json(sort_keys=true)", '{"a": 2, "b": 1}'],
    ["{'b': 1, 'a': [1]} | to_nice_json", '{\n    "a": [\n        1\n    ],\n    "b": 1\n}'],
    ["{'a': 1} | to_nice_json(indent=2)", '{\n  "a": 1\n}'],
    ["'{\"a\": [1, 2]}' | from_json", { a: [1, 2] }],
    ["{'a': 1, 'b': 2} | dict2items", [{ key: 'a', value: 1 }, { key: 'b', value: 2 }]],
    ["{'a': 1} | dict2items('k', 'v')", [{ k: 'a', v: 1 }]],
    ["[{'key': 'a', 'value': 1}, {'key': 'b', 'value': 2}] | items2dict", { a: 1, b: 2 }],
    ["[{'n': 'a', 'v': 1}] | items2dict(key_name='n', value_name='v')", { a: 1 }],
    // defaults and choices
    ['yes | ternary("on", "off")', 'on'],
    ['no | ternary("on", "off")', 'off'],
    ['none | ternary("on", "off", "unset")', 'unset'],
    ['none | ternary("on", "off")', 'off'],
    ['yes | ternary("on", missing)', 'on'],
    ['n | mandatory', 7],
    // numbers
    ['-4 | abs', 4],
    ['2.5 | round', new PyFloat(2)], // Python's round(): ties to even
    ['-2.5 | round', new PyFloat(-2)],
    ['3.5 | round', new PyFloat(4)],
    ['3.14159 | round(2)', 3.14],
    ["3.11 | round(1, 'ceil')", 3.2],
    ["3.19 | round(1, 'floor')", 3.1],
    // sequences
    ['list | length', 3],
    ["'héllo' | length", 5],
    ["{'a': 1} | length", 1],
    ['list | count', 3],
    ["list | join(',')", '3,1,2'],
    ['list | join', '312'],
    ["nested.list | join(', ', attribute='name')", 'x, y'],
    ['list | first', 3],
    ['list | last', 2],
    ["'abc' | first", 'a'],
    ["[] | first | default('none')", 'none'],
    ['[1, 2, 1, 3, 2] | unique', [1, 2, 3]],
    ["['a', 'A', 'b'] | unique", ['a', 'b']], // Jinja: case-insensitive by default
    ["['a', 'A', 'b'] | unique(case_sensitive=true)", ['a', 'A', 'b']],
    ['[[1], [1], [2]] | unique', [[1], [2]]],
    ['list | sort', [1, 2, 3]],
    ['list | sort(reverse=true)', [3, 2, 1]],
    ['words | sort', ['A', 'a', 'b', 'c']], // case-insensitive and stable
    ['words | sort(case_sensitive=true)', ['A', 'a', 'b', 'c']],
    ["[{'n': 2}, {'n': 1}] | sort(attribute='n')", [{ n: 1 }, { n: 2 }]],
    ['list | reverse', [2, 1, 3]],
    ["'abc' | reverse", 'cba'],
    ['list | min', 1],
    ['list | max', 3],
    ["['b', 'A'] | min", 'A'],
    ["[{'n': 2}, {'n': 5}] | max(attribute='n')", { n: 5 }],
    ['[] | max is defined', false],
    ['list | sum', 6],
    ["[{'n': 2}, {'n': 5}] | sum(attribute='n')", 7],
    ['[1, [2, [3, [4]]]] | flatten', [1, 2, 3, 4]],
    ['[1, [2, [3]]] | flatten(1)', [1, 2, [3]]],
    ['[1, none, [2]] | flatten', [1, 2]],
    ['[1, 2] | union([2, 3])', [1, 2, 3]],
    ['[1, 2, 3] | intersect([2, 3, 4])', [2, 3]],
    ['[1, 2, 3] | difference([2])', [1, 3]],
    ["{'a': 1, 'b': {'x': 1}} | combine({'b': {'y': 2}})", { a: 1, b: { y: 2 } }],
    ["{'a': 1, 'b': {'x': 1}} | combine({'b': {'y': 2}}, recursive=true)", { a: 1, b: { x: 1, y: 2 } }],
    ["{'l': [1]} | combine({'l': [2]}, list_merge='append')", { l: [1, 2] }],
    ['[0, 1, 2, none] | select', [1, 2]],
    ["[1, 2, 3, 4] | select('even')", [2, 4]],
    ["[1, 2, 3, 4] | reject('even')", [1, 3]],
    ["[1, 2, 3] | select('gt', 1)", [2, 3]],
    ["['a1', 'b2', 'a3'] | select('match', 'a')", ['a1', 'a3']],
    ["[{'on': true, 'n': 1}, {'on': false, 'n': 2}, {'n': 3}] | selectattr('on') | map(attribute='n')", [1]],
    ["[{'on': true, 'n': 1}, {'on': false, 'n': 2}, {'n': 3}] | rejectattr('on') | map(attribute='n')", [2, 3]],
    ["[{'v': 1}, {'v': 2}, {}] | selectattr('v', 'defined') | list | length", 2],
    ["[{'v': 1}, {'v': 2}] | selectattr('v', 'equalto', 2)", [{ v: 2 }]],
    ["['a', 'b'] | map('upper')", ['A', 'B']],
    ["['a-b', 'c-d'] | map('replace', '-', '+')", ['a+b', 'c+d']],
    ["[{'n': 1}, {}] | map(attribute='n', default=0)", [1, 0]],
    ['nested.list | map(attribute="name") | list', ['x', 'y']],
    // fully qualified names
    ["s | ansible.builtin.upper", 'HELLO'],
    ["s is ansible.builtin.string", true],
  ])('%s', (expr, expected, extra) => {
    expect(ev(expr, extra)).toEqual(expected);
  });

  describe('regular expressions (Python syntax)', () => {
    it.each<[string, unknown]>([
      ["'OpenSSH_9.2p1' | regex_search('[0-9]+\\.[0-9]+')", '9.2'],
      ["'OpenSSH_9.2p1' | regex_search('OpenSSH_(\\d+)\\.(\\d+)', '\\\\1', '\\\\2')", ['9', '2']],
      ["'OpenSSH_9.2p1' | regex_search('_(?P<major>\\d+)', '\\\\g<major>')", ['9']],
      ["'abc' | regex_search('x')", null],
      ["'ABC' | regex_search('b', ignorecase=true)", 'B'],
      ["'a\\nb' | regex_search('^b', multiline=true)", 'b'],
      ["'a\\nb' | regex_search('^b')", null],
      ["'(?i)' | regex_search('(?i)I')", 'i'],
      ["'hello world' | regex_replace('o', '0')", 'hell0 w0rld'],
      ["'hello world' | regex_replace('o', '0', count=1)", 'hell0 world'],
      ["'key=value' | regex_replace('^(\\w+)=(\\w+)$', '\\\\2=\\\\1')", 'value=key'],
      ["'key=value' | regex_replace('(?P<k>\\w+)=', '\\\\g<k>: ')", 'key: value'],
      ["'a.b' | regex_replace('\\.', '$&')", 'a$&b'], // no JS `$` replacement patterns
      ["'Port 22' | regex_replace('port', 'P', ignorecase=true)", 'P 22'],
      ["'a1b22' | regex_findall('\\d+')", ['1', '22']],
      ["'k=v,x=y' | regex_findall('(\\w)=(\\w)')", [['k', 'v'], ['x', 'y']]],
      ["'a.b*c' | regex_escape", 'a\\.b\\*c'],
      ["'abc' is match('b')", false], // match is anchored at the start
      ["'abc' is match('a')", true],
      ["'abc' is search('b')", true],
      ["'abc' is regex('b')", true],
      ["'abc' is regex('b', match_type='match')", false],
      ["'abc' is regex('abc', match_type='fullmatch')", true],
      ["'ABC' is search('b', ignorecase=true)", true],
      ["'abc' is search('c\\Z')", true],
      ["'abc' is search('\\Ab')", false],
    ])('%s', (expr, expected) => {
      expect(ev(expr)).toEqual(expected);
    });

    it('refuses absurdly long inputs and patterns', () => {
      const big = { big: 'a'.repeat(1_000_001) };
      expect(() => ev("big | regex_search('a')", big)).toThrow(/input is too long for a regular expression/);
      expect(() => ev("big is search('a')", big)).toThrow(/too long/);
      expect(() => ev("'a' | regex_replace(p, '')", { p: 'a'.repeat(10_001) })).toThrow(/pattern is too long/);
    });

    it('reports bad patterns and group references', () => {
      expect(() => ev("'a' | regex_search('(')")).toThrow(/filter 'regex_search': invalid regular expression '\('/);
      expect(() => ev("'a' | regex_replace('a', '\\\\3')")).toThrow(/invalid group reference '3'/);
      expect(() => ev("'a' | regex_search('a', 'x')")).toThrow(/group arguments look like/);
    });
  });

  it.each<[string, string]>([
    ['n | join', "filter 'join': expected a list, string or dict, got number 7"],
    ['n | split', "filter 'split': the value must be a string, got number 7"],
    ["'x' | from_json", "filter 'from_json': invalid JSON"],
    ['n | dict2items', "filter 'dict2items': the value must be a dict, got number 7"],
    ['[1] | items2dict', "filter 'items2dict': item 0 must be a dict"],
    ["[{'value': 1}] | items2dict", "'item[0].key' is undefined"],
    ["list | select('nope')", "filter 'select': unknown test 'nope'"],
    ["list | map('lowr')", "unknown filter 'lowr' (did you mean 'lower'?)"],
    ["[1, 'a'] | sort", "filter 'sort': cannot compare string with number"],
    ["{'a': 1} | combine(1)", "filter 'combine': argument 2 must be a dict"],
    ['n | round(1.5)', "filter 'round': precision must be an integer"],
    ["[[1], []] | map('first')", "'item[1] | first' is undefined (it is empty)"],
  ])('%s fails: %s', (expr, message) => {
    const err = thrown(() => ev(expr));
    expect(err).toBeInstanceOf(ExprEvalError);
    expect(err.message).toContain(message);
  });
});

describe('tests', () => {
  it.each<[string, boolean]>([
    ['nothing is none', true],
    ['n is none', false],
    ['s is string', true],
    ['n is string', false],
    ['n is number', true],
    ['f is number', true],
    ['yes is number', false],
    ['n is integer', true],
    ['f is integer', false],
    ['f is float', true],
    ['yes is boolean', true],
    ['n is boolean', false],
    ['nested is mapping', true],
    ['list is mapping', false],
    ['list is sequence', true],
    ['s is sequence', true],
    ['n is sequence', false],
    ['list is iterable', true],
    ['s is truthy', true],
    ['empty is truthy', false],
    ['empty is falsy', true],
    ['[] is falsy', true],
    ['{} is falsy', true],
    ['0 is falsy', true],
    ["'no' is truthy", true],
    ["'no' is truthy(convert_bool=true)", false],
    ["'no' is falsy(convert_bool=true)", true],
    ['yes is true', true],
    ['1 is true', false],
    ['no is false', true],
    ['n is equalto 7', true],
    ['n is equalto(7)', true],
    ['n is eq(7)', true],
    ['n is ne(7)', false],
    ['n is gt(5)', true],
    ['n is ge(7)', true],
    ['n is lt(5)', false],
    ['n is le(7)', true],
    ['n is sameas 7', true],
    ['nothing is sameas none', true],
    ['2 is in(list)', true],
    ['9 is in list', false],
    ["'H' is in(s)", true],
    ['list is contains(1)', true],
    ['list is contains(9)', false],
    ['n is divisibleby 7', true],
    ['n is divisibleby(2)', false],
    ['n is odd', true],
    ['n is even', false],
    ["'abc' is lower", true],
    ["'ABC' is upper", true],
    ['n is not string', true],
    ['missing is not defined', true],
  ])('%s', (expr, expected) => {
    expect(ev(expr)).toBe(expected);
  });

  describe('task results', () => {
    const results: Vars = {
      ok: { changed: false, failed: false, rc: 0 },
      changed: { changed: true, rc: 0 },
      bad: { failed: true, rc: 1 },
      skip: { skipped: true, changed: false },
      loop: { results: [{ changed: false }, { changed: true }] },
      down: { unreachable: true },
    };
    it.each<[string, boolean]>([
      ['ok is succeeded', true],
      ['ok is success', true],
      ['ok is failed', false],
      ['ok is changed', false],
      ['ok is skipped', false],
      ['changed is changed', true],
      ['changed is change', true],
      ['changed is succeeded', true], // no `failed` field means it did not fail
      ['bad is failed', true],
      ['bad is failure', true],
      ['bad is succeeded', false],
      ['bad is not failed', false],
      ['skip is skipped', true],
      ['skip is skip', true],
      ['loop is changed', true],
      ['down is unreachable', true],
      ['ok is reachable', true],
    ])('%s', (expr, expected) => {
      expect(evaluate(expr, results)).toBe(expected);
    });

    it('needs a result dict', () => {
      expect(() => evaluate("'x' is failed", {})).toThrow(/test 'failed': a registered task result must be a dict/);
    });
  });

  describe('versions, never compared as strings', () => {
    it.each<[string, boolean]>([
      ["'9.2p1' is version('8.5', '>=')", true],
      ["'9.2p1' is version('9.3', '<')", true],
      ["'10.0' is version('9.8', '>')", true], // as strings '10.0' < '9.8'
      ["'10.0' is version('9.8', 'gt')", true],
      ["'9.8' is version('10.0', 'lt')", true],
      ["'OpenSSH_9.2' is version('9.2', '==')", true],
      ["'OpenSSH_9.2p1 Debian-2+deb12u3' is version('9.2', 'eq')", true],
      ["'OpenSSH_7.4p1' is version('8.0', 'ge')", false],
      ["'8.9p1' is version('8.9', 'le')", true],
      ["'8.9p1' is version('9', 'ne')", true],
      ["'8.9p1' is version('8.9', '!=')", false],
      ["'7.4' is version('7.4')", true], // default operator is ==
      ["'1.2.3' is version('1.2.10', '<')", true],
      ['ssh_version is version("8.5", ">=")', true],
      ['result.stdout is version_compare("9.0", ">=")', true],
      ["'9.2' is version(9.1, '>')", true],
      ["'9.2' is not version('8.5', '<')", true],
    ])('%s', (expr, expected) => {
      expect(ev(expr)).toBe(expected);
    });

    it.each<[string, string]>([
      ["'9.2' is version('8.5', '=>')", "unknown version operator '=>' (use one of == = eq != <> ne < lt <= le > gt >= ge)"],
      ["'banana' is version('8.5', '>=')", "cannot read a version number from string 'banana'"],
      ["'9.2' is version(none, '>=')", 'version must be a string'],
    ])('%s fails', (expr, message) => {
      expect(() => ev(expr)).toThrow(message);
    });
  });
});

describe('syntax errors', () => {
  it.each<[string, number, string]>([
    ['', 0, 'empty expression'],
    ['   ', 3, 'empty expression'],
    ['1 +', 3, 'unexpected end of expression, expected a value'],
    ['(1 + 2', 6, "expected ')' to close '(', found end of expression"],
    ['[1, 2', 5, "expected ',' or ']' in list, found end of expression"],
    ["{'a' 1}", 5, "expected ':' after dict key, found number 1"],
    ["{'a': 1", 7, "expected ',' or '}' in dict"],
    ["'unterminated", 0, 'unterminated string: missing closing \''],
    ['x | lower(', 10, "expected ')' after filter arguments, found end of expression"],
    ["x | replace('a' 'b'", 19, "expected ',' or ')' after filter arguments, found end of expression"],
    ["x | replace('a', 'b' 3)", 21, "expected ',' or ')' after filter arguments, found number 3"],
    ['x is version("1" "2"', 20, "expected ',' or ')' after test arguments"],
    ['x |', 3, "expected a filter name after '|', found end of expression"],
    ['x | 3', 4, "expected a filter name after '|', found number 3"],
    ['x is', 4, "expected a test name after 'is'"],
    ['x.', 2, "expected an attribute name after '.'"],
    ['x[]', 2, 'empty subscript []'],
    ['x[1', 3, "expected ']' to close the subscript"],
    ['a b', 2, "unexpected 'b' after the end of the expression (missing operator?)"],
    ['a = 1', 2, "unexpected '=' after the end of the expression (use '==' to compare)"],
    ['a && b', 2, "'&&' is not an operator here; use 'and'"],
    ['a || b', 2, "'||' is not an operator here; use 'or'"],
    ['!a', 0, "unexpected character '!' (use 'not' for negation)"],
    ['a ? b : c', 2, "unexpected character '?' (use 'a if condition else b')"],
    ['$HOME', 0, "unexpected character '$' (variables are written by name, without '$')"],
    ['and', 0, "unexpected keyword 'and', expected a value"],
    ['x == {{ y }}', 5, "template delimiter '{{' inside an expression"],
    ['x | lowr', 4, "unknown filter 'lowr' (did you mean 'lower'?)"],
    ['x | frobnicate', 4, "unknown filter 'frobnicate'"],
    ['x is defind', 5, "unknown test 'defind' (did you mean 'defined'?)"],
    ['x | community.general.json_query("a")', 4, "unknown filter 'community.general.json_query'"],
    ['x | ansible.builtin.lowr', 4, "unknown filter 'ansible.builtin.lowr' (did you mean 'lower'?)"],
    ['x | default(1, true, 3)', 4, "filter 'default' takes at most 2 arguments (default_value, boolean), got 3"],
    ['x | lower(1)', 4, "filter 'lower' takes no arguments"],
    ['x | replace("a")', 4, "filter 'replace' needs argument 'new'"],
    ['x | join(sep=",")', 4, "filter 'join' has no parameter 'sep' (parameters: d, attribute)"],
    ['x | join(d=",", d=";")', 16, "keyword argument 'd' given twice"],
    ['x | join(d=",", "x")', 16, 'positional argument after keyword argument'],
    ['x is version', 5, "test 'version' needs argument 'version'"],
    ['f(x)', 0, "unknown function 'f()'"],
    ["'\\xZZ'", 1, "bad escape '\\x': expected 2 hex digits"],
  ])('%j at %i: %s', (expr, offset, message) => {
    const err = thrown(() => parseExpression(expr));
    expect(err).toBeInstanceOf(ExprSyntaxError);
    expect(err.message).toContain(message);
    expect((err as ExprSyntaxError).offset).toBe(offset);
  });

  it('evaluate() reports syntax errors too', () => {
    expect(() => evaluate('1 +', {})).toThrow(ExprSyntaxError);
  });

  it('parses once and evaluates many times', () => {
    const expr = parseExpression('x * 2');
    expect(evaluate(expr, { x: 2 })).toBe(4);
    expect(evaluate(expr, { x: 5 })).toBe(10);
    expect(parseExpression('x * 2')).toBe(expr);
  });
});

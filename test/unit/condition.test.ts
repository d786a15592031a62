import { describe, expect, it } from 'vitest';
import { ExprEvalError, ExprSyntaxError, UndefinedError, type Vars } from '../../src/playbook/expr.js';
import { checkCondition, evalCondition } from '../../src/playbook/condition.js';

const vars: Vars = {
  n: 7,
  s: 'Hello',
  empty: '',
  nothing: null,
  yes: true,
  no: false,
  list: [1],
  result: { changed: true, failed: false, rc: 0, stdout: 'OpenSSH_9.2p1 Debian-2' },
  os: 'Debian',
};

describe('evalCondition', () => {
  it.each<[unknown, boolean]>([
    [true, true],
    [false, false],
    [undefined, true],
    [null, true],
    ['', true],
    ['n > 5', true],
    ['n > 10', false],
    ['result is changed', true],
    ['result is failed', false],
    ['result.rc == 0 and result.stdout is search("OpenSSH")', true],
    ["result.stdout | regex_search('OpenSSH_([0-9.]+)', '\\\\1') | first is version('8.5', '>=')", true],
    ["os in ['Debian', 'Ubuntu']", true],
    ["os in ('RedHat', 'CentOS')", false],
    ['missing is not defined', true],
    ['missing | default(false)', false],
    ['{{ n > 5 }}', true], // a condition wrapped whole in {{ }} is tolerated
    ['  {{ no }}  ', false],
    // Python truthiness of the result
    ['s', true],
    ['empty', false],
    ['list', true],
    ['[]', false],
    ['{}', false],
    ['nothing', false],
    ['0', false],
    ["'0'", true],
    ["'false'", true], // a non-empty string, as in Python
    ["'false' | bool", false],
    // lists are AND
    [[], true],
    [['n > 5', 'yes'], true],
    [['n > 5', 'no'], false],
    [[true, 'n > 5'], true],
    [[false, 'missing > 1'], false], // stops at the first false
    [['missing is defined', 'missing > 1'], false],
    [['{{ yes }}', 'n == 7'], true],
  ])('%j → %s', (when, expected) => {
    expect(evalCondition(when, vars)).toBe(expected);
  });

  it('raises on undefined variables, naming them', () => {
    expect(() => evalCondition('missing', vars)).toThrow(UndefinedError);
    expect(() => evalCondition('result.stdotu == "x"', vars)).toThrow(
      "'result.stdotu' is undefined ('result' has no key 'stdotu'; did you mean 'stdout'?)",
    );
    expect(() => evalCondition(['yes', 'missing'], vars)).toThrow("'missing' is undefined");
  });

  it('refuses partly templated conditions', () => {
    expect(() => evalCondition("{{ os }} == 'Debian'", vars)).toThrow(ExprSyntaxError);
    expect(() => evalCondition("{{ os }} == 'Debian'", vars)).toThrow(/template delimiter '\{\{' inside an expression/);
  });

  it('takes a number as Ansible does: the expression it spells (when: 1 holds, when: 0 does not)', () => {
    expect(evalCondition(1, vars)).toBe(true);
    expect(evalCondition([true, 0], vars)).toBe(false);
  });

  it.each<[unknown, string]>([
    [{ a: 1 }, 'got object'],
    [[['nested']], 'got a nested list'],
    [[null], 'got null'],
  ])('rejects %j', (when, message) => {
    expect(() => evalCondition(when, vars)).toThrow(ExprEvalError);
    expect(() => evalCondition(when, vars)).toThrow(message);
  });
});

describe('checkCondition', () => {
  it.each<unknown>([
    true,
    undefined,
    null,
    '',
    'x is defined and x.y | default(1) > 0',
    '{{ x }}',
    ["'{#' in x", 'y'],
    [],
    42,
    [true, 0],
  ])('%j is fine', (when) => {
    expect(checkCondition(when)).toBeNull();
  });

  it.each<[unknown, { index?: number; offset: number; message: string }]>([
    ['x |', { offset: 3, message: "expected a filter name after '|', found end of expression" }],
    ['x | lowr == "a"', { offset: 4, message: "unknown filter 'lowr' (did you mean 'lower'?)" }],
    ['x is defind', { offset: 5, message: "unknown test 'defind' (did you mean 'defined'?)" }],
    ['{{ x | }}', { offset: 7, message: "expected a filter name after '|', found '}}'" }],
    ['{{ a }} and {{ b }}', { offset: 0, message: "template delimiter '{{' inside an expression" }],
    ['x = 1', { offset: 2, message: "unexpected '=' after the end of the expression (use '==' to compare)" }],
    [['ok', 'x || y'], { index: 1, offset: 2, message: "'||' is not an operator here; use 'or'" }],
    [[true, { a: 1 }], { index: 1, offset: 0, message: 'a condition must be an expression string, a boolean or a number, got object' }],
  ])('%j', (when, expected) => {
    const problem = checkCondition(when);
    expect(problem).not.toBeNull();
    expect(problem?.index).toBe(expected.index);
    expect(problem?.offset).toBe(expected.offset);
    expect(problem?.message).toContain(expected.message);
  });
});

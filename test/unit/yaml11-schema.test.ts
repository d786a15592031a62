import { describe, it, expect } from 'vitest';
import { parseYaml } from '../../src/yaml.js';
import { parseExtraVars } from '../../src/extra-vars.js';
import { pythonTimestamp } from '../../src/yaml11-schema.js';

// Expected values printed by PyYAML 6 (yaml.safe_load('v: ' + text)), the parser Ansible uses;
// dates and datetimes as Python's str() prints them.
const PYYAML: [string, unknown][] = [
  ["yes", true], // bool
  ["Yes", true], // bool
  ["YES", true], // bool
  ["yEs", "yEs"], // str
  ["no", false], // bool
  ["No", false], // bool
  ["NO", false], // bool
  ["true", true], // bool
  ["True", true], // bool
  ["TRUE", true], // bool
  ["false", false], // bool
  ["on", true], // bool
  ["On", true], // bool
  ["ON", true], // bool
  ["off", false], // bool
  ["Off", false], // bool
  ["OFF", false], // bool
  ["y", "y"], // str
  ["Y", "Y"], // str
  ["n", "n"], // str
  ["N", "N"], // str
  ["0644", 420], // int
  ["0o644", "0o644"], // str
  ["644", 644], // int
  ["0", 0], // int
  ["00", 0], // int
  ["-0644", -420], // int
  ["09", "09"], // str
  ["0b101", 5], // int
  ["-0b11", -3], // int
  ["0b", "0b"], // str
  ["0x1F", 31], // int
  ["-0x10", -16], // int
  ["0x", "0x"], // str
  ["1_000", 1000], // int
  ["1__0", 10], // int
  ["190:20:30", 685230], // int
  ["-1:30", -90], // int
  ["1:60", "1:60"], // str
  ["1.5", 1.5], // float
  ["1.5e3", "1.5e3"], // str
  ["1.5e+3", 1500.0], // float
  ["1.5E-2", 0.015], // float
  [".5", 0.5], // float
  ["-.5", "-.5"], // str
  ["1.", 1.0], // float
  ["+1.0", 1.0], // float
  ["1:30.5", 90.5], // float
  [".inf", Infinity], // float
  ["-.Inf", -Infinity], // float
  ["+.INF", Infinity], // float
  [".nan", NaN], // float
  [".NaN", NaN], // float
  ["~", null], // NoneType
  ["null", null], // NoneType
  ["Null", null], // NoneType
  ["NULL", null], // NoneType
  ["nULL", "nULL"], // str
  ["2024-01-02", "2024-01-02"], // date
  ["2024-1-2", "2024-1-2"], // str
  ["2024-01-02 10:20:30", "2024-01-02 10:20:30"], // datetime
  ["2024-01-02T10:20:30Z", "2024-01-02 10:20:30+00:00"], // datetime
  ["2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.100000-05:00"], // datetime
  ["2001-12-14 21:59:43.10 -5", "2001-12-14 21:59:43.100000-05:00"], // datetime
  ["1e3", "1e3"], // str
  ["<<x", "<<x"], // str
  ["+12", 12], // int
  ["-0", 0], // int
];

describe('YAML 1.1 scalars as PyYAML reads them', () => {
  it.each(PYYAML)('%s', (text, want) => {
    const got = (parseYaml(`v: ${text}\n`, 't.yml').data as { v: unknown }).v;
    expect(got).toStrictEqual(want);
  });

  it('leaves quoted and explicitly tagged scalars alone', () => {
    const data = parseYaml(`a: "no"\nb: 'yes'\nc: !!str 0644\nd: !!int "0644"\ne: !!bool "on"\n`, 't.yml').data;
    expect(data).toEqual({ a: 'no', b: 'yes', c: '0644', d: 420, e: true });
  });

  it('types mapping keys and list items the same way', () => {
    expect(parseYaml(`- no\n- 0644\n- 2024-01-02\n`, 't.yml').data).toEqual([false, 420, '2024-01-02']);
    expect(parseYaml(`{yes: 1, 010: 2}\n`, 't.yml').data).toEqual({ true: 1, 8: 2 });
  });

  it('keeps merge keys and positions', () => {
    const doc = parseYaml(`base: &b {x: 1}\nuse:\n  <<: *b\n  flag: off\n`, 't.yml');
    expect(doc.data).toEqual({ base: { x: 1 }, use: { x: 1, flag: false } });
    expect(doc.at(['use', 'flag'])).toEqual({ file: 't.yml', line: 4, col: 9 });
  });

  it('reads -e mappings with the same schema; key=value stays a string', () => {
    expect(parseExtraVars(['{a: no, m: 0644}', 'b=no'])).toEqual({ a: false, m: 420, b: 'no' });
  });

  it('refuses impossible dates as timestamps', () => {
    expect(pythonTimestamp('2024-02-30')).toBeUndefined();
    expect(pythonTimestamp('2024-01-02 24:00:00')).toBeUndefined();
    expect(pythonTimestamp('2024-01-02 1:02:03.5')).toBe('2024-01-02 01:02:03.500000');
  });
});

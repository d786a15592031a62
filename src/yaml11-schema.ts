// The values Ansible sees: PyYAML's YAML 1.1 implicit types, as a js-yaml schema (js-yaml 4
// itself reads YAML 1.2 core, where `no` is a string and `0644` is 644). The regular
// expressions are PyYAML's resolver.py ones, so exactly these plain scalars change type:
//   yes/no/true/false/on/off (three case forms each; not y/n)   → booleans
//   0644 → 420 (octal)  0b101 → 5  0x1F → 31  1_000 → 1000  190:20:30 → 685230 (base 60)
//   1.5 / 1.5e+3 / .5 / 1:30.5 / .inf / .nan → floats (but 1.5e3, without an exponent sign, is a string)
//   ~ / null / Null / NULL / empty → null
//   2024-01-02 and 2024-01-02 10:20:30 → timestamps, kept as the text Python's str() prints
//     (Ansible holds a date/datetime object; a string is what templates and `debug` show)
//   09, y, n, 1e3 → strings
import yaml from 'js-yaml';

const BOOL_TRUE = ['yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'];
const BOOL_FALSE = ['no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'];

const INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const TIMESTAMP =
  /^(\d{4})-(\d\d?)-(\d\d?)(?:(?:[Tt]|[ \t]+)(\d\d?):(\d\d):(\d\d)(?:\.(\d*))?(?:[ \t]*(Z|([-+])(\d\d?)(?::(\d\d))?))?)?$/;
const DATE_ONLY = /^\d{4}-\d\d-\d\d$/;

const text = (data: unknown): data is string => typeof data === 'string';

const nullType = new yaml.Type('tag:yaml.org,2002:null', {
  kind: 'scalar',
  resolve: (data: unknown) => data === null || data === '' || data === '~' || data === 'null' || data === 'Null' || data === 'NULL',
  construct: () => null,
  predicate: (v: unknown) => v === null,
  represent: () => 'null',
});

const boolType = new yaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (data: unknown) => text(data) && (BOOL_TRUE.includes(data) || BOOL_FALSE.includes(data)),
  construct: (data: string) => BOOL_TRUE.includes(data),
  predicate: (v: unknown) => typeof v === 'boolean',
  represent: (v: object) => String(v),
});

/** PyYAML's construct_yaml_int: sign, then 0b / 0x / leading-0 octal / base 60 / decimal. */
function constructInt(data: string): number {
  let s = data.replace(/_/g, '');
  const sign = s.startsWith('-') ? -1 : 1;
  if (s[0] === '-' || s[0] === '+') s = s.slice(1);
  if (s === '0') return 0;
  if (s.startsWith('0b')) return sign * parseInt(s.slice(2), 2);
  if (s.startsWith('0x')) return sign * parseInt(s.slice(2), 16);
  if (s.startsWith('0')) return sign * parseInt(s, 8);
  if (s.includes(':')) return sign * sexagesimal(s);
  return sign * parseInt(s, 10);
}

function sexagesimal(s: string): number {
  return s.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
}

const intType = new yaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  // `0b_` or `0x` alone match the regex but Python's int() rejects them; leave those strings.
  resolve: (data: unknown) => text(data) && INT.test(data) && !Number.isNaN(constructInt(data)),
  construct: constructInt,
  predicate: (v: unknown) => typeof v === 'number' && Number.isInteger(v),
  represent: (v: object) => String(v),
});

function constructFloat(data: string): number {
  let s = data.replace(/_/g, '').toLowerCase();
  const sign = s.startsWith('-') ? -1 : 1;
  if (s[0] === '-' || s[0] === '+') s = s.slice(1);
  if (s === '.inf') return sign * Infinity;
  if (s === '.nan') return NaN;
  if (s.includes(':')) return sign * sexagesimal(s);
  return sign * Number(s);
}

const floatType = new yaml.Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (data: unknown) => text(data) && FLOAT.test(data),
  construct: constructFloat,
  predicate: (v: unknown) => typeof v === 'number' && !Number.isInteger(v),
  represent: (v: object) => String(v),
});

/**
 * What Python's str() prints for the date or datetime PyYAML builds: `2024-01-02`,
 * `2024-01-02 10:20:30`, `2001-12-14 21:59:43.100000-05:00`. Undefined for impossible dates
 * (PyYAML then fails; we leave the text a string).
 */
export function pythonTimestamp(data: string): string | undefined {
  const m = TIMESTAMP.exec(data);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz, tzSign, tzH, tzM] = m;
  const pad = (v: string | undefined, n = 2): string => (v ?? '0').padStart(n, '0');
  const date = `${y}-${pad(mo)}-${pad(d)}`;
  const probe = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(probe.getTime()) || probe.toISOString().slice(0, 10) !== date) return undefined;
  if (h === undefined) return date;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  const micro = frac ? frac.slice(0, 6).padEnd(6, '0') : '';
  let out = `${date} ${pad(h)}:${mi}:${s}${Number(micro) ? `.${micro}` : ''}`;
  if (tz === 'Z') out += '+00:00';
  else if (tzSign) out += `${tzSign}${pad(tzH)}:${tzM ?? '00'}`;
  return out;
}

const timestampType = new yaml.Type('tag:yaml.org,2002:timestamp', {
  kind: 'scalar',
  // PyYAML's date-only form needs two-digit month and day; the datetime form does not.
  resolve: (data: unknown) => text(data) && (DATE_ONLY.test(data) || /[Tt \t]/.test(data)) && pythonTimestamp(data) !== undefined,
  construct: (data: string) => pythonTimestamp(data)!,
});

const mergeType = new yaml.Type('tag:yaml.org,2002:merge', {
  kind: 'scalar',
  resolve: (data: unknown) => data === '<<',
});

// js-yaml exports its types at run time; @types/js-yaml does not declare them.
const { binary, omap, pairs, set } = (yaml as unknown as { types: Record<string, yaml.Type> }).types;

/** One schema for every YAML file and `-e` mapping remedy reads. */
export const YAML11_SCHEMA = yaml.FAILSAFE_SCHEMA.extend({
  implicit: [nullType, boolType, intType, floatType, timestampType, mergeType],
  explicit: [binary!, omap!, pairs!, set!],
});

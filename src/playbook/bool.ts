// Ansible's conversions between booleans, numbers and text (module_utils/parsing/convert_bool.py
// and Python's str()), shared by keywords (become:, ignore_errors:) and module arguments.

const BOOLEANS_TRUE = new Set<unknown>(['y', 'yes', 'on', '1', 'true', 't', 1, true]);
const BOOLEANS_FALSE = new Set<unknown>(['n', 'no', 'off', '0', 'false', 'f', 0, false]);

/** Ansible's boolean(value, strict=True): undefined when the value is in neither set. */
export function ansibleBoolean(v: unknown): boolean | undefined {
  const key = typeof v === 'string' ? v.trim().toLowerCase() : v;
  if (BOOLEANS_TRUE.has(key)) return true;
  if (BOOLEANS_FALSE.has(key)) return false;
  return undefined;
}

/** Python's str() of a number or boolean: True, False, 42, 1.5, inf, nan. */
export function pythonStr(v: number | boolean): string {
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return String(v);
}

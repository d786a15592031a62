// MaxStartups start:rate:full, read the way sshd reads it (servconf.c sMaxStartups) and raised
// without ever making the daemon stricter than it already is.
//
// sshd refuses a new unauthenticated connection when `full` are pending, never below `start`,
// and in between with probability rate% rising linearly to 100% (sshd.c should_drop_connection).

export interface MaxStartups {
  start: number;
  /** Percent, 1..100. For the single-number form sshd fills in 30, which never applies (start = full). */
  rate: number;
  full: number;
}

export type MaxStartupsParse =
  | { ok: true; value: MaxStartups; form: 'single' | 'triple'; warning?: string }
  | { ok: false; error: string };

/** sshd's compiled-in default (fill_default_server_options). */
export const DEFAULT_MAX_STARTUPS: MaxStartups = { start: 10, rate: 30, full: 100 };

/** C sscanf("%d"): optional leading whitespace, optional sign, at least one digit. */
function scanInt(s: string, i: number): { value: number; next: number } | null {
  let j = i;
  while (j < s.length && /\s/.test(s[j]!)) j++;
  const m = /^[+-]?\d+/.exec(s.slice(j));
  if (!m) return null;
  return { value: Number.parseInt(m[0], 10), next: j + m[0].length };
}

/**
 * Parse a MaxStartups argument with sshd's rules: `sscanf(arg, "%d:%d:%d")` must yield 3 numbers
 * (start <= full, 1 <= rate <= 100) or exactly 1 (then full = start); both must be > 0 (9.2+).
 * Like sscanf, trailing garbage after the numbers read is ignored — reported as a warning.
 */
export function parseMaxStartups(text: string): MaxStartupsParse {
  const nums: number[] = [];
  let end = 0; // just past the last number sscanf converted
  for (let k = 0; k < 3; k++) {
    if (k > 0 && text[end] !== ':') break;
    const r = scanInt(text, k > 0 ? end + 1 : end);
    if (!r) break;
    nums.push(r.value);
    end = r.next;
  }
  const rest = text.slice(end);
  const warning = rest.trim() !== '' ? `sshd ignores the trailing '${rest}'` : undefined;
  const withWarning = <T extends object>(v: T): T => (warning ? { ...v, warning } : v);
  if (nums.length === 3) {
    const [start, rate, full] = nums as [number, number, number];
    if (start > full) return { ok: false, error: `MaxStartups ${text}: start (${start}) is larger than full (${full})` };
    if (rate < 1 || rate > 100) return { ok: false, error: `MaxStartups ${text}: rate must be 1..100, not ${rate}` };
    if (start <= 0 || full <= 0) return { ok: false, error: `MaxStartups ${text}: values must be positive` };
    return withWarning({ ok: true as const, value: { start, rate, full }, form: 'triple' as const });
  }
  if (nums.length === 1) {
    const start = nums[0]!;
    if (start <= 0) return { ok: false, error: `MaxStartups ${text}: value must be positive` };
    return withWarning({ ok: true as const, value: { start, rate: DEFAULT_MAX_STARTUPS.rate, full: start }, form: 'single' as const });
  }
  return { ok: false, error: `MaxStartups '${text}' is not N or start:rate:full` };
}

/** Always the explicit start:rate:full form, which every sshd version reads the same way. */
export function formatMaxStartups(v: MaxStartups): string {
  return `${v.start}:${v.rate}:${v.full}`;
}

function toMaxStartups(v: MaxStartups | string | null | undefined): { value: MaxStartups; single: boolean } {
  if (v === null || v === undefined) return { value: DEFAULT_MAX_STARTUPS, single: false };
  if (typeof v !== 'string') return { value: v, single: false };
  const p = parseMaxStartups(v);
  if (!p.ok) throw new Error(p.error);
  return { value: p.value, single: p.form === 'single' };
}

/**
 * The MaxStartups to set so that at least `floor` unauthenticated connections get through, or
 * null when `current` (null = unset = 10:30:100) already admits as many.
 *
 * start and full are capacities: take the larger of each, never lowering one already higher.
 * rate is a drop probability, so "raising" it would make sshd stricter: the current rate is kept
 * (a single-number current value has no effective rate, start = full, so the floor's rate is used).
 */
export function raiseMaxStartups(
  current: MaxStartups | string | null | undefined,
  floor: MaxStartups | string,
): { value: MaxStartups; text: string } | null {
  const cur = toMaxStartups(current);
  const min = toMaxStartups(floor).value;
  if (cur.value.start >= min.start && cur.value.full >= min.full) return null;
  const value: MaxStartups = {
    start: Math.max(cur.value.start, min.start),
    rate: cur.single ? min.rate : cur.value.rate,
    full: Math.max(cur.value.full, min.full),
  };
  return { value, text: formatMaxStartups(value) };
}

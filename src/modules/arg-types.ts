// Module argument types that convert as Ansible's argument spec does (module_utils/common/
// validation.py check_type_*), so `content: 42`, `create: 'yes'` and `port: '2222'` work as in
// Ansible. Every module builds its schema from these; zod then applies the module's own rules.
import { z } from 'zod';
import { ansibleBoolean, pythonStr } from '../playbook/bool.js';

/** type='str': numbers and booleans become the text Python's str() prints (True, 1.5, 42). */
export function str<T extends z.ZodType>(inner: T): z.ZodPipe<z.ZodTransform<unknown, unknown>, T>;
export function str(): z.ZodPipe<z.ZodTransform<unknown, unknown>, z.ZodString>;
export function str(inner: z.ZodType = z.string()): z.ZodType {
  return z.preprocess((v) => (typeof v === 'number' || typeof v === 'boolean' ? pythonStr(v) : v), inner);
}

/** type='bool': Ansible's boolean() sets — yes/no, true/false, on/off, y/n, t/f, 1/0 (any case). */
export const boolArg = z.preprocess((v) => ansibleBoolean(v) ?? v, z.boolean());

/** Python's int(str): optional sign, digits with single underscores between them, blanks around. */
const INT_TEXT = /^\s*[-+]?\d+(?:_\d+)*\s*$/;

/** type='int': '3' → 3, 3.0 → 3; 3.5 and 'three' are refused. */
export function int<T extends z.ZodType>(inner: T): z.ZodPipe<z.ZodTransform<unknown, unknown>, T>;
export function int(): z.ZodPipe<z.ZodTransform<unknown, unknown>, z.ZodNumber>;
export function int(inner: z.ZodType = z.number().int()): z.ZodType {
  return z.preprocess((v) => {
    if (typeof v === 'string' && INT_TEXT.test(v)) return Number(v.replace(/_/g, ''));
    return v;
  }, inner);
}

/**
 * `mode` as Ansible's file module reads it, normalised to four octal digits: a string of octal
 * digits ('0644', '644'), or a number holding the bits (YAML 1.1 reads 0644 as 420). Symbolic
 * modes (u=rw,g=r) are not supported. A bare 644 — the decimal number, which Ansible would apply
 * as 01204 — is refused rather than applied.
 */
export const modeArg = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const mode = modeBits(v);
  if (typeof mode === 'string') {
    ctx.addIssue({ code: 'custom', message: mode });
    return z.NEVER;
  }
  return mode.toString(8).padStart(4, '0');
});

function modeBits(v: string | number): number | string {
  if (typeof v === 'string') {
    const s = v.trim();
    return /^0?[0-7]{3,4}$/.test(s) ? parseInt(s, 8) : `mode: expected an octal mode like '0644', got '${s}'`;
  }
  if (!Number.isInteger(v) || v < 0 || v > 0o7777) return `mode: expected an octal mode like '0644', got ${v}`;
  if (v >= 0o1000 && /^[0-7]{3}$/.test(String(v))) {
    return `mode: ${v} is a decimal number (it means 0${v.toString(8)}, as Ansible would apply it): write '0${v}' or 0${v}`;
  }
  return v;
}

/** owner/group: a name or a numeric id. */
export const idArg = z.union([z.string(), z.number()]).transform(String);

/**
 * A path on the host: absolute. A relative one would depend on the login user's home and on
 * become, which a remediation must not guess (Ansible resolves it on the host). Any byte but NUL
 * may be in a name, a newline too: every file operation quotes the path and reads it back whole.
 */
export const absPath = str(z.string().min(1).refine((p) => p.startsWith('/') && !p.includes('\0'), 'expected an absolute path'));

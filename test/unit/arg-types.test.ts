import { describe, it, expect } from 'vitest';
import { z } from 'zod';
import { boolArg, int, modeArg, str } from '../../src/modules/arg-types.js';
import { ansibleBoolean, pythonStr } from '../../src/playbook/bool.js';
import { copy } from '../../src/modules/copy.js';
import { sshdConfig } from '../../src/modules/sshd-config.js';
import { parseModuleArgs } from '../../src/playbook/args.js';

describe("module argument conversions (Ansible's check_type_*)", () => {
  it('str: numbers and booleans as Python str() prints them', () => {
    expect(str().parse(42)).toBe('42');
    expect(str().parse(1.5)).toBe('1.5');
    expect(str().parse(true)).toBe('True');
    expect(str().parse(false)).toBe('False');
    expect(pythonStr(Infinity)).toBe('inf');
    expect(str(z.string().min(3)).safeParse(7).success).toBe(false);
    expect(str().safeParse(['a']).success).toBe(false);
  });

  it("bool: Ansible's BOOLEANS_TRUE / BOOLEANS_FALSE, any case", () => {
    for (const v of ['yes', 'YES', 'on', 'true', 'True', 'y', 't', '1', 1, true, ' yes ']) expect(boolArg.parse(v)).toBe(true);
    for (const v of ['no', 'off', 'false', 'n', 'f', '0', 0, false]) expect(boolArg.parse(v)).toBe(false);
    for (const v of ['maybe', 2, '', null]) expect(boolArg.safeParse(v).success).toBe(false);
    expect(ansibleBoolean('On')).toBe(true);
  });

  it("int: '3' → 3 as Python's int() reads it; 3.5 and 'x' refused", () => {
    expect(int().parse('3')).toBe(3);
    expect(int().parse(' -3 ')).toBe(-3);
    expect(int().parse('1_000')).toBe(1000);
    expect(int().parse(3)).toBe(3);
    for (const v of ['3.5', 'x', '0x10', 3.5, '1__0']) expect(int().safeParse(v).success).toBe(false);
  });

  it("mode: octal strings, or the bits of a number (YAML 1.1's 0644 is 420)", () => {
    expect(modeArg.parse('0644')).toBe('0644');
    expect(modeArg.parse('644')).toBe('0644');
    expect(modeArg.parse(420)).toBe('0644');
    expect(modeArg.parse(0o4755)).toBe('4755');
    expect(modeArg.parse(0o600)).toBe('0600');
    const decimal = modeArg.safeParse(644);
    expect(decimal.success).toBe(false);
    expect(decimal.error?.issues[0]?.message).toMatch(/644 is a decimal number.*'0644'/);
    expect(modeArg.safeParse('u=rw').success).toBe(false);
  });

  it('modules use them: copy content 42 writes "42", mode 0644 (420) is 0644', () => {
    const r = parseModuleArgs(copy, { dest: '/tmp/x', content: 42, mode: 420 });
    expect(r).toEqual({ ok: true, value: { dest: '/tmp/x', content: '42', mode: '0644', backup: false } });
  });

  it('copy content: a list or dict is written as json.dumps() of it, as Ansible\'s copy action does', () => {
    const r = parseModuleArgs(copy, { dest: '/tmp/x', content: { a: [1, 'b', true, null], c: 1.5 } });
    expect(r.ok && (r.value as { content: string }).content).toBe('{"a": [1, "b", true, null], "c": 1.5}');
    const list = parseModuleArgs(copy, { dest: '/tmp/x', content: ['x', 2] });
    expect(list.ok && (list.value as { content: string }).content).toBe('["x", 2]');
  });

  it('sshd_config: YAML 1.1 booleans are written yes/no; a base-60 MaxStartups is refused', () => {
    const r = parseModuleArgs(sshdConfig, { set: { PermitRootLogin: false, UseDNS: true } });
    expect(r.ok && (r.value as { set: unknown }).set).toEqual({ PermitRootLogin: 'no', UseDNS: 'yes' });
    const bad = parseModuleArgs(sshdConfig, { set: { MaxStartups: 37850 } });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.issues[0]!.message).toMatch(/unquoted 10:30:50/);
    expect(parseModuleArgs(sshdConfig, { raise_maxstartups: 37850 }).ok).toBe(false);
    expect(parseModuleArgs(sshdConfig, { raise_maxstartups: '10:30:50' }).ok).toBe(true);
  });
});

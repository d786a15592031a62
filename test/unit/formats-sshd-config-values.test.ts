import { describe, it, expect } from 'vitest';
import {
  ACCUMULATING_KEYWORDS,
  DEFAULT_MAX_STARTUPS,
  checkKeywordSupported,
  keywordInfo,
  keywordMinVersion,
  keywordPrecedence,
  parseMaxStartups,
  raiseMaxStartups,
} from '../../src/formats/sshd-config.js';

describe('parseMaxStartups (servconf.c sMaxStartups rules)', () => {
  it.each([
    ['10:30:100', { start: 10, rate: 30, full: 100 }, 'triple'],
    ['3:50:5', { start: 3, rate: 50, full: 5 }, 'triple'],
    ['10:100:10', { start: 10, rate: 100, full: 10 }, 'triple'],
    // One number: full = start; sshd fills rate with its default 30, which never applies (start = full).
    ['10', { start: 10, rate: 30, full: 10 }, 'single'],
    ['1', { start: 1, rate: 30, full: 1 }, 'single'],
  ] as const)('%s → %o', (text, value, form) => {
    expect(parseMaxStartups(text)).toEqual({ ok: true, value, form });
  });

  it.each([
    ['20:30:10', 'start (20) is larger than full (10)'],
    ['10:0:100', 'rate must be 1..100, not 0'],
    ['10:101:100', 'rate must be 1..100, not 101'],
    ['0', 'must be positive'],
    ['0:30:100', 'must be positive'],
    ['10:30', 'is not N or start:rate:full'],
    ['', 'is not N or start:rate:full'],
    ['abc', 'is not N or start:rate:full'],
  ])('%s is refused (%s)', (text, error) => {
    const r = parseMaxStartups(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(error);
  });

  it('is as lenient as sscanf about trailing text, and says so', () => {
    expect(parseMaxStartups('10:abc')).toEqual({ ok: true, value: { start: 10, rate: 30, full: 10 }, form: 'single', warning: "sshd ignores the trailing ':abc'" });
    expect(parseMaxStartups('10:30:100x')).toMatchObject({ ok: true, value: { start: 10, rate: 30, full: 100 }, warning: "sshd ignores the trailing 'x'" });
  });

  it('default when unset is 10:30:100', () => {
    expect(DEFAULT_MAX_STARTUPS).toEqual({ start: 10, rate: 30, full: 100 });
    expect(keywordInfo('MaxStartups')?.defaultValue).toBe('10:30:100');
  });
});

describe('raiseMaxStartups never lowers anything', () => {
  it.each([
    // current (null = unset), floor, result (null = already enough)
    [null, '10:30:100', null],
    [null, '20:30:200', '20:30:200'],
    ['10:30:60', '10:30:100', '10:30:100'],
    ['3:50:5', '10:30:100', '10:50:100'],
    ['20:30:200', '10:30:100', null],
    ['30:10:40', '10:30:100', '30:10:100'],
    ['5', '10:30:100', '10:30:100'],
    ['50', '10:30:100', '50:30:100'],
    ['200', '10:30:100', null],
    ['100:30:100', '10:30:100', null],
    ['10:30:100', '10:30:100', null],
    ['9:30:100', '10:30:100', '10:30:100'],
    ['10:30:99', '10:30:100', '10:30:100'],
  ] as const)('%s with floor %s → %s', (current, floor, expected) => {
    const r = raiseMaxStartups(current, floor);
    expect(r?.text ?? null).toBe(expected);
    if (r) {
      const cur = current === null ? DEFAULT_MAX_STARTUPS : (parseMaxStartups(current) as { value: { start: number; full: number } }).value;
      expect(r.value.start).toBeGreaterThanOrEqual(cur.start);
      expect(r.value.full).toBeGreaterThanOrEqual(cur.full);
      expect(parseMaxStartups(r.text).ok).toBe(true);
    }
  });

  it('accepts parsed values and refuses invalid text', () => {
    expect(raiseMaxStartups({ start: 3, rate: 50, full: 5 }, { start: 10, rate: 30, full: 100 })?.value).toEqual({ start: 10, rate: 50, full: 100 });
    expect(() => raiseMaxStartups('20:30:10', '10:30:100')).toThrow(/larger than full/);
  });
});

describe('version gates (semver, never string comparison)', () => {
  it.each([
    ['PerSourceMaxStartups', '8.5.0'],
    ['PerSourceNetBlockSize', '8.5.0'],
    ['PerSourcePenalties', '9.8.0'],
    ['PerSourcePenaltyExemptList', '9.8.0'],
    ['Include', '8.2.0'],
    ['ChannelTimeout', '9.2.0'],
    ['UnusedConnectionTimeout', '9.2.0'],
    ['RequiredRSASize', '9.1.0'],
    ['ModuliFile', '8.6.0'],
    ['LogVerbose', '8.5.0'],
    ['RefuseConnection', '9.9.0'],
    ['persourcepenalties', '9.8.0'],
    ['MaxStartups', null],
    ['PubkeyAcceptedKeyTypes', null],
    ['PubkeyAcceptedAlgorithms', '8.5.0'],
    ['NoSuchKeyword', null],
  ] as const)('%s → %s', (keyword, min) => {
    expect(keywordMinVersion(keyword)).toBe(min);
  });

  it.each([
    ['PerSourcePenalties', '9.2.0', 'PerSourcePenalties needs OpenSSH 9.8 or later; this host runs 9.2'],
    ['PerSourcePenalties', '9.8.0', null],
    ['PerSourcePenalties', '10.0.0', null], // '10.0' < '9.8' as text; not as versions
    ['persourcepenaltyexemptlist', '9.7.0', 'PerSourcePenaltyExemptList needs OpenSSH 9.8 or later; this host runs 9.7'],
    ['PerSourceMaxStartups', '8.4.0', 'PerSourceMaxStartups needs OpenSSH 8.5 or later; this host runs 8.4'],
    ['PerSourceMaxStartups', 'OpenSSH_8.9p1 Ubuntu-3ubuntu0.10, OpenSSL 3.0.2 15 Mar 2022', null],
    ['Include', '7.9.0', 'Include needs OpenSSH 8.2 or later; this host runs 7.9'],
    ['Include', '8.2', null],
    ['ChannelTimeout', '9.2p1', null],
    ['MaxStartups', '5.0.0', null],
    ['PerSourcePenalties', 'unknown', "PerSourcePenalties needs OpenSSH 9.8 or later; cannot read the host's version from 'unknown'"],
  ] as const)('%s on %s → %s', (keyword, version, message) => {
    expect(checkKeywordSupported(keyword, version)).toBe(message);
  });
});

describe('keyword semantics from servconf.c', () => {
  it('lists the accumulating keywords', () => {
    expect(ACCUMULATING_KEYWORDS).toEqual(['Port', 'HostKey', 'ListenAddress', 'AllowUsers', 'DenyUsers', 'AllowGroups', 'DenyGroups', 'Subsystem', 'AcceptEnv', 'HostCertificate', 'Include']);
  });
  it('knows which keywords may appear in Match', () => {
    expect(keywordInfo('MaxStartups')?.matchAllowed).toBe(false);
    expect(keywordInfo('PerSourcePenalties')?.matchAllowed).toBe(false);
    expect(keywordInfo('PasswordAuthentication')?.matchAllowed).toBe(true);
    expect(keywordInfo('AllowUsers')?.matchAllowed).toBe(true);
    expect(keywordInfo('Protocol')?.deprecated).toBe(true);
    expect(keywordInfo('DebianBanner')).toBeNull();
  });
  it('MaxStartups/PerSourceNetBlockSize order depends on the version; others are fixed', () => {
    expect(keywordPrecedence('MaxStartups', '10.0.0')).toBe('last');
    expect(keywordPrecedence('MaxStartups', '10.1.0')).toBe('first');
    expect(keywordPrecedence('PerSourceNetBlockSize', '9.2.0')).toBe('last');
    expect(keywordPrecedence('MaxStartups')).toBe('ambiguous');
    expect(keywordPrecedence('PasswordAuthentication')).toBe('first');
    expect(keywordPrecedence('Port')).toBe('accumulate');
    expect(keywordPrecedence('PerSourcePenalties')).toBe('merge');
    expect(keywordPrecedence('StreamLocalBindMask')).toBe('last');
  });
});

// The batch script run by a local sh: several writes share one stdin stream, commands never see
// it, the first failure stops everything after it, and a cut exec is told apart from a failure.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchScript, parseBatchOutput, stepError, type BatchStep } from '../../src/engine/batch.js';
import type { RunChange, WriteChange } from '../../src/engine/change.js';

const dir = mkdtempSync(join(tmpdir(), 'remedy-batch-'));

function write(path: string, content: string, extra: Partial<WriteChange> = {}): BatchStep {
  const change: WriteChange = { kind: 'write', path, before: { path, kind: 'absent' }, content: Buffer.from(content), mode: '0640', ...extra };
  return { kind: 'write', change, realPath: path, prefix: '' };
}
function run(command: string, extra: Partial<RunChange> = {}): BatchStep {
  return { kind: 'run', change: { kind: 'run', command, ...extra }, prefix: '' };
}
function exec(steps: BatchStep[], stdinOverride?: Buffer) {
  const { script, stdin } = batchScript(steps);
  const r = spawnSync('sh', ['-c', script], { input: stdinOverride ?? stdin });
  return { code: r.status, outcomes: parseBatchOutput(steps, r.stdout.toString(), 'no result: cut') };
}

describe('a host batch', () => {
  it('writes several files from one stdin stream, each exactly its bytes, with mode', () => {
    const [a, b, c] = ['a', 'b', 'c'].map((n) => join(dir, `w-${n}`));
    const big = 'x'.repeat(200_000) + '\n';
    const { code, outcomes } = exec([write(a!, 'first\n'), write(b!, big), write(c!, '', { mode: '0600' })]);
    expect(code).toBe(0);
    expect(outcomes.map((o) => o.ran && o.code)).toEqual([0, 0, 0]);
    expect(readFileSync(a!, 'utf8')).toBe('first\n');
    expect(readFileSync(b!, 'utf8')).toBe(big);
    expect(readFileSync(c!, 'utf8')).toBe('');
    expect(statSync(a!).mode & 0o777).toBe(0o640);
    expect(statSync(c!).mode & 0o777).toBe(0o600);
  });

  it('keeps commands off the write stream: their stdin is their own bytes or nothing', () => {
    const after = join(dir, 'after-cat');
    const { outcomes } = exec([run('cat'), run('cat', { stdin: 'given\n' }), write(after, 'intact\n')]);
    expect(outcomes[0]).toMatchObject({ ran: true, code: 0, stdout: '' });
    expect(outcomes[1]).toMatchObject({ ran: true, code: 0, stdout: 'given\n' });
    expect(readFileSync(after, 'utf8')).toBe('intact\n');
  });

  it('captures stdout, stderr and exit code apart; ok codes let the batch go on', () => {
    const { outcomes } = exec([run('echo out; echo err >&2; exit 3', { okCodes: [3] }), run('printf "%s" "a b"')]);
    expect(outcomes[0]).toEqual({ ran: true, code: 3, stdout: 'out\n', stderr: 'err\n' });
    expect(outcomes[1]).toEqual({ ran: true, code: 0, stdout: 'a b', stderr: '' });
  });

  it('stops at the first failure: nothing after it runs, and says why', () => {
    const later = join(dir, 'never');
    const steps = [run('true'), run('echo broken >&2; exit 1'), write(later, 'no\n'), run(`touch ${later}.cmd`)];
    const { outcomes } = exec(steps);
    expect(outcomes[0]).toMatchObject({ ran: true, code: 0 });
    expect(stepError(steps[1]!.change, outcomes[1]!)).toBe('non-zero return code 1: broken');
    expect(outcomes[2]).toEqual({ ran: false, why: "not run: step 2 of this host's batch failed before it" });
    expect(outcomes[3]!.ran).toBe(false);
    expect(existsSync(later)).toBe(false);
    expect(existsSync(`${later}.cmd`)).toBe(false);
  });

  it('a step cannot leave the batch: exit and set -e stay inside it', () => {
    const f = join(dir, 'after-exit');
    const { outcomes } = exec([run('exit 0; echo no'), run('set -e; false; echo no', { okCodes: [1] }), write(f, 'yes\n')]);
    expect(outcomes.map((o) => o.ran && o.code)).toEqual([0, 1, 0]);
    expect(readFileSync(f, 'utf8')).toBe('yes\n');
  });

  it('a failed validation keeps the original and stops the batch', () => {
    const f = join(dir, 'validated');
    writeFileSync(f, 'good\n');
    const steps = [write(f, 'bad\n', { validate: 'grep -q good %s' }), run('true')];
    const { outcomes } = exec(steps);
    expect(stepError(steps[0]!.change, outcomes[0]!)).toMatch(/^validation of .*validated failed, file left unchanged/);
    expect(outcomes[1]!.ran).toBe(false);
    expect(readFileSync(f, 'utf8')).toBe('good\n');
  });

  it('content cut short: the file is left as it was and later writes do not run', () => {
    const [a, b] = [join(dir, 'cut-a'), join(dir, 'cut-b')];
    writeFileSync(a, 'old\n');
    const steps = [write(a, 'new content\n'), write(b, 'more\n')];
    const { outcomes } = exec(steps, Buffer.from('new'));
    expect(stepError(steps[0]!.change, outcomes[0]!)).toMatch(/arrived incomplete/);
    expect(readFileSync(a, 'utf8')).toBe('old\n');
    expect(existsSync(b)).toBe(false);
  });

  it('tells a cut exec (no result, maybe ran) from a step that did not run', () => {
    const steps = [run('true'), run('true'), run('true')];
    const partial = '@@s 0 0  \n';
    const outcomes = parseBatchOutput(steps, partial, 'no result: connection lost');
    expect(outcomes[0]).toMatchObject({ ran: true, code: 0 });
    expect(outcomes[1]).toEqual({ ran: false, why: 'no result: connection lost', maybe: true });
    expect(outcomes[2]).toEqual({ ran: false, why: 'no result: connection lost', maybe: true });
  });

  it('puts the contents on stdin, never in the script (process listings show the script)', () => {
    const { script, stdin } = batchScript([write(join(dir, 's'), 'secret-token\n'), run('cat', { stdin: 'other-secret\n' })]);
    expect(script).not.toContain('secret');
    expect(stdin.toString()).toBe('secret-token\nother-secret\n');
  });
});

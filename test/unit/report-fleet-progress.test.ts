// The large-fleet terminal view at 200 hosts: counts per state in the play's line, a bounded list
// of the hosts running now with their task, the latest failures with their reason, and the end
// of the line when the play is over (all hosts done, or stopped by the failure budget).
import { describe, it, expect } from 'vitest';
import { Listr } from 'listr2';
import { ProgressView, type RunLines } from '../../src/report/progress.js';
import { TerminalView } from '../../src/report/terminal.js';
import { FleetProgress, renderFleet, emptyCounts, FLEET_LIMITS, type FleetLine, type MountLine } from '../../src/report/fleet-progress.js';
import { emptyRecap, type HostResult, type HostStatus } from '../../src/engine/results.js';

const HOSTS = Array.from({ length: 200 }, (_, i) => `web${String(i + 1).padStart(3, '0')}`);

function result(host: string, status: HostStatus, msg?: string): HostResult {
  const recap = { ...emptyRecap(), ok: status === 'ok' || status === 'changed' ? 3 : 0, changed: status === 'changed' ? 1 : 0 };
  if (status === 'failed') recap.failed = 1;
  if (status === 'unreachable') recap.unreachable = 1;
  return {
    host, status, msg, path: status === 'unreachable' ? undefined : 'bind 10.0.0.1', attempts: [], tasks: [], recap,
    stats: { connections: 1, execs: 3, bytesIn: 0, bytesOut: 0, ms: 10, sinceStartMs: 10 },
  };
}

/** A FleetProgress whose line is a plain object: what listr2 would draw, without a terminal. */
function harness(check = false, limits = { ...FLEET_LIMITS, width: 120 }) {
  const line: FleetLine = { title: '', output: '' };
  const mounts: Array<{ title: string; ended: boolean }> = [];
  let attachLater: (() => void) | undefined;
  const mount: MountLine = (title, attach, whenDone) => {
    const m = { title, ended: false };
    mounts.push(m);
    // listr2 starts the task on a later tick: events may come before the line exists.
    attachLater = () => attach(line);
    return whenDone.then(() => {
      m.ended = true;
    });
  };
  const view = new FleetProgress(check, mount, limits);
  const output = () => (line.output ? String(line.output).split('\n') : []);
  return { view, line, mounts, output, attach: () => attachLater?.() };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('FleetProgress at 200 hosts', () => {
  it('shows counts per state, a bounded list of running hosts and the failures with their reason', async () => {
    const { view, line, mounts, output, attach } = harness();
    view.playStart('unblock', HOSTS);
    // 50 forks: the first 50 hosts start, some are already working on a task.
    for (const h of HOSTS.slice(0, 50)) view.hostStart(h);
    attach();
    for (const h of HOSTS.slice(0, 50)) view.hostPhase(h, 'connecting');
    for (const h of HOSTS.slice(0, 50)) view.hostPhase(h, 'gathering facts');
    view.taskStart('web021', 'tcp_wrappers');
    view.taskStart('web022', 'sshd_config');
    for (const h of HOSTS.slice(0, 10)) view.hostDone(h, result(h, 'ok'));
    for (const h of HOSTS.slice(10, 15)) view.hostDone(h, result(h, 'changed'));
    view.hostDone('web016', result('web016', 'failed', 'sshd_config: sshd -t failed:\n/etc/ssh/sshd_config line 12: Bad configuration option: Bogus\n'));
    view.hostDone('web017', result('web017', 'unreachable', 'unreachable on every path (bind 10.0.0.1: timeout: web017 (root@198.18.0.27:22): SSH handshake timed out after 2000 ms)'));
    view.hostDone('web018', result('web018', 'failed', 'hang: command timed out after 2000 ms'));
    view.hostDone('web019', result('web019', 'unreachable', 'unreachable on every path (bind 10.0.0.1: connect: ECONNREFUSED)'));
    view.hostDone('web020', result('web020', 'failed', 'verify: verification failed: direct path: banner: reset'));
    view.hostDone('web023', result('web023', 'unreachable', 'unreachable on every path (direct: hostkey: unknown key SHA256:abc)'));

    // 21 done, 29 running, 150 waiting.
    expect(line.title).toBe('PLAY [unblock] 21/200 done: 5 changed, 10 ok, 3 failed, 3 unreachable; 29 running, 150 waiting');
    const out = output();
    // The first 8 running hosts by start order, with what they do now; the rest counted.
    expect(out.slice(0, 9)).toEqual([
      'web021: tcp_wrappers',
      'web022: sshd_config',
      'web024: gathering facts',
      'web025: gathering facts',
      'web026: gathering facts',
      'web027: gathering facts',
      'web028: gathering facts',
      'web029: gathering facts',
      '... and 21 more running',
    ]);
    // The latest 5 failures, each on one line with its reason; the earlier one counted.
    expect(out.slice(9)).toEqual([
      'UNREACHABLE web017: bind 10.0.0.1: timeout: web017 (root@198.18.0.27:22): SSH handshake timed out after 2000 ms',
      'FAILED web018: hang: command timed out after 2000 ms',
      'UNREACHABLE web019: bind 10.0.0.1: connect: ECONNREFUSED',
      'FAILED web020: verify: verification failed: direct path: banner: reset',
      'UNREACHABLE web023: direct: hostkey: unknown key SHA256:abc',
      '... and 1 more failed or unreachable (every one is listed after the run)',
    ]);
    expect(line.output).toBe(view.view().lines.join('\n'));
    expect(mounts).toEqual([{ title: 'PLAY [unblock]', ended: false }]);
  });

  it('keeps every line within the width, and a multi-line reason on one line', () => {
    const { view, output, attach } = harness(false, { running: 8, failures: 5, width: 60 });
    view.playStart('p', HOSTS);
    attach();
    view.hostStart('web001');
    view.taskStart('web001', `a task with a very long name ${'x'.repeat(200)}`);
    view.hostDone('web002', result('web002', 'failed', 'first line\nsecond line\n\tthird'));
    const out = output();
    expect(out).toHaveLength(2);
    for (const l of out) expect(l.length).toBeLessThanOrEqual(60);
    expect(out[0]).toMatch(/^web001: a task with a very long name x+…$/);
    expect(out[1]).toBe('FAILED web002: first line second line third');
  });

  it('the whole fleet done: 200/200, nothing running or waiting, the line ends', async () => {
    const { view, line, mounts, attach } = harness(true);
    view.playStart('fleet', HOSTS);
    attach();
    HOSTS.forEach((h, i) => {
      view.hostStart(h);
      view.hostDone(h, result(h, i % 50 === 0 ? 'failed' : i % 3 === 0 ? 'changed' : 'ok', 'boom'));
    });
    await tick();
    expect(line.title).toBe('PLAY [fleet] 200/200 done: 65 to change, 131 ok, 4 failed, 0 unreachable; 0 running, 0 waiting');
    expect(mounts[0]!.ended).toBe(true);
    await view.finish();
  });

  it('a play stopped by the failure budget: the rest are not started, the notice is shown and the line ends', async () => {
    const { view, line, mounts, output, attach } = harness();
    view.playStart('rolling', HOSTS);
    attach();
    view.hostStart('web001');
    view.taskStart('web001', 'canary check');
    view.hostDone('web001', result('web001', 'failed', 'canary check: non-zero return code 1'));
    await tick();
    expect(mounts[0]!.ended).toBe(false);
    // The notice fleet.ts sends names all 199 hosts not started: far longer than a line.
    view.notice(`play 'rolling' stopped: max_fail_percentage 0% exceeded: 1 of 1 hosts in the batch failed; not started: ${HOSTS.slice(1).join(', ')}`);
    await tick();
    expect(line.title).toBe('PLAY [rolling] 1/200 done: 0 changed, 0 ok, 1 failed, 0 unreachable; 0 running, 199 not started');
    expect(output()).toEqual([
      'FAILED web001: canary check: non-zero return code 1',
      expect.stringMatching(/^NOTICE: play 'rolling' stopped: max_fail_percentage 0% exceeded: 1 of 1 hosts in the batch failed; not started: web002,.*…$/),
    ]);
    expect(output()[1]!.length).toBe(120);
    expect(mounts[0]!.ended).toBe(true);
    await view.finish();
  });

  it('events before listr2 attaches the line are drawn when it does', () => {
    const { view, line, attach } = harness();
    view.playStart('early', HOSTS.slice(0, 3));
    view.hostStart('web001');
    view.hostDone('web002', result('web002', 'unreachable', 'unreachable on every path (direct: connect: EHOSTUNREACH)'));
    expect(line.title).toBe('');
    attach();
    expect(line.title).toBe('PLAY [early] 1/3 done: 0 changed, 0 ok, 0 failed, 1 unreachable; 1 running, 1 waiting');
    expect(line.output).toBe('web001: starting\nUNREACHABLE web002: direct: connect: EHOSTUNREACH');
  });
});

describe('renderFleet', () => {
  const base = { play: 'p', check: false, total: 10, counts: emptyCounts(), running: new Map<string, string>(), failures: [], notices: [], stopped: false };

  it('lists exactly the limit without an overflow line, and one more with it', () => {
    const running = new Map(HOSTS.slice(0, 3).map((h) => [h, 'task'] as const));
    expect(renderFleet({ ...base, running }, { running: 3, failures: 5, width: 80 }).lines).toEqual(['web001: task', 'web002: task', 'web003: task']);
    expect(renderFleet({ ...base, running }, { running: 2, failures: 5, width: 80 }).lines).toEqual(['web001: task', 'web002: task', '... and 1 more running']);
  });

  it('counts waiting hosts from the total, never below zero', () => {
    expect(renderFleet({ ...base, total: 10, counts: { ...emptyCounts(), ok: 4 }, running: new Map([['a', 'x']]) }).title).toMatch(/4\/10 done: .*; 1 running, 5 waiting$/);
    expect(renderFleet({ ...base, total: 0 }).title).toBe('PLAY [p] 0/0 done: 0 changed, 0 ok, 0 failed, 0 unreachable; 0 running, 0 waiting');
  });
});

describe('a line per host (ProgressView, TerminalView) when the play ends early', () => {
  /** listr2 itself, drawing nothing: what the lines end as, and when its run() is over. */
  function silentListr() {
    const lines = new Map<string, { title: string; skipped?: string; state: () => string }>();
    const runLines: RunLines = (tasks) => {
      const list = new Listr(
        tasks.map((t) => ({
          title: t.title,
          task: (_: unknown, line: any) => {
            const seen = { title: t.title, state: () => line.task.state as string } as { title: string; skipped?: string; state: () => string };
            lines.set(t.title, seen);
            const skip = line.skip.bind(line);
            line.skip = (m: string) => {
              seen.skipped = m;
              skip(m);
            };
            return t.task(line);
          },
        })),
        { concurrent: true, exitOnError: false, renderer: 'silent', registerSignalListeners: false },
      );
      return list.run();
    };
    return { runLines, lines };
  }
  const within = <T>(p: Promise<T>, ms: number) =>
    Promise.race([p.then(() => 'done'), new Promise((r) => setTimeout(() => r(`still running after ${ms} ms`), ms))]);
  const tick = () => new Promise((r) => setTimeout(r, 0));

  it('a play stopped by max_fail_percentage: the hosts never started end as such and finish() returns', async () => {
    const { runLines, lines } = silentListr();
    const out: string[] = [];
    const view = new TerminalView(false, 10, { lines: () => new ProgressView(false, runLines, (t) => out.push(t)), fleet: () => new FleetProgress(false) });
    // The engine's events for serial: 1, max_fail_percentage: 0 and a failing canary.
    view.playStart('rolling', ['h1', 'h2', 'h3', 'h4']);
    view.hostStart('h1');
    view.taskStart('h1', 'canary check');
    view.hostDone('h1', result('h1', 'failed', 'canary check: non-zero return code 1'));
    view.notice("play 'rolling' stopped: max_fail_percentage 0% exceeded: 1 of 1 hosts in the batch failed; not started: h2, h3, h4");
    view.playDone('rolling', ['h2', 'h3', 'h4']);
    await tick();
    expect([...lines.keys()]).toEqual(['h1', 'h2', 'h3', 'h4']);
    expect(lines.get('h1')!.state()).toBe('FAILED');
    for (const h of ['h2', 'h3', 'h4']) expect([lines.get(h)!.state(), lines.get(h)!.skipped]).toEqual(['SKIPPED', `${h} — not started`]);
    expect(await within(view.finish(), 1000)).toBe('done');
    expect(out).toEqual(['PLAY [rolling]\n']);
  });

  it('the engine ends the play before listr2 has started the lines: they end when it does', async () => {
    const { runLines, lines } = silentListr();
    const view = new ProgressView(false, runLines, () => undefined);
    view.playStart('p', ['a', 'b']);
    view.playDone('p', ['a', 'b']); // Ctrl-C before any host started (--forks smaller than the batch)
    expect(await within(view.finish(), 1000)).toBe('done');
    expect([lines.get('a')!.skipped, lines.get('b')!.skipped]).toEqual(['a — not started', 'b — not started']);
  });

  it('leaves Ctrl-C to remedy: listr2\'s own SIGINT handler would exit 127 at once, before any rollback', async () => {
    const before = process.listeners('SIGINT').length;
    const view = new ProgressView(false, undefined, () => undefined);
    view.playStart('p', []);
    expect(process.listeners('SIGINT').length).toBe(before);
    await view.finish();
  });

  it('the large-fleet view leaves Ctrl-C to remedy too', async () => {
    const before = process.listeners('SIGINT').length;
    const view = new FleetProgress(false);
    view.playStart('p', ['a']);
    await new Promise((r) => setTimeout(r, 20)); // listr2 registers its handlers when the list runs
    expect(process.listeners('SIGINT').length).toBe(before);
    await view.finish();
  });

  it('finish() never waits for a host without a result: the run is over, it never started', async () => {
    const { runLines, lines } = silentListr();
    const view = new ProgressView(true, runLines, () => undefined);
    view.playStart('p', ['a', 'b']);
    view.hostDone('a', result('a', 'changed'));
    expect(await within(view.finish(), 1000)).toBe('done');
    expect([lines.get('a')!.state(), lines.get('b')!.skipped]).toEqual(['COMPLETED', 'b — not started']);
  });
});

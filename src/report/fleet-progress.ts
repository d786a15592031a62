// The terminal view for a large fleet (more hosts than fit on a screen): one listr2 line per
// play with counts per state, and below it the hosts running now and the latest failures with
// their reason. Readable at 200 hosts; the per-host detail follows after the live view.
//
// What is shown is a pure function of the play's state (`renderFleet`); FleetProgress keeps the
// state from the engine's events and hands the rendering to a line (listr2's by default).
import { Listr, type ListrTaskWrapper } from 'listr2';
import type { RunObserver } from '../engine/observer.js';
import type { HostResult, HostStatus } from '../engine/results.js';

export interface FleetFailure {
  host: string;
  status: 'failed' | 'unreachable';
  msg: string;
}

export interface FleetState {
  play: string;
  check: boolean;
  /** Hosts of the play. */
  total: number;
  /** Hosts done, by status. */
  counts: Record<HostStatus, number>;
  /** Hosts started and not done, in the order they started, with what each does now. */
  running: Map<string, string>;
  /** Failed and unreachable hosts, in the order they finished. */
  failures: FleetFailure[];
  notices: string[];
  /** The play ended early (max_fail_percentage, an interrupt): hosts not started never will be. */
  stopped: boolean;
}

export interface FleetLimits {
  /** Running hosts listed by name; the rest are counted. */
  running: number;
  /** Failures listed with their reason (the latest ones); the rest are counted. */
  failures: number;
  /** Longest line, in characters. */
  width: number;
}

export const FLEET_LIMITS: FleetLimits = { running: 8, failures: 5, width: 160 };

export interface FleetView {
  /** The play's line: counts per state. */
  title: string;
  /** Below it: the running hosts, the failures with their reason, notices. */
  lines: string[];
}

/** One line, whatever the message holds (command output, several paths' errors), cut to `width`. */
function oneLine(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= width ? flat : `${flat.slice(0, Math.max(1, width - 1))}…`;
}

/** The reason, without words the line already says (an unreachable host's 'unreachable on every path'). */
function reason(f: FleetFailure): string {
  const paths = f.status === 'unreachable' ? /^unreachable on every path \(([\s\S]*)\)$/.exec(f.msg.trim()) : null;
  return paths ? paths[1]! : f.msg;
}

export function emptyCounts(): Record<HostStatus, number> {
  return { ok: 0, changed: 0, failed: 0, unreachable: 0 };
}

export function renderFleet(s: Readonly<FleetState>, limits: FleetLimits = FLEET_LIMITS): FleetView {
  const c = s.counts;
  const finished = c.ok + c.changed + c.failed + c.unreachable;
  const pending = Math.max(0, s.total - finished - s.running.size);
  const title = oneLine(
    `PLAY [${s.play}] ${finished}/${s.total} done: ${c.changed} ${s.check ? 'to change' : 'changed'}, ${c.ok} ok, `
      + `${c.failed} failed, ${c.unreachable} unreachable; ${s.running.size} running, ${pending} ${s.stopped ? 'not started' : 'waiting'}`,
    limits.width,
  );
  const lines: string[] = [];
  const running = [...s.running];
  for (const [host, what] of running.slice(0, limits.running)) lines.push(oneLine(`${host}: ${what}`, limits.width));
  if (running.length > limits.running) lines.push(`... and ${running.length - limits.running} more running`);
  const shown = limits.failures > 0 ? s.failures.slice(-limits.failures) : [];
  for (const f of shown) lines.push(oneLine(`${f.status === 'failed' ? 'FAILED' : 'UNREACHABLE'} ${f.host}: ${reason(f)}`, limits.width));
  const hidden = s.failures.length - shown.length;
  if (hidden > 0) lines.push(`... and ${hidden} more failed or unreachable (every one is listed after the run)`);
  for (const n of s.notices) lines.push(oneLine(`NOTICE: ${n}`, limits.width));
  return { title, lines };
}

/** What the view writes to: listr2's task wrapper has exactly these two fields. */
export type FleetLine = Pick<ListrTaskWrapper<unknown, any, any>, 'title' | 'output'>;

/**
 * Shows a play's line until `whenDone` resolves; calls `attach` with the line once it exists.
 * The default draws it with listr2; tests pass their own.
 */
export type MountLine = (title: string, attach: (line: FleetLine) => void, whenDone: Promise<void>) => Promise<unknown>;

const listrLine: MountLine = (title, attach, whenDone) =>
  new Listr(
    [{
      title,
      task: (_: unknown, line: FleetLine) => {
        attach(line);
        return whenDone;
      },
      // A task option in listr2 (not a list one): the failures stay under the line when it ends.
      rendererOptions: { persistentOutput: true },
    }],
    // Ctrl-C is remedy's (see progress.ts): listr2's own handler would exit 127 at once.
    { registerSignalListeners: false, rendererOptions: { collapseSubtasks: false } },
  ).run().catch(() => undefined);

export class FleetProgress implements RunObserver {
  private line: FleetLine | undefined;
  private done: (() => void) | undefined;
  private runs: Promise<unknown>[] = [];
  private state: FleetState;

  constructor(
    private readonly check: boolean,
    private readonly mount: MountLine = listrLine,
    private readonly limits: FleetLimits = { ...FLEET_LIMITS, width: Math.max(40, (process.stdout.columns ?? 160) - 4) },
  ) {
    this.state = this.fresh('', 0);
  }

  /** What the view shows now. */
  view(): FleetView {
    return renderFleet(this.state, this.limits);
  }

  playStart(name: string, hosts: string[]): void {
    this.state = this.fresh(name, hosts.length);
    this.line = undefined;
    const whenDone = new Promise<void>((resolve) => {
      this.done = resolve;
    });
    this.runs.push(this.mount(`PLAY [${name}]`, (line) => {
      this.line = line;
      this.render();
    }, whenDone));
    if (hosts.length === 0) this.done?.();
  }

  hostStart(host: string): void {
    this.state.running.set(host, 'starting');
    this.render();
  }

  hostPhase(host: string, phase: string): void {
    this.state.running.set(host, phase);
    this.render();
  }

  taskStart(host: string, task: string): void {
    this.state.running.set(host, task);
    this.render();
  }

  hostDone(host: string, r: HostResult): void {
    this.state.running.delete(host);
    this.state.counts[r.status]++;
    if (r.status === 'failed' || r.status === 'unreachable') {
      this.state.failures.push({ host, status: r.status, msg: r.msg ?? r.status });
    }
    this.render();
    const c = this.state.counts;
    if (c.ok + c.changed + c.failed + c.unreachable >= this.state.total) this.done?.();
  }

  /**
   * The engine sends a notice when it stops a play early, after the play's last batch: with no
   * host running, the hosts not started never will be and the play's line ends.
   */
  notice(text: string): void {
    this.state.notices.push(text);
    if (this.state.running.size === 0) this.state.stopped = true;
    this.render();
    if (this.state.stopped) this.done?.();
  }

  async finish(): Promise<void> {
    this.done?.();
    await Promise.all(this.runs);
  }

  private fresh(play: string, total: number): FleetState {
    return { play, check: this.check, total, counts: emptyCounts(), running: new Map(), failures: [], notices: [], stopped: false };
  }

  private render(): void {
    if (!this.line) return;
    const v = this.view();
    this.line.title = v.title;
    this.line.output = v.lines.join('\n');
  }
}

// The terminal view: listr2 with one line per host showing its current task, while the engine
// runs the hosts. Details (diffs, commands, failures) are printed after the live view ends, so
// they are never redrawn away.
import { Listr, type ListrTaskWrapper } from 'listr2';
import type { RunObserver } from '../engine/observer.js';
import type { HostResult } from '../engine/results.js';

interface Deferred {
  resolve(): void;
  reject(err: Error): void;
}

// listr2's wrapper type is generic over renderers; only title/output/skip are touched here.
type HostLine = Pick<ListrTaskWrapper<unknown, any, any>, 'title' | 'output' | 'skip'>;

/** Draws a play's host lines until each has ended; listr2 by default, tests pass their own. */
export type RunLines = (tasks: Array<{ title: string; task: (line: HostLine) => Promise<void> }>) => Promise<unknown>;

const listrLines: RunLines = (tasks) =>
  new Listr(
    tasks.map((t) => ({ title: t.title, task: (_: unknown, line: HostLine) => t.task(line) })),
    // Ctrl-C is remedy's (hosts stop before their next task, roll back, the recap is printed):
    // listr2's own SIGINT handler would exit 127 at once, leaving changed hosts as they are.
    { concurrent: true, exitOnError: false, registerSignalListeners: false, rendererOptions: { collapseErrors: false } },
  ).run();

export class ProgressView implements RunObserver {
  private lines = new Map<string, HostLine>();
  private pending = new Map<string, Deferred>();
  private runs: Promise<unknown>[] = [];
  /** Hosts may finish before listr has started their line. */
  private finished = new Map<string, HostResult>();
  /** Hosts that never started (the play stopped, Ctrl-C): their lines end as such. */
  private notStarted = new Set<string>();
  /** Hosts of the current play. */
  private hosts: string[] = [];

  constructor(
    private readonly check: boolean,
    private readonly runLines: RunLines = listrLines,
    private readonly write: (text: string) => void = (t) => void process.stdout.write(t),
  ) {}

  playStart(name: string, hosts: string[]): void {
    this.hosts = [...hosts];
    this.write(`PLAY [${name}]\n`); // before listr2 draws its first frame
    const run = this.runLines(
      hosts.map((host) => ({
        title: host,
        task: (line: HostLine) =>
          new Promise<void>((resolve, reject) => {
            this.lines.set(host, line);
            this.pending.set(host, { resolve, reject });
            const early = this.finished.get(host);
            if (early) this.hostDone(host, early);
            else if (this.notStarted.has(host)) this.endNotStarted(host);
          }),
      })),
    );
    this.runs.push(run.catch(() => undefined));
  }

  hostPhase(host: string, phase: string): void {
    this.title(host, phase);
  }

  taskStart(host: string, task: string): void {
    this.title(host, task);
  }

  hostDone(host: string, r: HostResult): void {
    this.finished.set(host, r);
    const line = this.lines.get(host);
    const summary = r.status === 'unreachable' ? 'unreachable' : `${r.recap.changed} ${this.check ? 'to change' : 'changed'}, ${r.recap.ok} ok${r.recap.failed ? `, ${r.recap.failed} failed` : ''}`;
    if (line) line.title = `${host} — ${summary}${r.path ? ` (${r.path})` : ''}`;
    const d = this.pending.get(host);
    if (!d) return;
    this.pending.delete(host);
    if (r.status === 'failed' || r.status === 'unreachable') d.reject(new Error(`${host}: ${r.msg ?? r.status}`));
    else d.resolve();
  }

  /**
   * The play is over (all done, stopped by its failure budget, interrupted): the hosts it never
   * started end their lines as "not started", so the live view ends.
   */
  playDone(_name: string, notRun: string[]): void {
    for (const host of notRun) this.endNotStarted(host);
  }

  /** Wait for the live view to draw its final state. */
  async finish(): Promise<void> {
    // The run is over: a host without a result never started, whatever the engine said.
    for (const host of this.hosts) if (!this.finished.has(host)) this.endNotStarted(host);
    await Promise.all(this.runs);
  }

  private endNotStarted(host: string): void {
    if (this.finished.has(host)) return;
    this.notStarted.add(host);
    const line = this.lines.get(host);
    const d = this.pending.get(host);
    if (!line || !d) return; // ended when listr starts the line
    this.pending.delete(host);
    line.skip(`${host} — not started`);
    d.resolve();
  }

  private title(host: string, text: string): void {
    const line = this.lines.get(host);
    if (line) line.title = `${host} — ${text}`;
  }
}

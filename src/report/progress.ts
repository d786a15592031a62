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

// listr2's wrapper type is generic over renderers; only title/output are touched here.
type HostLine = Pick<ListrTaskWrapper<unknown, any, any>, 'title' | 'output'>;

export class ProgressView implements RunObserver {
  private lines = new Map<string, HostLine>();
  private pending = new Map<string, Deferred>();
  private runs: Promise<unknown>[] = [];
  /** Hosts may finish before listr has started their line. */
  private finished = new Map<string, HostResult>();

  constructor(private readonly check: boolean) {}

  playStart(name: string, hosts: string[]): void {
    const list = new Listr(
      hosts.map((host) => ({
        title: host,
        task: (_: unknown, line: HostLine) =>
          new Promise<void>((resolve, reject) => {
            this.lines.set(host, line);
            this.pending.set(host, { resolve, reject });
            const early = this.finished.get(host);
            if (early) this.hostDone(host, early);
          }),
      })),
      { concurrent: true, exitOnError: false, rendererOptions: { collapseErrors: false } },
    );
    process.stdout.write(`PLAY [${name}]\n`);
    this.runs.push(list.run().catch(() => undefined));
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
    if (r.status === 'failed' || r.status === 'unreachable') d.reject(new Error(`${host}: ${r.msg ?? r.status}`));
    else d.resolve();
  }

  /** Wait for the live view to draw its final state. */
  async finish(): Promise<void> {
    await Promise.all(this.runs);
  }

  private title(host: string, text: string): void {
    const line = this.lines.get(host);
    if (line) line.title = `${host} — ${text}`;
  }
}

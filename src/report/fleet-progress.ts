// The terminal view for a large fleet (more hosts than fit on a screen): one listr2 line per
// play with counts per state, and below it the hosts running now and the latest failures with
// their reason. Readable at 200 hosts; the per-host detail follows after the live view.
import { Listr, type ListrTaskWrapper } from 'listr2';
import type { RunObserver } from '../engine/observer.js';
import type { HostResult } from '../engine/results.js';

type Line = Pick<ListrTaskWrapper<unknown, any, any>, 'title' | 'output'>;

const SHOW_RUNNING = 8;
const SHOW_FAILED = 5;

export class FleetProgress implements RunObserver {
  private line: Line | undefined;
  private done: (() => void) | undefined;
  private runs: Promise<unknown>[] = [];
  private name = '';
  private total = 0;
  private running = new Map<string, string>();
  private counts = { ok: 0, changed: 0, failed: 0, unreachable: 0 };
  private failures: string[] = [];

  constructor(private readonly check: boolean) {}

  playStart(name: string, hosts: string[]): void {
    this.name = name;
    this.total = hosts.length;
    this.running.clear();
    this.counts = { ok: 0, changed: 0, failed: 0, unreachable: 0 };
    this.failures = [];
    const list = new Listr(
      [{
        title: `PLAY [${name}]`,
        task: (_: unknown, line: Line) =>
          new Promise<void>((resolve) => {
            this.line = line;
            this.done = resolve;
            this.render();
          }),
      }],
      { rendererOptions: { collapseSubtasks: false, persistentOutput: true } } as any,
    );
    this.runs.push(list.run().catch(() => undefined));
  }

  hostStart(host: string): void {
    this.running.set(host, 'starting');
    this.render();
  }

  hostPhase(host: string, phase: string): void {
    this.running.set(host, phase);
    this.render();
  }

  taskStart(host: string, task: string): void {
    this.running.set(host, task);
    this.render();
  }

  hostDone(host: string, r: HostResult): void {
    this.running.delete(host);
    this.counts[r.status]++;
    if (r.status === 'failed' || r.status === 'unreachable') this.failures.push(`${host}: ${r.status}: ${r.msg ?? ''}`.slice(0, 200));
    this.render();
    const finished = this.counts.ok + this.counts.changed + this.counts.failed + this.counts.unreachable;
    if (finished === this.total) this.done?.();
  }

  notice(text: string): void {
    this.failures.push(text);
    this.render();
  }

  async finish(): Promise<void> {
    this.done?.();
    await Promise.all(this.runs);
  }

  private render(): void {
    if (!this.line) return;
    const c = this.counts;
    const finished = c.ok + c.changed + c.failed + c.unreachable;
    const waiting = this.total - finished - this.running.size;
    this.line.title = `PLAY [${this.name}] ${finished}/${this.total} done: ${c.changed} ${this.check ? 'to change' : 'changed'}, ${c.ok} ok, `
      + `${c.failed} failed, ${c.unreachable} unreachable; ${this.running.size} running, ${waiting} waiting`;
    const running = [...this.running].slice(0, SHOW_RUNNING).map(([h, t]) => `${h}: ${t}`);
    if (this.running.size > SHOW_RUNNING) running.push(`... and ${this.running.size - SHOW_RUNNING} more`);
    const failed = this.failures.slice(-SHOW_FAILED).map((f) => `FAILED ${f}`);
    this.line.output = [...running, ...failed].join('\n');
  }
}

// The live view on a terminal: a line per host while the play's hosts fit on the screen
// (ProgressView), counts and the running hosts beyond that (FleetProgress). Chosen per play.
import type { RunObserver } from '../engine/observer.js';
import type { HostResult } from '../engine/results.js';
import { FleetProgress } from './fleet-progress.js';
import { ProgressView } from './progress.js';

export class TerminalView implements RunObserver {
  private current: ProgressView | FleetProgress | undefined;
  private views: Array<ProgressView | FleetProgress> = [];

  constructor(
    check: boolean,
    /** Hosts that still get a line of their own. */
    private readonly maxLines: number,
    /** The views of a play; tests pass their own. */
    private readonly make: { lines: () => ProgressView; fleet: () => FleetProgress } = {
      lines: () => new ProgressView(check),
      fleet: () => new FleetProgress(check),
    },
  ) {}

  playStart(name: string, hosts: string[]): void {
    this.current = hosts.length > this.maxLines ? this.make.fleet() : this.make.lines();
    this.views.push(this.current);
    this.current.playStart(name, hosts);
  }

  hostStart(host: string): void {
    if (this.current instanceof FleetProgress) this.current.hostStart(host);
  }

  hostPhase(host: string, phase: string): void {
    this.current?.hostPhase(host, phase);
  }

  taskStart(host: string, task: string): void {
    this.current?.taskStart(host, task);
  }

  hostDone(host: string, r: HostResult): void {
    this.current?.hostDone(host, r);
  }

  notice(text: string): void {
    // A line per host needs no notice: the recap says why a play stopped.
    if (this.current instanceof FleetProgress) this.current.notice(text);
  }

  playDone(name: string, notRun: string[]): void {
    // FleetProgress ends its line on the engine's notice or when every host is done.
    if (this.current instanceof ProgressView) this.current.playDone(name, notRun);
  }

  async finish(): Promise<void> {
    for (const v of this.views) await v.finish();
  }
}

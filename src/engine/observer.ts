// How the engine tells the outside world what is happening; the progress view, the plain log
// and the JSON report are observers. The engine never prints.
import type { HostResult, TaskResult } from './results.js';

export interface RunObserver {
  playStart?(name: string, hosts: string[]): void;
  hostStart?(host: string): void;
  /** Free-form phase text: 'connecting (via bastion)', 'gathering facts'. */
  hostPhase?(host: string, phase: string): void;
  taskStart?(host: string, task: string): void;
  taskDone?(host: string, result: TaskResult): void;
  hostDone?(host: string, result: HostResult): void;
  /** A batch stopped the play (max_fail_percentage) or similar notices. */
  notice?(text: string): void;
  /** The play is over: every host it started is done; `notRun` never started and never will. */
  playDone?(name: string, notRun: string[]): void;
}

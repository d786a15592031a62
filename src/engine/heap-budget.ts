// Memory bounded by --forks, not by the fleet. What a finished host leaves behind is garbage,
// but V8 collects lazily: with a heap limit of gigabytes it lets garbage pile up, and a 300-host
// run peaked at 575 MB RSS where the same run under --max-old-space-size=160 peaked at 291 MB
// with the same wall time (measured on the lab; bench/README.md). So the engine asks for a full
// collection when the heap has grown well past what the hosts in flight need: after a host's
// play, when heapUsed exceeds the threshold, which then adapts to 1.5 × what survived, so a
// fleet whose live heap is larger is not collected after every host.
import v8 from 'node:v8';
import vm from 'node:vm';

const BASE_BYTES = 48 * 2 ** 20;
const PER_FORK_BYTES = 2 ** 20;

let collect: (() => void) | undefined | null;

/** The engine's own handle on V8's full collection (the same as `--expose-gc`, without a flag on the command line). */
function collector(): (() => void) | undefined {
  if (collect !== undefined) return collect ?? undefined;
  try {
    v8.setFlagsFromString('--expose-gc');
    collect = vm.runInNewContext('gc') as () => void;
  } catch {
    collect = null; // not available: V8 collects on its own, only later
  }
  return collect ?? undefined;
}

export class HeapBudget {
  private threshold: number;
  collections = 0;

  constructor(private readonly forks: number) {
    this.threshold = BASE_BYTES + forks * PER_FORK_BYTES;
  }

  /** Called when a host's play ends: collect if the heap has outgrown the hosts in flight. */
  afterHost(): void {
    if (process.memoryUsage().heapUsed < this.threshold) return;
    const gc = collector();
    if (!gc) return;
    gc();
    this.collections++;
    const live = process.memoryUsage().heapUsed;
    this.threshold = Math.max(BASE_BYTES + this.forks * PER_FORK_BYTES, Math.round(live * 1.5));
  }
}

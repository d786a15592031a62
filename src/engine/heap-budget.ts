// Memory bounded by --forks, not by the fleet. What a finished host leaves behind is garbage,
// but V8 collects lazily: with a heap limit of gigabytes it lets garbage (and the Buffers it
// holds: ssh2's packets, file contents) pile up. A 300-host run at --forks 100 peaked at 380–500
// MB RSS, and 53 MB of heap was live at its end. So the engine asks for a full collection when
// heap plus external memory has grown well past what the hosts in flight need: checked after a
// host's play, the threshold then adapting to 1.5 × what survived, so a fleet whose live memory
// is larger is not collected after every host. Measured on 300 lab hosts (bench/README.md):
// 363 MB peak, 22 collections, no slower; a tighter threshold (123 MB, ×1.4) gave 323 MB but
// 223 collections and 20% more wall time.
import v8 from 'node:v8';
import vm from 'node:vm';

const BASE_BYTES = 64 * 2 ** 20;
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

/** JS heap plus the memory its objects hold outside it (Buffers). */
function inUse(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

export class HeapBudget {
  private threshold: number;
  collections = 0;

  constructor(private readonly forks: number) {
    this.threshold = BASE_BYTES + forks * PER_FORK_BYTES;
  }

  /** Called when a host's play ends: collect if the heap has outgrown the hosts in flight. */
  afterHost(): void {
    if (inUse() < this.threshold) return;
    const gc = collector();
    if (!gc) return;
    gc();
    this.collections++;
    const live = inUse();
    this.threshold = Math.max(BASE_BYTES + this.forks * PER_FORK_BYTES, Math.round(live * 1.5));
  }
}

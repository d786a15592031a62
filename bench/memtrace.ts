// Loaded into the profiled remedy run (`node --import`): samples process.memoryUsage() every
// 100 ms and, at exit, writes the sample with the highest RSS and the highest of each part to
// $REMEDY_MEMTRACE_OUT. It tells which part of memory the peak RSS is made of (V8's heap,
// Buffers, or native memory outside both: OpenSSL contexts, malloc's free lists).
import { writeFileSync } from 'node:fs';

type Sample = NodeJS.MemoryUsage & { t: number };
const KEYS = ['rss', 'heapTotal', 'heapUsed', 'external', 'arrayBuffers'] as const;
const out = process.env.REMEDY_MEMTRACE_OUT;
if (out) {
  const t0 = Date.now();
  let atPeak: Sample | undefined;
  const max: Partial<Record<keyof NodeJS.MemoryUsage, number>> = {};
  const sample = (): void => {
    const m = { ...process.memoryUsage(), t: Date.now() - t0 };
    if (!atPeak || m.rss > atPeak.rss) atPeak = m;
    for (const k of KEYS) max[k] = Math.max(max[k] ?? 0, m[k]);
  };
  setInterval(sample, 100).unref();
  process.on('exit', () => {
    sample();
    writeFileSync(out, JSON.stringify({ atPeak, max }));
  });
}

// A cheap look at where remedy's controller time goes: one extra, untimed remedy run under
// `node --cpu-prof`, summarized as self time per function and per area (ssh2's crypto and
// protocol, remedy's own code, node internals, GC).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

/** Which part of the process a frame belongs to. */
function area(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.includes('/dist/src/')) return 'remedy';
  if (url.startsWith('node:')) return 'node internals';
  return url;
}

function shortUrl(url: string): string {
  const m = /\/(node_modules\/.*|dist\/src\/.*)$/.exec(url);
  return m ? m[1]! : url;
}

function frameKey(cf: { functionName: string; url: string; lineNumber: number }): string {
  return `${cf.functionName || '(anonymous)'}  ${cf.url ? `${shortUrl(cf.url)}:${cf.lineNumber + 1}` : ''}`.trim();
}

/** The first three frames above `id` that are remedy's or a package's (node internals skipped). */
function callersOf(id: number, parent: Map<number, number>, byId: Map<number, CpuProfile['nodes'][number]['callFrame']>): string {
  const out: string[] = [];
  for (let p = parent.get(id); p !== undefined && out.length < 3; p = parent.get(p)) {
    const cf = byId.get(p);
    if (cf && /\/(dist\/src|node_modules)\//.test(cf.url)) out.push(frameKey(cf));
  }
  return out.join(' < ') || '(no remedy frame)';
}

const pct = (x: number, total: number): string => `${((100 * x) / total).toFixed(1).padStart(5)}%`;

export async function summarizeProfile(dir: string, top = 15): Promise<string> {
  const file = (await readdir(dir)).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return 'profile: no .cpuprofile written';
  const prof = JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n.callFrame]));
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const fnSelf = new Map<string, number>();
  const areaSelf = new Map<string, number>();
  /** Per top function, the time of each chain of remedy/package callers above it. */
  const chains = new Map<string, Map<string, number>>();
  prof.samples.forEach((id, i) => {
    const cf = byId.get(id);
    const dt = (prof.timeDeltas[i] ?? 0) / 1000; // µs -> ms
    if (!cf) return;
    const key = frameKey(cf);
    fnSelf.set(key, (fnSelf.get(key) ?? 0) + dt);
    const chain = callersOf(id, parent, byId);
    const perFn = chains.get(key) ?? new Map<string, number>();
    perFn.set(chain, (perFn.get(chain) ?? 0) + dt);
    chains.set(key, perFn);
    const a = area(cf.url, cf.functionName);
    areaSelf.set(a, (areaSelf.get(a) ?? 0) + dt);
  });
  // Idle is the event loop waiting on the network: not CPU.
  const busy = [...areaSelf].filter(([a]) => a !== '(idle)').reduce((s, [, v]) => s + v, 0);
  const sorted = (m: Map<string, number>): Array<[string, number]> => [...m].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]);
  return [
    `profile of one remedy run (node --cpu-prof, self time; ${busy.toFixed(0)} ms on the main thread, idle excluded):`,
    'by area:',
    ...sorted(areaSelf).slice(0, 10).map(([k, v]) => `  ${pct(v, busy)}  ${v.toFixed(0).padStart(6)} ms  ${k}`),
    `top ${top} functions:`,
    ...sorted(fnSelf).slice(0, top).map(([k, v]) => `  ${pct(v, busy)}  ${v.toFixed(0).padStart(6)} ms  ${k}`),
    'callers of the top 5 (the nearest frames of remedy or a package, most time first):',
    ...sorted(fnSelf).slice(0, 5).flatMap(([k]) => [
      `  ${k}`,
      ...[...(chains.get(k) ?? new Map<string, number>())].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([c, v]) => `    ${v.toFixed(0).padStart(6)} ms  ${c}`),
    ]),
  ].join('\n');
}

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

/**
 * `node --heap-prof` (sampling): what was allocated and still alive when the run ended, by the
 * function that allocated it and its nearest remedy/package callers. What a run keeps per host
 * shows up here, not in the CPU profile.
 */
export async function summarizeHeapProfile(dir: string, top = 12): Promise<string> {
  const file = (await readdir(dir)).find((f) => f.endsWith('.heapprofile'));
  if (!file) return 'heap profile: no .heapprofile written';
  const root = (JSON.parse(await readFile(join(dir, file), 'utf8')) as { head: HeapNode }).head;
  const bySite = new Map<string, number>();
  let total = 0;
  const walk = (n: HeapNode, stack: string[]): void => {
    const own = /\/(dist\/src|node_modules)\//.test(n.callFrame.url) ? [frameKey(n.callFrame), ...stack].slice(0, 3) : stack;
    if (n.selfSize > 0) {
      const site = `${frameKey(n.callFrame)}${own.length && own[0] !== frameKey(n.callFrame) ? ` < ${own.join(' < ')}` : own.length > 1 ? ` < ${own.slice(1).join(' < ')}` : ''}`;
      bySite.set(site, (bySite.get(site) ?? 0) + n.selfSize);
      total += n.selfSize;
    }
    for (const c of n.children) walk(c, own);
  };
  walk(root, []);
  const mb = (b: number): string => `${(b / 2 ** 20).toFixed(1).padStart(6)} MB`;
  return [
    `heap still allocated at the end of the run (node --heap-prof, sampled): ${mb(total).trim()}; by allocation site:`,
    ...[...bySite].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => `  ${mb(v)}  ${k}`),
  ].join('\n');
}

/** bench/memtrace.ts's output: what the peak RSS was made of. */
export async function summarizeMemTrace(file: string): Promise<string> {
  let trace: { atPeak?: NodeJS.MemoryUsage & { t: number }; max?: Partial<NodeJS.MemoryUsage> };
  try {
    trace = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return 'memory trace: none written';
  }
  const mb = (b: number | undefined): string => `${((b ?? 0) / 2 ** 20).toFixed(0)} MB`;
  const p = trace.atPeak;
  if (!p) return 'memory trace: no sample';
  const outside = p.rss - p.heapTotal - p.external;
  return [
    `memory at the peak RSS (${(p.t / 1000).toFixed(1)} s into the run, 100 ms samples): rss ${mb(p.rss)} = V8 heap ${mb(p.heapTotal)} (${mb(p.heapUsed)} used) + Buffers ${mb(p.external)} (${mb(p.arrayBuffers)} ArrayBuffers) + native/other ${mb(outside)}`,
    `highest of each: rss ${mb(trace.max?.rss)}, heapTotal ${mb(trace.max?.heapTotal)}, heapUsed ${mb(trace.max?.heapUsed)}, external ${mb(trace.max?.external)}`,
  ].join('\n');
}

// A cheap look at where remedy's controller time goes: one extra, untimed remedy run under
// `node --cpu-prof`, summarized as self time per function and per area (ssh2's crypto and
// protocol, remedy's own code, node internals, GC).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
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

const pct = (x: number, total: number): string => `${((100 * x) / total).toFixed(1).padStart(5)}%`;

export async function summarizeProfile(dir: string, top = 15): Promise<string> {
  const file = (await readdir(dir)).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return 'profile: no .cpuprofile written';
  const prof = JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n.callFrame]));
  const fnSelf = new Map<string, number>();
  const areaSelf = new Map<string, number>();
  prof.samples.forEach((id, i) => {
    const cf = byId.get(id);
    const dt = (prof.timeDeltas[i] ?? 0) / 1000; // µs -> ms
    if (!cf) return;
    const key = `${cf.functionName || '(anonymous)'}  ${cf.url ? `${shortUrl(cf.url)}:${cf.lineNumber + 1}` : ''}`.trim();
    fnSelf.set(key, (fnSelf.get(key) ?? 0) + dt);
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
  ].join('\n');
}

// Plan one module from given file states and probe outputs, as the engine would: argument
// parsing with aliases, the rounds of reads and probes, then the pure plan.
import type { FileState, ModulePlan } from '../../../src/engine/change.js';
import { parseFacts } from '../../../src/facts.js';
import type { ModuleDef, ProbeResult } from '../../../src/modules/module.js';
import { parseModuleArgs } from '../../../src/playbook/args.js';

/** A file state without its path (the key it is stored under). */
type WithoutPath<T> = T extends unknown ? Omit<T, 'path'> : never;
export type Bare = WithoutPath<FileState>;

export interface Host {
  files: Record<string, Bare | undefined>;
  probes?: Record<string, ProbeResult>;
}

const meta = { mode: '0644', uid: 0, gid: 0, owner: 'root', group: 'root' };
export const fileAt = (content: string | Buffer, more: Partial<typeof meta> & { link?: string } = {}): Bare =>
  ({ kind: 'file', content: Buffer.from(content), ...meta, ...more });
export const dirAt = (more: Partial<typeof meta> & { size?: number; link?: string } = {}): Bare => ({ kind: 'dir' as const, ...meta, mode: '0755', size: 4096, ...more });

export const CLOCK = { now: new Date(Date.UTC(2026, 11, 3, 9, 5, 7)), pid: 4242 };

export function parsedArgs<A>(mod: ModuleDef<A>, raw: Record<string, unknown>): A {
  const r = parseModuleArgs(mod, raw);
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join('; '));
  return r.value as A;
}

/** The plan, plus what the module asked to read and probe. */
export function planOn<A>(mod: ModuleDef<A>, raw: Record<string, unknown> | A, host: Host, opts: { check?: boolean; parsed?: boolean } = {}): { plan: ModulePlan; reads: string[]; probes: string[] } {
  const a = opts.parsed ? (raw as A) : parsedArgs(mod, raw as Record<string, unknown>);
  const facts = parseFacts('');
  const state = (p: string): FileState => ({ path: p, ...(host.files[p] ?? { kind: 'absent' }) }) as FileState;
  const read = new Set<string>();
  const probed = new Set<string>();
  for (let round = 0; round < 6; round++) {
    const ctx = { facts, vars: {}, known: (p: string) => (read.has(p) ? state(p) : undefined), probed: (c: string) => (probed.has(c) ? host.probes?.[c] : undefined) };
    const more = [...(mod.reads?.(a, ctx) ?? []).filter((p) => !read.has(p)), ...(mod.probes?.(a, ctx) ?? []).filter((c) => !probed.has(c)).map((c) => `\0${c}`)];
    if (!more.length) break;
    for (const m of more) (m.startsWith('\0') ? probed.add(m.slice(1)) : read.add(m));
  }
  const plan = mod.plan(a, {
    facts, vars: {}, check: opts.check ?? false, clock: CLOCK,
    file: (p) => { if (!read.has(p)) throw new Error(`planned on unread ${p}`); return state(p); },
    probe: (c) => { const r = host.probes?.[c]; if (!probed.has(c) || !r) throw new Error(`planned on unrun probe ${c}`); return r; },
  });
  return { plan, reads: [...read], probes: [...probed] };
}

/** The commands and writes of a plan, as text: what `plan` prints. */
export function steps(plan: ModulePlan): string[] {
  if (plan.kind !== 'change') return [];
  return plan.changes.map((c) => (c.kind === 'write' ? `write ${c.path} ${c.mode}: ${c.content.toString()}` : c.kind === 'run' ? c.command : 'verify'));
}

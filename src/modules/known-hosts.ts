// `known_hosts`: forget a host's keys on the controller, exactly as `ssh-keygen -R host` would
// (the fix for "REMOTE HOST IDENTIFICATION HAS CHANGED" after a reinstall), as a plan whose diff
// shows exactly the removed lines. What counts as "an entry for the host" — comma lists
// removed whole, wildcards, hashed names, `[host]:port`, @revoked/@cert-authority lines kept —
// is documented in src/formats/known-hosts-edit.ts, with the two places remedy differs.
//
// Also home to the controller-path argument shared by the client-side modules: they run with
// `hosts: localhost`, so `~` is the controller's home — `remedy_controller_home` when the run
// sets it, else the HOME remedy was started with, taken when the arguments are parsed.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { int } from './arg-types.js';
import type { ModuleDef } from './module.js';
import { editableText, planWrite } from './file-attrs.js';
import { knownHostName } from '../transport/known-hosts.js';
import { lookupName, matchedByWildcard, removeKnownHost, type KnownHostsLine } from '../formats/known-hosts-edit.js';

/** A path on the controller as the task gave it, with the HOME known at argument-parse time. */
export interface ControllerPath {
  given: string;
  home: string;
}

/** `path`-like argument: absolute or `~/...`; `def` when omitted. */
export function controllerPathArg(def: string) {
  return z
    .string()
    .min(1)
    .optional()
    .transform((v, ctx): ControllerPath => {
      const given = v ?? def;
      if (!given.startsWith('/') && given !== '~' && !given.startsWith('~/')) {
        ctx.addIssue({ code: 'custom', message: `expected an absolute path or one starting with ~/, got '${given}'` });
        return z.NEVER;
      }
      return { given, home: homedir() };
    });
}

/** The absolute path: `~` is `vars.remedy_controller_home` if set, else the HOME parsed with the arguments. */
export function controllerPath(p: ControllerPath, vars: Record<string, unknown>): string {
  const v = vars.remedy_controller_home;
  const home = typeof v === 'string' && v.startsWith('/') ? v : p.home;
  if (p.given === '~') return home;
  return p.given.startsWith('~/') ? join(home, p.given.slice(2)) : p.given;
}

/** `[host]:port`, the name ssh records for a non-22 port. */
const BRACKETED = /^\[[^\]]+\]:(\d+)$/;

const portArg = int(z.number({ error: 'expected a port number' }).int().min(1).max(65535));

const args = z
  .strictObject({
    /** Host name or address as ssh was given it, or `[host]:port`. */
    name: z
      .string()
      .min(1)
      .refine((s) => !/[\s,*?!|]/.test(s) && !s.startsWith('@'), {
        message: 'expected one host name, address or [host]:port (no spaces, commas, wildcards or hashed names)',
      }),
    /** A non-22 port turns `name` into `[name]:port`, the form ssh records (22 changes nothing). */
    port: portArg.optional(),
    path: controllerPathArg('~/.ssh/known_hosts'),
    state: z.literal('absent').default('absent'),
  })
  .superRefine((a, ctx) => {
    // A playbook may pass `port: 22` as its default alongside `-e host=[h]:2222`: that is fine.
    const inName = BRACKETED.exec(a.name)?.[1];
    if (a.port !== undefined && a.port !== 22 && inName !== undefined && Number(inName) !== a.port) {
      ctx.addIssue({ code: 'custom', path: ['port'], message: `'name' says port ${inName}, 'port' says ${a.port}` });
    }
  });

type Args = z.infer<typeof args>;

/** The name `ssh-keygen -R` is given for these arguments. */
export function knownHostsLookupName(a: Pick<Args, 'name' | 'port'>): string {
  return a.port !== undefined && !BRACKETED.test(a.name) ? knownHostName(a.name, a.port) : lookupName(a.name);
}

const lineList = (ls: readonly KnownHostsLine[]) => ls.map((l) => l.line).join(', ');
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export const knownHosts: ModuleDef<Args> = {
  name: 'known_hosts',
  aliases: ['ansible.builtin.known_hosts'],
  summary: "remove a host's keys from a known_hosts file on the controller, as ssh-keygen -R does",
  args,
  reads: (a, ctx) => [controllerPath(a.path, ctx.vars)],
  plan(a, ctx) {
    const path = controllerPath(a.path, ctx.vars);
    const name = knownHostsLookupName(a);
    const state = ctx.file(path);
    const cur = editableText(state);
    if ('error' in cur) return { kind: 'fail', message: cur.error };
    if (state.kind !== 'file') return { kind: 'ok', message: `${path} does not exist` };

    const text = state.content.toString('latin1');
    const r = removeKnownHost(text, name);
    const notes: string[] = [];
    if (r.keptMarked.length) {
      notes.push(`kept ${plural(r.keptMarked.length, '@revoked/@cert-authority line')} naming it (line ${lineList(r.keptMarked)}), as ssh-keygen -R does`);
    }
    if (r.invalid.length) {
      notes.push(`kept ${plural(r.invalid.length, 'line')} ssh-keygen would reject as invalid (line ${lineList(r.invalid)}; ssh-keygen -R would refuse to rewrite this file)`);
    }
    const wild = r.removed.filter((l) => matchedByWildcard(l.hosts!, name));
    if (wild.length) notes.push(`line ${lineList(wild)} matched through a wildcard pattern and names other hosts too`);
    const tail = notes.length ? `; ${notes.join('; ')}` : '';

    if (!r.removed.length) return { kind: 'ok', message: `no entry for ${name} in ${path}${tail}` };
    const write = planWrite(state, Buffer.from(r.text, 'latin1'), {});
    if (!write) return { kind: 'ok', message: `no entry for ${name} in ${path}${tail}` };
    return {
      kind: 'change',
      changes: [write],
      message: `remove ${plural(r.removed.length, 'entry', 'entries')} for ${name} from ${path} (line ${lineList(r.removed)})${tail}`,
    };
  },
};

// `tcp_wrappers`: let one client address reach sshd again through /etc/hosts.allow and
// /etc/hosts.deny, changing as little as possible (planUnblock):
//   - rules that name this client and nobody else are commented out (`# remedy: ` before each of
//     their physical lines), never deleted;
//   - broader rules (ALL, subnets, domains, lists with other clients) stay, and one precise
//     `sshd: <client>` line goes into hosts.allow;
//   - every other byte stays as it was; files keep their mode and owner (planWrite).
// `/path` client patterns are followed: the files they name are read so the decision is libwrap's.
//
// DenyHosts: when hosts.deny carries `# DenyHosts:` marks for the client, or /etc/denyhosts.conf
// exists, the host-keyed work files in WORK_DIR (from denyhosts.conf, default /var/lib/denyhosts)
// are read and the client's lines removed from those that hold it. DenyHosts rewrites hosts.deny
// and re-adds hosts whose counters stay over threshold, so when it is running (a status probe
// with the host's service manager) the writes are wrapped in a stop before and a start after.
// If a write fails, the start does not run: DenyHosts stays stopped (it cannot re-ban), and the
// task's failure says so.
//
// Skipped when sshd is not linked with libwrap (facts.libwrap false with a known sshd): then
// these files do not decide anything for sshd. With unknown facts (no sshd path) it plans from the
// files, as they are the only evidence.
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { absPath, str, boolArg } from './arg-types.js';
import type { FileState, ModulePlan, RunChange, WriteChange } from '../engine/change.js';
import type { KnowContext, ModuleDef, PlanContext } from './module.js';
import { editableText, planWrite } from './file-attrs.js';
import {
  clientPatternKind,
  parseHostsAccess,
  planUnblock,
  type PatternList,
  type UnblockPlan,
} from '../formats/hosts-access.js';
import {
  DENYHOSTS_EXTRA_HOST_FILES,
  DENYHOSTS_HOST_FILES,
  DENYHOSTS_WORK_DIR,
  denyHostsMarksFor,
  removeIpFromWorkFile,
} from '../formats/denyhosts.js';
import { serviceCommand, serviceStatusProbe } from './service-command.js';
import { addressesReachableFrom } from '../facts.js';

export const DENYHOSTS_CONF = '/etc/denyhosts.conf';
const DENYHOSTS_SERVICE = 'denyhosts';


const args = z.strictObject({
  /** The blocked client's address (IPv4 or IPv6), checked with node:net isIP. */
  client: str(z.string().refine((s) => isIP(s) !== 0, 'expected an IPv4 or IPv6 address')),
  /** Daemon name as libwrap sees it (sshd's is `sshd`). */
  daemon: str(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected a daemon name like sshd')).default('sshd'),
  allow_file: absPath.default('/etc/hosts.allow'),
  deny_file: absPath.default('/etc/hosts.deny'),
  /** Also purge the client from DenyHosts (work files; stop/start around the edits). */
  denyhosts: boolArg.default(true),
});

type Args = z.infer<typeof args>;

type Lookup = (p: string) => FileState | undefined;

/** A file's text for planning: absent = empty; null when it cannot be edited. */
function textOf(state: FileState | undefined): string | null | undefined {
  if (state === undefined) return undefined;
  if (state.kind === 'absent') return '';
  if (state.kind === 'file') return state.content.toString('utf8');
  return null;
}

const libwrapOff = (a: Args, ctx: { facts: PlanContext['facts'] }) =>
  a.daemon === 'sshd' && ctx.facts.sshdPath !== '' && !ctx.facts.libwrap;

/** `/path` client patterns (libwrap reads the addresses from that file), anywhere in the EXCEPT nesting. */
function patternFiles(texts: string[]): string[] {
  const out = new Set<string>();
  const walk = (list: PatternList | undefined): void => {
    if (!list) return;
    for (const tok of list.patterns) {
      if (clientPatternKind(tok) !== 'file') continue;
      const at = tok.indexOf('@', 1);
      out.add(at < 0 ? tok : tok.slice(at + 1));
    }
    walk(list.except);
  };
  for (const t of texts) for (const r of parseHostsAccess(t).rules) walk(r.clients);
  return [...out];
}

/** WORK_DIR from denyhosts.conf (`WORK_DIR = /path`), else Debian's default. */
export function denyHostsWorkDir(confText: string | undefined): string {
  const m = confText === undefined ? null : /^[ \t]*WORK_DIR[ \t]*[:=][ \t]*(\S[^\r\n]*?)[ \t]*\r?$/m.exec(confText);
  const dir = m?.[1];
  if (!dir || !dir.startsWith('/')) return DENYHOSTS_WORK_DIR;
  return path.posix.normalize(dir).replace(/(.)\/+$/, '$1');
}

const WORK_FILES = [...DENYHOSTS_HOST_FILES, ...DENYHOSTS_EXTRA_HOST_FILES];

interface Known {
  allow?: string | null;
  deny?: string | null;
  conf?: FileState;
  /** DenyHosts is (possibly) involved: marks for the client, or it is installed. */
  denyhosts: boolean;
  workFiles: string[];
}

/** What is known so far, and what follows from it (shared by reads, probes and plan). */
function survey(a: Args, file: Lookup): Known {
  const allow = textOf(file(a.allow_file));
  const deny = textOf(file(a.deny_file));
  const conf = a.denyhosts ? file(DENYHOSTS_CONF) : undefined;
  const marks = typeof deny === 'string' ? denyHostsMarksFor(deny, a.client).length > 0 : false;
  const denyhosts = a.denyhosts && conf !== undefined && (marks || conf.kind === 'file');
  const dir = denyHostsWorkDir(conf?.kind === 'file' ? conf.content.toString('utf8') : undefined);
  return { allow, deny, conf, denyhosts, workFiles: denyhosts ? WORK_FILES.map((n) => `${dir}/${n}`) : [] };
}

function reads(a: Args, ctx: KnowContext): string[] {
  if (libwrapOff(a, ctx)) return [];
  const k = survey(a, (p) => ctx.known(p));
  const out = [a.allow_file, a.deny_file, ...(a.denyhosts ? [DENYHOSTS_CONF] : []), ...k.workFiles];
  const texts = [k.allow, k.deny].filter((t): t is string => typeof t === 'string');
  if (texts.length === 2) out.push(...patternFiles(texts));
  return out;
}

function probes(a: Args, ctx: KnowContext): string[] {
  if (libwrapOff(a, ctx)) return [];
  const k = survey(a, (p) => ctx.known(p));
  const probe = k.denyhosts ? serviceStatusProbe(ctx.facts.serviceMgr, DENYHOSTS_SERVICE) : null;
  return probe ? [probe] : [];
}

/**
 * The addresses a client may reach sshd on: every address of the host (facts; loopback only for
 * a client on the host), else the one remedy connected to, else none known (then daemon@host
 * parts are assumed to match).
 */
function serverAddresses(ctx: PlanContext, client: string): string[] {
  const own = addressesReachableFrom(ctx.facts, client);
  if (own.length) return own;
  const connected = ctx.vars.ansible_host;
  return typeof connected === 'string' && isIP(connected) !== 0 ? [connected] : [];
}

/** The port clients reach sshd on (for port-number daemon patterns): the inventory's, else 22. */
function sshPort(vars: Record<string, unknown>): number {
  const port = Number(vars.ansible_port ?? vars.ansible_ssh_port ?? 22);
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : 22;
}

/** Some active rule's daemon list has a `daemon@host` pattern. */
function hasServerScope(texts: string[]): boolean {
  const scoped = (list: PatternList | undefined): boolean =>
    !!list && (list.patterns.some((t) => t.indexOf('@', 1) > 0) || scoped(list.except));
  return texts.some((t) => parseHostsAccess(t).rules.some((r) => r.active && scoped(r.daemons)));
}

function quoteRule(s: string): string {
  return `"${s}"`;
}

function plan(a: Args, ctx: PlanContext): ModulePlan {
  const fail = (message: string): ModulePlan => ({ kind: 'fail', message });
  if (libwrapOff(a, ctx)) {
    return { kind: 'skip', reason: 'sshd is not linked with libwrap: hosts.allow/hosts.deny do not apply' };
  }
  const k = survey(a, (p) => ctx.file(p));
  for (const [p, t] of [[a.allow_file, k.allow], [a.deny_file, k.deny]] as const) {
    if (t !== null && t !== undefined) continue;
    const e = editableText(ctx.file(p));
    return fail('error' in e ? e.error : `${p} is not a regular file`);
  }
  const allowText = k.allow!;
  const denyText = k.deny!;

  const patternTexts = new Map<string, string>();
  for (const p of patternFiles([allowText, denyText])) {
    const t = textOf(ctx.file(p));
    if (typeof t === 'string' && ctx.file(p).kind === 'file') patternTexts.set(p, t);
  }

  let up: UnblockPlan;
  try {
    up = planUnblock({
      allow: { text: allowText, path: a.allow_file },
      deny: { text: denyText, path: a.deny_file },
      client: { addr: a.client },
      daemon: a.daemon,
      readFile: (p) => patternTexts.get(p),
      serverAddrs: serverAddresses(ctx, a.client),
      serverPort: sshPort(ctx.vars),
    });
  } catch (e) {
    return fail((e as Error).message);
  }

  const lines: string[] = [];
  const before = up.decisionBefore;
  if (up.verdictBefore === 'deny') {
    const file = before.file === 'allow' ? a.allow_file : a.deny_file;
    const rule = before.rule ? ` ${quoteRule(before.rule.logical.replace(/\r$/, ''))}` : '';
    lines.push(`${a.client} is refused for ${a.daemon} by ${file}:${before.line}${rule} (${before.reason})`);
  }
  if (ctx.facts.addresses.length === 0 && hasServerScope([allowText, denyText]))
    lines.push(`note: the host's addresses are unknown (no \`ip\` on it): daemon@host rules are judged for ${serverAddresses(ctx, a.client).join(', ') || 'no known address'} only`);
  for (const act of up.actions) {
    const verb = act.action === 'comment-out' ? 'commented out' : 'added';
    lines.push(`${act.file}:${act.line}: ${verb} ${quoteRule(act.rule)} — ${act.reason}`);
  }

  const writes: WriteChange[] = [];
  const edit = (p: string, oldText: string, newText: string): string | null => {
    if (newText === oldText) return null;
    const state = ctx.file(p);
    if (state.kind === 'file' && !Buffer.from(oldText, 'utf8').equals(state.content)) {
      return `${p} contains bytes that are not valid UTF-8; refusing to rewrite it`;
    }
    const w = planWrite(state, Buffer.from(newText, 'utf8'), {});
    if (w) writes.push(w);
    return null;
  };
  const e1 = edit(a.deny_file, denyText, up.denyText) ?? edit(a.allow_file, allowText, up.allowText);
  if (e1) return fail(e1);

  // DenyHosts' own memory of the client.
  const marks = denyHostsMarksFor(denyText, a.client);
  let purged = 0;
  for (const p of k.workFiles) {
    const state = ctx.file(p);
    if (state.kind !== 'file') continue;
    const text = state.content.toString('utf8');
    const res = removeIpFromWorkFile(text, a.client);
    if (res.removed.length === 0) continue;
    const err = edit(p, text, res.text);
    if (err) return fail(err);
    purged++;
    lines.push(`${p}: removed ${res.removed.map((r) => `line ${r.line} ${quoteRule(r.text)}`).join(', ')} (DenyHosts would re-add the client)`);
  }

  for (const n of up.notes) lines.push(`note: ${n}`);
  if (writes.length === 0) {
    const d = up.decisionAfter;
    return { kind: 'ok', message: [`${a.client} is allowed for ${a.daemon} (${d.reason})`, ...lines].join('\n') };
  }

  const changes: Array<WriteChange | RunChange> = [...writes];
  if (a.denyhosts && (marks.length > 0 || purged > 0)) {
    const probe = serviceStatusProbe(ctx.facts.serviceMgr, DENYHOSTS_SERVICE);
    const stop = serviceCommand(ctx.facts.serviceMgr, DENYHOSTS_SERVICE, 'stop');
    const start = serviceCommand(ctx.facts.serviceMgr, DENYHOSTS_SERVICE, 'start');
    if (probe === null || stop === null || start === null) {
      lines.push('note: the service manager is unknown, so denyhosts cannot be stopped around the edits; if it runs it may re-add the client');
    } else if (ctx.probe(probe).code === 0) {
      changes.unshift({ kind: 'run', command: stop });
      changes.push({ kind: 'run', command: start });
      lines.push(`denyhosts is running: stopped before the edits and started again after (it rewrites ${a.deny_file} and re-adds hosts it still counts)`);
    }
  }
  return { kind: 'change', changes, message: lines.join('\n') };
}

export const tcpWrappers: ModuleDef<Args> = {
  name: 'tcp_wrappers',
  summary: 'let a client reach sshd through hosts.allow/hosts.deny (comment out its bans, allow it precisely), purging DenyHosts',
  args,
  reads,
  probes,
  plan,
};

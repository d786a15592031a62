// How a diagnosis is shown: text per host (the verdict, evidence lines indented, the fix command),
// or with --json exactly one JSON document:
//   { "hosts": { NAME: { "clientIp", "vantage": {phase, outcome, timings, ...}, "causes": [{ id,
//     evidence, fix }], "paths": [{ path, ok, phase?, message?, ms }], "server": {...} | null } } }
import type { Facts } from '../facts.js';
import type { Cause, PathReport } from './verdict.js';
import type { Vantage } from './vantage.js';

export interface ServerSummary {
  /** The path the evidence came over. */
  path: string;
  /** uid the evidence script ran as. */
  uid: number;
  hostname: string;
  openssh: string;
  libwrap: boolean;
  /** What kind of server it is: where libwrap lives, penalties, the firewall's front end, the init. */
  facts: Pick<Facts, 'opensshGeneration' | 'libwrapIn' | 'perSourcePenalties' | 'firewallFrontend' | 'serviceMgr'>;
  /** What could not be read (permissions, missing tools). */
  problems: string[];
  /** The newest log lines naming the client address (auth.log, secure, fail2ban.log, journal). */
  clientLog: string[];
  /** Milliseconds for the one evidence exec. */
  ms: number;
}

export interface HostDiagnosis {
  host: string;
  clientIp: string;
  vantage: Vantage;
  paths: PathReport[];
  /** Undefined when no path reached the host (or the evidence script could not run). */
  server?: ServerSummary;
  /** Set when no path reached the host. */
  unreachable: boolean;
  /** Why server evidence is missing although a path worked. */
  evidenceError?: string;
  causes: Cause[];
  ms: number;
}

function serverLine(d: HostDiagnosis): string {
  if (d.server) {
    const s = d.server;
    const who = s.uid === 0 ? 'root' : s.uid < 0 ? 'unknown user' : `uid ${s.uid} (no passwordless sudo: firewall and fail2ban may be unreadable)`;
    const f = s.facts;
    const wrap = f.libwrapIn.length ? `, libwrap in ${f.libwrapIn.join(', ')}` : s.libwrap ? ', sshd linked with libwrap' : '';
    const build = f.opensshGeneration === 'unknown' ? '' : ` (${f.opensshGeneration}${f.perSourcePenalties ? ', PerSourcePenalties' : ''})`;
    return `server: evidence over ${s.path} in ${s.ms} ms as ${who}; ${s.openssh || 'OpenSSH version unknown'}${build}${wrap}; ` +
      `${f.serviceMgr}, firewall ${f.firewallFrontend}`;
  }
  if (d.evidenceError) return `server: reached, but the evidence script failed: ${d.evidenceError}`;
  const tried = d.paths.map((p) => `${p.path}: ${p.phase ?? 'failed'}: ${p.message ?? ''} (${p.ms} ms)`).join('; ');
  return `server: unreachable on every path (${tried || 'no path to try'})`;
}

export function hostText(d: HostDiagnosis): string {
  const head = d.causes.length ? d.causes.map((c) => c.id).join(', ') : 'undiagnosed: the client fails and nothing found explains it';
  const lines = [`${d.host} (${d.vantage.target.host}:${d.vantage.target.port}): ${head}`];
  lines.push(`  client ${d.clientIp}: ${d.vantage.summary}`);
  lines.push(`  ${serverLine(d)}`);
  const failed = d.paths.filter((p) => !p.ok);
  if (d.server && failed.length) lines.push(`    before that: ${failed.map((p) => `${p.path}: ${p.phase} after ${p.ms} ms`).join('; ')}`);
  for (const p of d.server?.problems ?? []) lines.push(`    note: ${p}`);
  d.causes.forEach((c, k) => {
    lines.push(`  ${k + 1}. ${c.id}`);
    for (const e of c.evidence) lines.push(`       ${e}`);
    if (c.fix) lines.push(`     fix: ${c.fix}`);
  });
  return lines.join('\n');
}

export function textReport(results: readonly HostDiagnosis[]): string {
  const blocks = results.map(hostText);
  const unreachable = results.filter((r) => r.unreachable).length;
  const healthy = results.filter((r) => r.causes[0]?.id === 'healthy').length;
  const summary = `${results.length} host(s): ${healthy} healthy, ${results.length - healthy - unreachable} diagnosed over a working path${unreachable ? `, ${unreachable} unreachable on every path (diagnosed from the client's side only)` : ''}`;
  return `${blocks.join('\n\n')}\n\n${summary}\n`;
}

export function jsonReport(results: readonly HostDiagnosis[]): { hosts: Record<string, unknown> } {
  const hosts: Record<string, unknown> = {};
  for (const d of results) {
    hosts[d.host] = {
      clientIp: d.clientIp,
      vantage: d.vantage,
      causes: d.causes,
      paths: d.paths,
      server: d.server ?? null,
      unreachable: d.unreachable,
      ...(d.evidenceError ? { evidenceError: d.evidenceError } : {}),
      ms: d.ms,
    };
  }
  return { hosts };
}

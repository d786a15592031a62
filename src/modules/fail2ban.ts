// `fail2ban`: lift a ban on an address from every jail that holds it (or the jails named), with
// the commands this fail2ban version understands, through fail2ban-client so the ban also leaves
// its database. Optionally whitelist the address lastingly: `ignoreip` in jail.local's [DEFAULT]
// (never jail.conf, which package upgrades overwrite) plus `addignoreip` at run time.
import { isIP } from 'node:net';
import { z } from 'zod';
import { str, boolArg } from './arg-types.js';
import type { Change } from '../engine/change.js';
import { jailsBanning, parseProbe, planAddIgnoreIp, planUnban, probeScript, quickProbeScript } from '../formats/fail2ban.js';
import { planIgnoreIpDetailed } from '../formats/jail-conf.js';
import { editableText, planWrite } from './file-attrs.js';
import type { ModuleDef } from './module.js';
import { quoteArgv } from '../shell.js';

const args = z.strictObject({
  ip: str(z.string().refine((s) => isIP(s) !== 0, 'expected an IP address')),
  /** Only these jails (default: every jail that bans the address). */
  jails: z.array(str(z.string().regex(/^[A-Za-z0-9_.@-]+$/, 'not a jail name'))).optional(),
  /** Also whitelist the address: jail.local [DEFAULT] ignoreip and addignoreip at run time. */
  whitelist: boolArg.default(false),
  jail_local: str().default('/etc/fail2ban/jail.local'),
});

// Unbanning needs only `banned` (one Python start); whitelisting also needs the jails' ignore lists.
const QUICK = quickProbeScript();
const FULL = probeScript();
// What fail2ban-client changes of what remedy reads: only fail2ban's own answers. (Its iptables
// rules change too, but the firewall module leaves fail2ban's chains to fail2ban.)
const TOUCHES = { files: [], probes: [QUICK, FULL] };

export const fail2ban: ModuleDef<z.infer<typeof args>> = {
  name: 'fail2ban',
  summary: 'unban an address in every fail2ban jail that bans it; optionally whitelist it',
  args,
  probes: (a) => [a.whitelist ? FULL : QUICK],
  reads: (a) => (a.whitelist ? [a.jail_local] : []),
  plan(a, ctx) {
    const probe = parseProbe(ctx.probe(a.whitelist ? FULL : QUICK).stdout);
    if (!probe.installed) return { kind: 'skip', reason: 'fail2ban is not installed' };
    if (!probe.running) return { kind: 'skip', reason: 'fail2ban is not running (bans kept in its database return when it starts)' };
    const banning = jailsBanning(probe, a.ip).filter((j) => !a.jails || a.jails.includes(j));
    const changes: Change[] = [];
    const notes: string[] = [];
    if (banning.length) notes.push(`${a.ip} is banned in ${banning.join(', ')}`);
    // Undo: ban again in each jail that banned it (what `unban` lifted).
    const undo = banning.map((j) => quoteArgv(['fail2ban-client', 'set', j, 'banip', a.ip])).join(' && ');
    // A server that answers `banned` is at least 0.10.6, which also has `unban`.
    const version = probe.version ?? (probe.banned ? '0.10.6' : undefined);
    for (const command of planUnban({ version, jailsBanning: banning, ip: a.ip, jails: a.jails })) {
      changes.push({ kind: 'run', command, undo, touches: TOUCHES });
    }

    if (a.whitelist) {
      const file = ctx.file(a.jail_local);
      const cur = editableText(file);
      if ('error' in cur) return { kind: 'fail', message: cur.error };
      const plan = planIgnoreIpDetailed('text' in cur ? cur.text : undefined, a.ip);
      if (plan.changed) {
        const write = planWrite(file, Buffer.from(plan.text, 'utf8'), {});
        if (write) changes.unshift(write);
        notes.push(`ignoreip in ${a.jail_local} [DEFAULT]: ${plan.action}`);
      }
      if (plan.overriddenIn.length) notes.push(`jails with their own ignoreip (not covered by [DEFAULT]): ${plan.overriddenIn.join(', ')}`);
      const jails = a.jails ?? probe.jails;
      for (const command of planAddIgnoreIp({ jails, ip: a.ip, currentIgnore: probe.ignoreIp })) {
        changes.push({ kind: 'run', command, undo: command.replace(' addignoreip ', ' delignoreip '), touches: TOUCHES });
      }
    }
    if (probe.problems.length) notes.push(`could not read: ${probe.problems.join('; ')}`);
    const message = notes.join('; ') || undefined;
    if (changes.length === 0) return { kind: 'ok', message: message ?? `${a.ip} is not banned` };
    return { kind: 'change', changes, message };
  },
};

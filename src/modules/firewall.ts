// `firewall`: find the rules that DROP/REJECT the client or the sshd port (iptables, nftables;
// ufw and firewalld through their own tools) and lift them for the client only: rules naming the
// client are deleted, broad rules stay and an ACCEPT for the client alone goes before them.
// Bans in fail2ban's chains are left to the fail2ban module (lifted through fail2ban-client).
import { isIP } from 'node:net';
import { z } from 'zod';
import { str, int } from './arg-types.js';
import { firewallProbeScript, parseFirewallProbe, planFirewallFromProbe } from '../formats/firewall.js';
import type { ModuleDef } from './module.js';

const args = z.strictObject({
  client: str(z.string().refine((s) => isIP(s) !== 0, 'expected an IP address')),
  port: int(z.number().int().min(1).max(65535)).default(22),
});

const PROBE = firewallProbeScript();
const MAX_NOTES = 8;

/** The notes, one per line, the first few only: a ruleset the parser could not read is not echoed back whole. */
function summarise(notes: string[]): string {
  const shown = notes.slice(0, MAX_NOTES).map((n) => (n.length > 200 ? `${n.slice(0, 200)}…` : n));
  if (notes.length > MAX_NOTES) shown.push(`… and ${notes.length - MAX_NOTES} more note(s)`);
  return shown.join('\n');
}

export const firewall: ModuleDef<z.infer<typeof args>> = {
  name: 'firewall',
  summary: 'lift firewall rules that block the client from the sshd port (iptables, nft, ufw, firewalld)',
  args,
  probes: () => [PROBE],
  plan(a, ctx) {
    const probe = parseFirewallProbe(ctx.probe(PROBE).stdout);
    if (probe.present.length === 0) return { kind: 'skip', reason: 'no firewall tool (iptables, nft, ufw, firewall-cmd) on the host' };
    const plan = planFirewallFromProbe(probe, { clientIp: a.client, port: a.port });
    const notes = [...plan.notes];
    if (plan.fail2ban.length) notes.push(`${plan.fail2ban.length} block(s) belong to fail2ban: lifted by unbanning, not here`);
    for (const s of plan.steps) notes.push(s.reason);
    const message = summarise(notes) || undefined;
    if (plan.steps.length === 0) return { kind: 'ok', message: message ?? `no firewall rule blocks ${a.client} on port ${a.port}` };
    const touches = { files: [], probes: [PROBE] };
    const changes = plan.steps.map((step) => ({ kind: 'run' as const, command: step.command, risk: 'firewall' as const, touches, ...(step.undo ? { undo: step.undo } : {}) }));
    return { kind: 'change', changes, message };
  },
};

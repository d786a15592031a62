import { it } from 'vitest';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { parseFirewallProbe, planFirewallFromProbe } from '../../src/formats/firewall.js';
const fx = (n: string) => readFileSync(new URL(`../fixtures/firewall/${n}`, import.meta.url), 'utf8');
const ns = (cmd: string) => execFileSync('ip', ['netns', 'exec', 'scratch-f2b', 'sh', '-c', cmd], { encoding: 'utf8' });
it('scratch', () => {
  const pr = parseFirewallProbe(fx('probe-ufw-f2b.txt'));
  console.log(pr.present, pr.iptables?.variant, pr.ufw?.active, pr.ufw?.version, pr.problems);
  const p = planFirewallFromProbe(pr, { clientIp: '203.0.113.7' });
  console.log(p.commands, p.notes, p.blocks.map((b) => [b.tool, 'chain' in b ? b.chain : '', 'rule' in b ? (typeof b.rule === 'string' ? b.rule : b.text) : '', b.classification, b.certainty, 'managedBy' in b ? b.managedBy : '']));
  for (const c of p.commands) ns(c);
  const p2 = planFirewallFromProbe(parseFirewallProbe(ns('sh /tmp/fw-probe.sh')), { clientIp: '203.0.113.7' });
  console.log('again', p2.commands, p2.fail2ban.length);
  for (const s of [...p.steps].reverse()) ns(s.undo!);
  const p6 = planFirewallFromProbe(pr, { clientIp: '2001:db8::5' });
  console.log(p6.commands, p6.fail2ban.map(b => 'rule' in b ? b.rule : ''));
});

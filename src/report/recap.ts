// The PLAY RECAP block, in Ansible's layout so eyes and scripts trained on it keep working,
// plus the path that reached each host.
import type { HostResult } from '../engine/results.js';
import type { Paint } from './color.js';

export function formatRecap(results: readonly HostResult[], paint: Paint): string {
  const lines = [paint('PLAY RECAP ' + '*'.repeat(60), 'bold')];
  for (const r of results) {
    const c = r.recap;
    const color = r.status === 'unreachable' || r.status === 'failed' ? 'red' : c.changed ? 'yellow' : 'green';
    // Ansible's default callback: `%-26s : ` then `name=%-4s` cells joined by one space.
    const cell = (k: string, n: number, col: 'green' | 'yellow' | 'red' | 'cyan') => {
      const text = `${k}=${String(n).padEnd(4)}`;
      return n ? paint(text, col) : text;
    };
    const cells = [
      cell('ok', c.ok, 'green'), cell('changed', c.changed, 'yellow'), cell('unreachable', c.unreachable, 'red'),
      cell('failed', c.failed, 'red'), cell('skipped', c.skipped, 'cyan'), cell('rescued', c.rescued, 'green'), cell('ignored', c.ignored, 'cyan'),
    ];
    const extra = `${r.path ? ` path=${r.path}` : ''}${r.rolledBack ? ` rolled_back_by=${r.rolledBack}` : ''}`;
    lines.push(`${paint(r.host, color)}${' '.repeat(Math.max(0, 26 - r.host.length))} : ${cells.join(' ')}${extra}`);
  }
  return lines.join('\n');
}

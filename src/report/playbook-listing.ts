// --list-tasks / --list-hosts: what ansible-playbook prints for them (2.14's layout), for the
// plays and tasks the tag selection keeps. Like Ansible, only the tasks that run when nothing
// fails are listed: each block's `block` section, not its rescue or always.
import type { Play, Step } from '../playbook/model.js';

export interface ListedPlay {
  play: Play;
  /** The play's hosts after --limit (for --list-hosts). */
  hosts: string[];
}

export function formatListing(playbook: string, plays: readonly ListedPlay[], what: { tasks: boolean; hosts: boolean }): string {
  const out = ['', `playbook: ${playbook}`];
  plays.forEach(({ play, hosts }, i) => {
    out.push('', `  play #${i + 1} (${play.hosts}): ${play.name}\tTAGS: [${(play.tags ?? []).join(',')}]`);
    if (what.hosts) out.push(`    pattern: ['${play.hosts}']`, `    hosts (${hosts.length}):`, ...hosts.map((h) => `      ${h}`));
    if (what.tasks) out.push('    tasks:', ...taskLines(play.steps ?? play.tasks));
  });
  return out.join('\n');
}

function taskLines(steps: readonly Step[]): string[] {
  return steps.flatMap((s) => {
    if (s.kind === 'block' && !s.include) return taskLines(s.block);
    if (s.kind === 'meta' && s.implicit) return [];
    return [`      ${s.name}\tTAGS: [${(s.tags ?? []).join(', ')}]`];
  });
}

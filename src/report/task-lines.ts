// How one task result reads in the log: a status word, then (for plan and --diff) every file
// diff and every command exactly as apply runs it.
import type { TaskResult } from '../engine/results.js';
import type { Paint } from './color.js';

export function statusWord(r: TaskResult, check: boolean): string {
  if (r.status === 'failed') return r.ignored ? 'failed (ignored)' : 'failed';
  if (r.status === 'changed') return check && !r.executed ? 'would change' : 'changed';
  if (r.status === 'skipped') return check ? 'would skip' : 'skipped';
  // Checks (sshd -t, a verification login) run under apply only.
  if (check && !r.executed && r.commands.length) return 'would check';
  return 'ok';
}

export function taskLines(host: string, r: TaskResult, opts: { check: boolean; diff: boolean }, paint: Paint): string[] {
  const word = statusWord(r, opts.check);
  const color = r.status === 'failed' ? 'red' : r.status === 'changed' ? 'yellow' : r.status === 'skipped' ? 'cyan' : 'green';
  const why = r.status === 'failed' || r.status === 'skipped' ? r.msg : undefined;
  const lines = [`${host}${r.delegatedTo ? ` -> ${r.delegatedTo}` : ''} | ${paint(word, color)} | ${r.handler ? 'handler: ' : ''}${r.task}${why ? ` | ${why}` : ''}`];
  if (r.output !== undefined) for (const l of r.output.split('\n')) lines.push(`    ${l}`);
  // `diff:` on the task decides for its file diffs, as in Ansible; --diff (and plan) for the rest.
  const diffs = r.diff ?? opts.diff;
  if (!opts.diff && !diffs) return lines;
  for (const d of r.diffs) {
    lines.push(`    ${paint(d.created ? `create ${d.path}` : `edit ${d.path}`, 'bold')}${d.attrs.length ? ` (${d.attrs.join(', ')})` : ''}${diffs ? '' : ' (diff hidden: diff: false)'}`);
    if (!diffs) continue;
    for (const l of d.unified.replace(/\n$/, '').split('\n').filter(Boolean)) {
      const c = l.startsWith('+') && !l.startsWith('+++') ? 'green' : l.startsWith('-') && !l.startsWith('---') ? 'red' : l.startsWith('@@') ? 'cyan' : undefined;
      lines.push(`    ${c ? paint(l, c) : l}`);
    }
  }
  if (opts.diff) for (const c of r.commands) lines.push(`    ${paint('$', 'dim')} ${c}`);
  return lines;
}

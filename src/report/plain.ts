// Line-per-event output for logs, pipes and CI (anything that is not a terminal).
import type { RunObserver } from '../engine/observer.js';
import type { Paint } from './color.js';
import { taskLines } from './task-lines.js';
import { condenseAttempts, describeRun } from '../engine/attempt-summary.js';

export function plainObserver(write: (line: string) => void, opts: { check: boolean; diff: boolean }, paint: Paint): RunObserver {
  return {
    playStart: (name, hosts) => write(paint(`PLAY [${name}] ${hosts.length} host(s): ${hosts.join(', ')}`, 'bold')),
    taskDone: (host, r) => taskLines(host, r, opts, paint).forEach((l) => write(l)),
    hostDone(host, r) {
      if (r.status === 'unreachable') {
        write(`${host} | ${paint('UNREACHABLE', 'red')} | ${r.msg}`);
        return;
      }
      const via = r.path ? ` via ${r.path}` : '';
      const tried = condenseAttempts(r.attempts).map(describeRun);
      write(`${host} | ${paint(r.status === 'failed' ? 'FAILED' : 'done', r.status === 'failed' ? 'red' : 'green')}${via}${tried.length ? ` after failed paths: ${tried.join('; ')}` : ''}${r.status === 'failed' && r.msg ? ` | ${r.msg.trim().replace(/\s*\n\s*/g, ' / ')}` : ''}`);
      if (r.rolledBack) write(`${host} | ${paint('ROLLED BACK', 'yellow')} by ${r.rolledBack === 'timer' ? 'its on-host timer (the lease ran out before remedy renewed it)' : 'remedy'}`);
    },
    notice: (text) => write(paint(`NOTICE: ${text}`, 'yellow')),
  };
}

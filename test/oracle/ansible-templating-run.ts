// Runs template cases through ansible-playbook in one run against localhost (connection: local)
// and reads back, for each, what Ansible's `debug: msg` produced: the value (types kept, through
// to_json) and its Python str(), or the failure. Results are written by a final copy task.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface AnsibleOutcome {
  failed: boolean;
  /** The rendered value as JSON carries it (Python floats and ints both become JS numbers). */
  value: unknown;
  /** Python str() of the value, which keeps 42.0 apart from 42 and True from 'True'. */
  text: string;
}

export function ansiblePlaybookPath(): string | null {
  try {
    return execFileSync('sh', ['-c', 'command -v ansible-playbook'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** A case is a `debug: msg` template, or `{ fact }`: a template stored by set_fact and read back. */
export type OracleCase = string | { fact: string };

function taskFor(c: OracleCase, i: number): unknown {
  if (typeof c === 'string') return { debug: { msg: c }, register: `r${i}`, ignore_errors: true };
  return { block: [{ set_fact: { [`f${i}`]: c.fact } }, { debug: { var: `f${i}` }, register: `r${i}` }], rescue: [{ set_fact: { [`r${i}`]: { failed: true, msg: 'set_fact failed' } } }] };
}

function resultFor(c: OracleCase, i: number): string {
  const value = typeof c === 'string' ? `r${i}.msg | default('')` : `r${i}['f${i}'] | default(r${i}.msg)`;
  return `'${i}': {'failed': r${i}.failed | default(false), 'msg': ${value}, 'str': ${value} | string}`;
}

export function runAnsible(cases: readonly OracleCase[], vars: Record<string, unknown>): AnsibleOutcome[] {
  const dir = mkdtempSync(join(tmpdir(), 'remedy-oracle-'));
  try {
    const out = join(dir, 'results.json');
    const tasks: unknown[] = cases.map(taskFor);
    const entries = cases.map(resultFor);
    tasks.push({ copy: { dest: out, content: `{{ {${entries.join(', ')}} | to_json }}` } });
    const play = { hosts: 'localhost', connection: 'local', gather_facts: false, vars, tasks };
    const playbook = join(dir, 'play.json');
    writeFileSync(playbook, JSON.stringify([play]));
    const env = { ...process.env, ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_NOCOLOR: '1', ANSIBLE_RETRY_FILES_ENABLED: 'false' };
    execFileSync('ansible-playbook', ['-i', 'localhost,', playbook], { env, cwd: dir, stdio: 'pipe', timeout: 300_000, maxBuffer: 64 << 20 });
    const raw = JSON.parse(readFileSync(out, 'utf8')) as Record<string, { failed: boolean; msg: unknown; str: string }>;
    return cases.map((_, i) => {
      const r = raw[String(i)];
      if (!r) throw new Error(`no Ansible result for case ${i}`);
      return { failed: r.failed, value: r.msg, text: r.str };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

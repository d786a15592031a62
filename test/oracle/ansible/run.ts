// Running ansible-core as the oracle: where its tools are, a run with Ansible's noise turned
// off, and its JSON (Python's json writes NaN and Infinity, which JSON.parse does not read).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function ansibleInstalled(): boolean {
  return spawnSync('ansible-inventory', ['--version'], { stdio: 'ignore' }).status === 0
    && spawnSync('ansible-playbook', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Say loudly that the oracle is missing (the suite then skips). */
export function warnSkipped(what: string): void {
  console.warn(`\n*** SKIPPED ${what}: ansible-core is not installed (apt-get install ansible-core); remedy was NOT compared with Ansible ***\n`);
}

const QUIET_ENV = {
  ANSIBLE_NOCOLOR: '1',
  ANSIBLE_HOST_KEY_CHECKING: 'False',
  ANSIBLE_RETRY_FILES_ENABLED: 'False',
  ANSIBLE_LOCALHOST_WARNING: 'False',
  ANSIBLE_INVENTORY_UNPARSED_WARNING: 'False',
  ANSIBLE_PYTHON_INTERPRETER: 'auto_silent',
};

export function runAnsible(tool: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { env: { ...process.env, ...QUIET_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Python json output, with its bare NaN / Infinity read as strings 'NaN' / 'Infinity'. */
export function parsePythonJson(text: string): unknown {
  return JSON.parse(text.replace(/(:\s*|\[\s*|,\s*)(-?Infinity|NaN)(?=\s*[,}\]])/g, '$1"$2"'));
}

/** Run `jobs` with at most `n` at a time (ansible's start-up is slow; the machine has 2 cores). */
export async function inParallel<T, R>(items: readonly T[], n: number, job: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await job(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

/** Agreement of one corpus: cases that disagree without a documented reason fail the test. */
export function tally(name: string, results: { id: string; agree: boolean; detail?: string }[], documented: Record<string, string>): string[] {
  const agree = results.filter((r) => r.agree).length;
  const known = results.filter((r) => !r.agree && documented[r.id]);
  const unexplained = results.filter((r) => !r.agree && !documented[r.id]);
  console.log(`${name}: ${agree}/${results.length} agree with Ansible; ${known.length} documented differences; ${unexplained.length} unexplained`);
  const stale = Object.keys(documented).filter((id) => results.some((r) => r.id === id && r.agree));
  return [
    ...unexplained.map((r) => `${r.id}: ${r.detail ?? 'differs'}`),
    ...stale.map((id) => `${id}: listed as a documented difference but now agrees (remove it)`),
  ];
}

/** A one-play playbook for localhost (connection: local, no facts) with these vars and tasks (YAML text). */
export function localPlaybook(vars: string, tasks: string): string {
  return `- hosts: localhost\n  connection: local\n  gather_facts: false\n  vars:${vars}  tasks:\n${tasks}`;
}

/** The default callback's output, grouped by task: `TASK [name]` → the lines under it. */
export function linesByTask(out: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  let lines: string[] | undefined;
  for (const line of out.split('\n')) {
    const head = /^TASK \[(.*)\]/.exec(line);
    if (head) found.set(head[1]!, (lines = []));
    else lines?.push(line);
  }
  return found;
}

/** `fn` with `text` written to a file of a fresh temporary directory, removed afterwards. */
export async function withTempFile<T>(name: string, text: string, fn: (file: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'remedy-oracle-'));
  try {
    const file = join(dir, name);
    writeFileSync(file, text);
    return await fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

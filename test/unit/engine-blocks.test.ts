// The block walker through the real engine on this machine (connection: local, controller-side
// modules only, so nothing changes): where a failure goes, what the recap counts, check mode,
// flush_handlers, end_host and --tags. The same semantics are judged against ansible-playbook in
// test/oracle/ansible-blocks.test.ts; these run without Ansible.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, json } from '../e2e/run-cli.js';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'remedy-engine-blocks-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
async function run(body: string, ...args: string[]) {
  const file = join(dir, `pb-${n++}.yml`);
  writeFileSync(file, `- hosts: localhost\n  connection: local\n  gather_facts: false\n${body}`);
  const r = await runCli(['apply', file, '-i', 'localhost,', '--json', ...args]);
  const doc = json(r);
  const host = doc.plays[0].hosts.localhost;
  return {
    code: r.code,
    tasks: (host?.tasks ?? []).map((t: { task: string; status: string }) => `${t.task}:${t.status}`).join(' '),
    recap: doc.recap.localhost,
    host,
  };
}

const OK = (name: string) => `        - name: ${name}\n          debug: { msg: ${name} }\n`;
const FAIL = (name: string) => `        - name: ${name}\n          fail: { msg: boom }\n`;

describe('blocks through the engine', () => {
  it('a rescued failure: the rest of the block skipped, rescue and always run, the host is ok', async () => {
    const r = await run(`  tasks:\n    - block:\n${OK('b1')}${FAIL('b2')}${OK('b3')}      rescue:\n${OK('r1')}      always:\n${OK('a1')}    - name: after\n      debug: { msg: after }\n`);
    expect(r.code).toBe(0);
    expect(r.tasks).toBe('b1:ok b2:failed r1:ok a1:ok after:ok');
    expect(r.recap).toMatchObject({ status: 'ok', ok: 4, failed: 0, rescued: 1 });
    expect(r.host.tasks[1].rescued).toBe(true);
    expect(r.host.rolled_back).toBeNull();
  });

  it('always without rescue: always runs, then the failure fails the host', async () => {
    const r = await run(`  tasks:\n    - block:\n${FAIL('b1')}      always:\n${OK('a1')}    - name: after\n      debug: { msg: after }\n`);
    expect(r.code).toBe(2);
    expect(r.tasks).toBe('b1:failed a1:ok');
    expect(r.recap).toMatchObject({ status: 'failed', ok: 1, failed: 1, rescued: 0 });
    expect(r.host.msg).toBe('b1: boom');
  });

  it('check mode walks the same way', async () => {
    const r = await run(`  tasks:\n    - block:\n${FAIL('b1')}      rescue:\n${OK('r1')}\n`, '--check');
    expect(r.tasks).toBe('b1:failed r1:ok');
    expect(r.recap).toMatchObject({ failed: 0, rescued: 1 });
  });

  it('flush_handlers runs what was notified, once; end_host stops the host without failing it', async () => {
    const notify = (name: string) => `    - name: ${name}\n      debug: { msg: ${name} }\n      changed_when: true\n      notify: h\n`;
    const r = await run(`  tasks:\n${notify('t1')}    - meta: flush_handlers\n${notify('t2')}    - meta: end_host\n    - name: t3\n      debug: { msg: t3 }\n  handlers:\n    - name: h\n      debug: { msg: h }\n`);
    expect(r.code).toBe(0);
    expect(r.tasks).toBe('t1:changed h:ok t2:changed');
  });

  it('--tags and --skip-tags pick the tasks, always included', async () => {
    const body = `  tasks:\n    - block:\n${OK('b1')}      tags: web\n    - name: t2\n      debug: { msg: t2 }\n      tags: [always]\n    - name: t3\n      debug: { msg: t3 }\n`;
    expect((await run(body, '--tags', 'web')).tasks).toBe('b1:ok t2:ok');
    expect((await run(body, '--skip-tags', 'web,always')).tasks).toBe('t3:ok');
  });

  it('--list-tasks and --list-hosts print what would run and run nothing (the failing tasks never fail)', async () => {
    const file = join(dir, 'list.yml');
    writeFileSync(file, `- hosts: localhost\n  connection: local\n  tasks:\n    - name: t1\n      fail: { msg: never run }\n      tags: a\n    - name: t2\n      fail: { msg: never run }\n`);
    const r = await runCli(['plan', file, '-i', 'localhost,', '--list-tasks', '--list-hosts', '--tags', 'a']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`\nplaybook: ${file}\n\n  play #1 (localhost): localhost\tTAGS: []\n    pattern: ['localhost']\n    hosts (1):\n      localhost\n    tasks:\n      t1\tTAGS: [a]\n`);
  });
});

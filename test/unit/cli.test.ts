// The CLI's read-only commands and its error-to-exit-code mapping; no host is contacted.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync, mkdirSync, statSync, existsSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../e2e/run-cli.js';

const INV = 'test/fixtures/inventory/site/hosts.yml';
const tmp = mkdtempSync(join(tmpdir(), 'remedy-cli-'));

describe('remedy inventory', () => {
  it('lists hosts and vars like ansible-inventory --list', async () => {
    const run = await runCli(['inventory', '-i', INV, '--list']);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc._meta.hostvars.web1.http_port).toBe(9090); // host_vars/web1.yml beats the inline 8080
    expect(doc.web.hosts).toContain('web1');
  });
  it('limits with a pattern', async () => {
    const doc = JSON.parse((await runCli(['inventory', '-i', INV, '-l', 'web:!web_canary'])).stdout);
    expect(Object.keys(doc._meta.hostvars).sort()).toEqual(['web1', 'web2']);
  });
  it('draws the group graph', async () => {
    const run = await runCli(['inventory', '-i', INV, '--graph']);
    expect(run.stdout).toMatch(/^@all:/);
    expect(run.stdout).toMatch(/\|--@web_canary:/);
  });
  it('takes the inventory from REMEDY_INVENTORY', async () => {
    const run = await runCli(['inventory', '--graph'], { REMEDY_INVENTORY: INV });
    expect(run.code).toBe(0);
  });
  it('is a usage error without any inventory', async () => {
    const run = await runCli(['inventory']);
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(/no inventory/);
  });
});

describe('remedy validate', () => {
  it('accepts the shipped playbook against the example inventory', async () => {
    const run = await runCli(['validate', 'playbooks/unblock.yml', '-i', 'inventory.example.yml']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/valid — 2 play\(s\), \d+ task\(s\), 5 host\(s\)/);
  });
  it('rejects a bad working path in the inventory', async () => {
    const inv = join(tmp, 'bad-path.yml');
    writeFileSync(inv, 'all:\n  hosts:\n    h1:\n      remedy_bind_address: not-an-ip\n');
    const run = await runCli(['validate', 'playbooks/unblock.yml', '-i', inv]);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/host 'h1': remedy_bind_address must be an IP address/);
  });
  it('reports inventory syntax errors with file:line:col', async () => {
    const inv = join(tmp, 'broken.yml');
    writeFileSync(inv, 'all:\n  hosts:\n    - h1\n');
    const run = await runCli(['validate', 'playbooks/unblock.yml', '-i', inv]);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain(`${inv}:3:`);
  });
  it('warns about a play whose pattern matches nothing', async () => {
    const pb = join(tmp, 'nomatch.yml');
    writeFileSync(pb, '- hosts: nosuchgroup\n  tasks: []\n');
    const run = await runCli(['validate', pb, '-i', INV]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/warning: .*nomatch\.yml:1:3: .*'nosuchgroup'/);
  });
});

describe('usage errors exit 5', () => {
  it('unknown flags, bad numbers, bad -e, missing playbook', async () => {
    expect((await runCli(['apply', 'x.yml', '--bogus'])).code).toBe(5);
    expect((await runCli(['apply', 'playbooks/unblock.yml', '-i', INV, '--forks', '0'])).code).toBe(5);
    expect((await runCli(['apply', 'playbooks/unblock.yml', '-i', INV, '-e', '=x'])).code).toBe(5);
    const missing = await runCli(['apply', 'nope.yml', '-i', INV]);
    expect(missing.code).toBe(5);
    expect(missing.stderr).toMatch(/cannot read playbook nope\.yml/);
  });
});

describe('local plays', () => {
  it('runs a localhost play without an inventory and prints one JSON document', async () => {
    const pb = join(tmp, 'local.yml');
    const target = join(tmp, 'local-out.txt');
    writeFileSync(pb, `- hosts: localhost\n  gather_facts: false\n  tasks:\n    - copy:\n        dest: ${target}\n        content: "hi\\n"\n`);
    const plan = await runCli(['plan', pb, '--json', '--detailed-exitcode']);
    expect(plan.code, plan.stderr).toBe(2);
    expect(JSON.parse(plan.stdout).plays[0].hosts.localhost.tasks[0].diffs[0].unified).toContain('+hi');
    const apply = await runCli(['apply', pb]);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toMatch(/localhost\s+: ok=1\s+changed=1/);
    const again = await runCli(['plan', pb, '--detailed-exitcode']);
    expect(again.code).toBe(0);
  });
});

describe('controller playbooks (connection: local)', () => {
  const home = mkdtempSync(join(tmpdir(), 'remedy-home-'));
  const ssh = join(home, '.ssh');
  mkdirSync(ssh, { mode: 0o700 });
  const key = 'AAAAC3NzaC1lZDI1NTE5AAAAIGV4YW1wbGVrZXlleGFtcGxla2V5ZXhhbXBsZWtleQ==';

  it('forget-host-key.yml removes exactly the host\'s entries, then changes nothing', async () => {
    const kh = join(ssh, 'known_hosts');
    writeFileSync(kh, `# keep me\nweb1,192.0.2.1 ssh-ed25519 ${key}\nweb2 ssh-ed25519 ${key}\n[web1]:2222 ssh-ed25519 ${key}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', kh], { stdio: 'ignore' });
    const hashed = readFileSync(kh, 'utf8');
    const args = ['apply', 'playbooks/forget-host-key.yml', '-e', 'host=web1', '-e', `remedy_controller_home=${home}`];
    const run = await runCli(args);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const left = readFileSync(kh, 'utf8').split('\n').filter(Boolean);
    expect(left).toHaveLength(hashed.split('\n').filter(Boolean).length - 1);
    const find = (name: string) => spawnSync('ssh-keygen', ['-F', name, '-f', kh]).stdout.toString();
    expect(find('web1')).toBe('');
    // ssh-keygen -H wrote the address as a line of its own, which `-R web1` keeps too.
    expect(find('192.0.2.1')).toMatch(/ssh-ed25519/);
    expect(find('web2')).toMatch(/ssh-ed25519/);
    expect(find('[web1]:2222')).toMatch(/ssh-ed25519/);
    expect((await runCli(args)).stdout).toMatch(/localhost\s+: ok=2\s+changed=0/);
    const missing = await runCli(['apply', 'playbooks/forget-host-key.yml', '-e', `remedy_controller_home=${home}`]);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toMatch(/pass the host whose key changed/);
  });

  it('client-keepalive.yml writes ServerAlive* into a new 0600 ~/.ssh/config, then changes nothing', async () => {
    const args = ['apply', 'playbooks/client-keepalive.yml', '-e', `remedy_controller_home=${home}`];
    const run = await runCli(args);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const cfg = join(ssh, 'config');
    expect(statSync(cfg).mode & 0o777).toBe(0o600);
    const effective = execFileSync('ssh', ['-G', '-F', cfg, 'anyhost']).toString();
    expect(effective).toMatch(/^serveraliveinterval 60$/m);
    expect(effective).toMatch(/^serveralivecountmax 3$/m);
    expect((await runCli(args)).stdout).toMatch(/localhost\s+: ok=1\s+changed=0/);
  });
});

describe('serial batches and the failure budget (local hosts)', () => {
  const inv = join(tmp, 'fleet.ini');
  writeFileSync(inv, '[fleet]\n' + ['h1', 'h2', 'h3', 'h4', 'h5'].map((h) => `${h} ansible_connection=local`).join('\n') + '\n');
  const pb = (serial: string, maxFail: string) => {
    const p = join(tmp, `fleet-${serial.replace(/\W/g, '')}-${maxFail}.yml`);
    writeFileSync(p, `- hosts: fleet\n  gather_facts: false\n  serial: ${serial}\n${maxFail ? `  max_fail_percentage: ${maxFail}\n` : ''}  tasks:\n    - assert: { that: inventory_hostname != 'h2', fail_msg: "h2 fails" }\n`);
    return p;
  };

  it('max_fail_percentage stops further batches and says so', async () => {
    const run = await runCli(['apply', pb('1', '0'), '-i', inv, '--json']);
    expect(run.code).toBe(2);
    const play = JSON.parse(run.stdout).plays[0];
    expect(Object.keys(play.hosts)).toEqual(['h1', 'h2']);
    expect(play.not_run).toEqual(['h3', 'h4', 'h5']);
    expect(play.stopped).toMatch(/max_fail_percentage 0% exceeded: 1 of 1 hosts/);
    const text = await runCli(['apply', pb('1', '0'), '-i', inv]);
    expect(text.stdout).toMatch(/stopped: max_fail_percentage .*not started: h3, h4, h5/);
  });

  it('without a budget every batch runs; a canary then growing batches', async () => {
    const run = await runCli(['apply', pb('[1, "50%"]', ''), '-i', inv, '--json']);
    expect(run.code).toBe(2);
    const play = JSON.parse(run.stdout).plays[0];
    expect(Object.keys(play.hosts)).toEqual(['h1', 'h2', 'h3', 'h4', 'h5']);
    expect(play.not_run).toEqual([]);
    expect(play.hosts.h2.status).toBe('failed');
    expect(play.hosts.h5.status).toBe('ok');
  });
});

describe('a play that ends early ends the playbook, as in Ansible (local hosts)', () => {
  const inv = join(tmp, 'ends.ini');
  writeFileSync(inv, '[fleet]\n' + ['h1', 'h2', 'h3', 'h4', 'h5'].map((h) => `${h} ansible_connection=local`).join('\n')
    + '\n[dead]\nnowhere ansible_host=127.0.0.1 ansible_port=1 ansible_user=root\n');
  const write = (name: string, text: string) => {
    const p = join(tmp, name);
    writeFileSync(p, text);
    return p;
  };
  const verify = `- name: verify
  hosts: fleet
  gather_facts: false
  tasks:
    - command: /bin/true
      changed_when: false
`;

  it('max_fail_percentage exceeded: the later play runs nowhere, the recap and a notice say so', async () => {
    const pb = write('ends-budget.yml', `- name: rolling
  hosts: fleet
  gather_facts: false
  serial: 1
  max_fail_percentage: 0
  tasks:
    - assert: { that: inventory_hostname != 'h2', fail_msg: "h2 fails" }
${verify}`);
    const run = await runCli(['apply', pb, '-i', inv, '--json']);
    expect(run.code, run.stderr).toBe(2);
    const doc = JSON.parse(run.stdout);
    expect(doc.plays.map((p: any) => [p.name, Object.keys(p.hosts), p.not_run, p.stopped])).toEqual([
      ['rolling', ['h1', 'h2'], ['h3', 'h4', 'h5'], 'max_fail_percentage 0% exceeded: 1 of 1 hosts in the batch failed'],
      // h1 came through the first play; the playbook ended all the same.
      ['verify', [], ['h1', 'h3', 'h4', 'h5'], "not run: play 'rolling' ended the playbook"],
    ]);
    expect(Object.keys(doc.recap)).toEqual(['h1', 'h2']);
    expect(doc.recap.h1.ok).toBe(1);
    const text = await runCli(['apply', pb, '-i', inv]);
    expect(text.code).toBe(2);
    expect(text.stdout).toMatch(/^NOTICE: the playbook ended at play 'rolling' \(max_fail_percentage 0% exceeded: 1 of 1 hosts in the batch failed\); not run: play 'verify' on h1, h3, h4, h5$/m);
    expect(text.stdout).toMatch(/^play 'verify' stopped: not run: play 'rolling' ended the playbook; not started: h1, h3, h4, h5$/m);
    expect(text.stdout).not.toMatch(/^PLAY \[verify\]/m);
  });

  it('no hosts left (every host of a play failed): later plays do not run; the exit code is the hosts\' own', async () => {
    const failed = await runCli(['apply', write('ends-failed.yml', `- hosts: h2
  gather_facts: false
  tasks:
    - assert: { that: inventory_hostname == 'nobody', fail_msg: "h2 fails" }
${verify}`), '-i', inv, '--json']);
    expect(failed.code, failed.stderr).toBe(2);
    expect(JSON.parse(failed.stdout).plays[1]).toMatchObject({ name: 'verify', hosts: {}, not_run: ['h1', 'h3', 'h4', 'h5'] });
    // Every host of the first play unreachable: exit 3 as ever (README), nothing else ran.
    const unreachable = await runCli(['apply', write('ends-unreachable.yml', `- hosts: dead
  gather_facts: false
  tasks:
    - command: /bin/true
${verify}`), '-i', inv, '-T', '2', '--json']);
    expect(unreachable.code, unreachable.stdout + unreachable.stderr).toBe(3);
    const doc = JSON.parse(unreachable.stdout);
    expect(doc.plays[0].hosts.nowhere.status).toBe('unreachable');
    expect(doc.plays[1]).toMatchObject({ name: 'verify', hosts: {}, not_run: ['h1', 'h2', 'h3', 'h4', 'h5'] });
    expect(Object.keys(doc.recap)).toEqual(['nowhere']);
  });

  it('Ctrl-C with --forks smaller than the batch: queued hosts never start, nor does the next play', async () => {
    const marks = mkdtempSync(join(tmp, 'marks-'));
    const pb = write('ctrl-c.yml', `- name: slow
  hosts: fleet
  gather_facts: false
  tasks:
    - shell: touch ${marks}/{{ inventory_hostname }}; sleep 2
      changed_when: false
    - command: /bin/true
      changed_when: false
${verify}`);
    const running = runCli(['apply', pb, '-i', inv, '--forks', '2', '--json']);
    // Ctrl-C once the first two hosts are in their first task.
    const t0 = Date.now();
    while (!(existsSync(join(marks, 'h1')) && existsSync(join(marks, 'h2'))) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
    process.emit('SIGINT');
    const run = await running;
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toMatch(/interrupted; hosts stop before their next task/);
    const doc = JSON.parse(run.stdout);
    const [slow, later] = doc.plays;
    expect(Object.keys(slow.hosts)).toEqual(['h1', 'h2']);
    for (const h of ['h1', 'h2']) expect(slow.hosts[h].msg).toBe('interrupted before this task');
    expect(slow.not_run).toEqual(['h3', 'h4', 'h5']);
    expect(slow.stopped).toBe('interrupted');
    expect(later).toMatchObject({ name: 'verify', hosts: {}, not_run: ['h3', 'h4', 'h5'] });
    // Nothing ran on the queued hosts: not even their first task.
    for (const h of ['h3', 'h4', 'h5']) expect(existsSync(join(marks, h)), h).toBe(false);
  });
});

describe('ignore_errors lets the host go on, as in Ansible (local host)', () => {
  it('a failed command then a copy: the copy runs; a loop runs every item', async () => {
    const target = join(tmp, 'after-ignored.txt');
    const pb = join(tmp, 'ignore.yml');
    writeFileSync(pb, `- hosts: localhost
  gather_facts: false
  tasks:
    - command: /bin/false
      ignore_errors: true
    - copy: { dest: ${target}, content: "went on\\n" }
    - command: "{{ item }}"
      loop: [/bin/false, /bin/true, /bin/false]
      ignore_errors: true
      register: r
    - assert:
        that: r.results | length == 3
`);
    const run = await runCli(['apply', pb, '--json']);
    expect(run.code, run.stdout.slice(0, 3000)).toBe(0);
    expect(readFileSync(target, 'utf8')).toBe('went on\n');
    const doc = JSON.parse(run.stdout);
    expect(doc.recap.localhost).toMatchObject({ failed: 0, ignored: 2, rescued: 0 });
  });
});


// The CLI's read-only commands and its error-to-exit-code mapping; no host is contacted.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
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
    expect(run.stdout).toMatch(/valid — 1 play\(s\), \d+ task\(s\), 5 host\(s\)/);
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

// stat, replace, template and backup: judged by ansible-core. ONE ansible-playbook run against
// localhost (connection: local) works on temporary files; remedy plans the same tasks from the
// same files (its real read script run here with sh for stat) and must end with the same bytes
// and the same registered fields. Skipped, loudly, where ansible-core is not installed.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replace, replaceText } from '../../src/modules/replace.js';
import { stat } from '../../src/modules/stat.js';
import { template } from '../../src/modules/template.js';
import { parseReadOutput, readScript } from '../../src/engine/remote-files.js';
import { parsedArgs, planOn } from '../unit/support/plan-module.js';
import { ansibleInstalled, runAnsible, warnSkipped } from './ansible/run.js';

/** replace cases as users write them: [file text, arguments]. */
const REPLACES: Array<[string, Record<string, unknown>]> = [
  ['a 1\nb 2\na 3\n', { regexp: '^a (\\d)$', replace: 'A \\1' }],
  ['PermitRootLogin yes\n#PermitRootLogin no\n', { regexp: '^PermitRootLogin .*', replace: 'PermitRootLogin no' }],
  ['x=1\ny=2\n', { regexp: '(?P<k>\\w)=(?P<v>\\d)', replace: '\\g<v>=\\g<k>' }],
  ['one\ntwo\nthree\n', { regexp: '^', replace: '# ' }],
  ['one\ntwo\n', { regexp: '$', replace: ';' }],
  ['a\n[s]\nx=1\n[t]\nx=1\n', { regexp: 'x=1', replace: 'x=2', after: '\\[s\\]', before: '\\[t\\]' }],
  ['x=1\nSTART\nx=1\n', { regexp: 'x=1', replace: 'x=9', after: 'START' }],
  ['x=1\nEND\nx=1\n', { regexp: 'x=1', replace: 'x=9', before: 'END' }],
  ['x=1\n', { regexp: 'x=1', replace: 'x=9', after: 'NOWHERE' }],
  ['aaa\n', { regexp: 'a*', replace: '-' }],
  ['Hello World\n', { regexp: '(?i)world', replace: 'there' }],
  ['tab\n', { regexp: 'tab', replace: 'a\\tb\\\\c' }],
  ['line1\nline2\n', { regexp: 'line1\\nline2', replace: 'joined' }],
  ['keep $1 as is\n', { regexp: 'keep', replace: '$1 $& kept' }],
  ['no match here\n', { regexp: 'zzz', replace: 'y' }],
  ['abcabc\n', { regexp: '(a)(x)?', replace: '[\\1\\2]' }],
  ['end\n', { regexp: 'd\\Z', replace: 'D' }],
  ['end\n', { regexp: '\\Aend', replace: 'END' }],
  ['ListenAddress 0.0.0.0\nListenAddress ::\n', { regexp: '^(ListenAddress)\\s+::$', replace: '#\\1 ::' }],
  ['a.b.c\n', { regexp: '\\.', replace: '/' }],
  ['päth=ü\n', { regexp: 'ü', replace: 'ue' }],
  ['crlf\r\nline\r\n', { regexp: 'line$', replace: 'LINE' }],
];

/** Templates as users write them, rendered with TEMPLATE_VARS. */
const TEMPLATES = [
  '# {{ ansible_managed }}\n{% for u in users %}\nuser {{ u }}\n{% endfor %}\n',
  'port={{ port }}\n\n\n',
  'no newline {{ port + 1 }}',
  '{% if enabled %}\non\n{% else %}\noff\n{% endif %}\n',
  '{{ users | join(",") }} {{ users | length }}\n{# a comment #}\nend\n',
  '{% for k, v in opts.items() %}\n{{ k }}={{ v }}\n{% endfor %}',
  '  {%- if enabled %} trimmed{% endif %}\n',
  '{{ opts }}\n{{ users }}\n',
];
const TEMPLATE_VARS = { users: ['ann', 'bo'], port: 2222, enabled: true, opts: { a: 1, b: 'two' } };

const installed = ansibleInstalled();
if (!installed) warnSkipped('test/oracle/ansible-file-modules.test.ts');

describe.skipIf(!installed)('stat, replace, template and backup against ansible-playbook (connection: local)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'remedy-oracle-files-'));
  const stats = () => [
    { path: join(tmp, 's/f') }, { path: join(tmp, 's/f'), checksum_algorithm: 'sha256' }, { path: join(tmp, 's/f'), get_checksum: false },
    { path: join(tmp, 's/d') }, { path: join(tmp, 's/l') }, { path: join(tmp, 's/l'), follow: true }, { path: join(tmp, 's/none') },
    { path: join(tmp, 's/x') },
  ];
  let theirStats: Record<string, unknown>[] = [];
  let backupFile = '';

  beforeAll(async () => {
    mkdirSync(join(tmp, 's'));
    mkdirSync(join(tmp, 'templates'));
    writeFileSync(join(tmp, 's/f'), 'hello\n', { mode: 0o640 });
    writeFileSync(join(tmp, 's/x'), '#!/bin/sh\n', { mode: 0o4755 });
    mkdirSync(join(tmp, 's/d'), { mode: 0o711 });
    symlinkSync(join(tmp, 's/f'), join(tmp, 's/l'));
    writeFileSync(join(tmp, 'b'), 'port=8\n');
    const tasks: unknown[] = [];
    REPLACES.forEach(([t, a], i) => {
      writeFileSync(join(tmp, `r${i}`), t);
      tasks.push({ replace: { path: join(tmp, `r${i}`), ...a } });
    });
    TEMPLATES.forEach((t, i) => {
      writeFileSync(join(tmp, 'templates', `t${i}.j2`), t);
      tasks.push({ template: { src: `t${i}.j2`, dest: join(tmp, `t${i}.out`) } });
    });
    stats().forEach((s, i) => tasks.push({ stat: s, register: `s${i}` }));
    tasks.push({ replace: { path: join(tmp, 'b'), regexp: '8', replace: '80', backup: true }, register: 'bk' });
    const regs = stats().map((_, i) => `s${i}.stat`).join(', ');
    tasks.push({ copy: { content: `{{ {'stats': [${regs}], 'backup': bk.backup_file} | to_json }}`, dest: join(tmp, 'out.json') } });
    writeFileSync(join(tmp, 'pb.yml'), JSON.stringify([{ hosts: 'localhost', connection: 'local', gather_facts: false, vars: TEMPLATE_VARS, tasks }]));
    const r = await runAnsible('ansible-playbook', ['-i', 'localhost,', join(tmp, 'pb.yml')]);
    if (r.code !== 0) throw new Error(`ansible-playbook failed: ${r.stdout.slice(-3000)}${r.stderr}`);
    const out = JSON.parse(readFileSync(join(tmp, 'out.json'), 'utf8')) as { stats: Record<string, unknown>[]; backup: string };
    [theirStats, backupFile] = [out.stats, out.backup];
  }, 120_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it(`replace: the same bytes for all ${REPLACES.length} cases`, () => {
    const differ = REPLACES.flatMap(([t, a], i) => {
      const ours = replaceText(t, parsedArgs(replace, { path: '/f', ...a })).text;
      const theirs = readFileSync(join(tmp, `r${i}`), 'utf8');
      return ours === theirs ? [] : [{ a, ours, theirs }];
    });
    console.log(`replace: ${REPLACES.length - differ.length}/${REPLACES.length} agree with Ansible`);
    expect(differ).toEqual([]);
  });

  it(`template: the same bytes for all ${TEMPLATES.length} templates`, async () => {
    const differ = [];
    for (const [i] of TEMPLATES.entries()) {
      const a = await template.prepare!(parsedArgs(template, { src: `t${i}.j2`, dest: '/x' }), { vars: TEMPLATE_VARS, baseDirs: [tmp] });
      const ours = a.rendered!.toString();
      const theirs = readFileSync(join(tmp, `t${i}.out`), 'utf8');
      if (ours !== theirs) differ.push({ template: TEMPLATES[i], ours, theirs });
    }
    console.log(`template: ${TEMPLATES.length - differ.length}/${TEMPLATES.length} agree with Ansible`);
    expect(differ).toEqual([]);
  });

  it('stat: every field remedy reports is what Ansible reports', () => {
    let fields = 0;
    stats().forEach((s, i) => {
      const a = parsedArgs(stat, s);
      const r = spawnSync('sh', ['-c', readScript([a.path])], { encoding: 'utf8' });
      const [read] = parseReadOutput([a.path], r.stdout);
      const plan = planOn(stat, a, { files: { [a.path]: read!.state } }, { parsed: true }).plan;
      const ours = (plan as unknown as { registered: { stat: Record<string, unknown> } }).registered.stat;
      expect(ours, JSON.stringify(s)).toEqual(Object.fromEntries(Object.keys(ours).map((k) => [k, theirStats[i]![k]])));
      fields += Object.keys(ours).length;
    });
    console.log(`stat: ${stats().length} paths, ${fields} fields, all agree with Ansible`);
  });

  it("backup: the copy's name has backup_local's format", () => {
    const name = /^(.*)\.(\d+)\.(\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d)~$/;
    expect(backupFile).toMatch(name);
    const ours = planOn(replace, { path: join(tmp, 'b'), regexp: '8', replace: '80', backup: true }, { files: { [join(tmp, 'b')]: { kind: 'file', content: Buffer.from('port=8\n'), mode: '0644', uid: 0, gid: 0, owner: 'root', group: 'root' } } }).plan;
    const mine = (ours as { registered?: { backup_file?: string } }).registered?.backup_file ?? '';
    expect(name.exec(mine)?.[1]).toBe(name.exec(backupFile)?.[1]);
    expect(readFileSync(backupFile, 'utf8')).toBe('port=8\n');
  });
});

// stat, file, replace, template, copy src and backup on real sshd hosts: check mode shows the
// changes and leaves the host alone; a failure after them rolls every one back byte for byte
// (content, mode, owner; made directories and backup copies gone, a removed file and an empty
// directory back); a clean apply lands exactly and a second one changes only what Ansible would.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labKinds } from '../lab/kinds.js';
import { labAvailable, startLab, type Lab, type LabHost } from '../lab/lab.js';
import { runCli, json } from './run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'remedy-filemods-'));
mkdirSync(join(tmp, 'templates'));
mkdirSync(join(tmp, 'files'));
writeFileSync(join(tmp, 'templates', 'app.j2'), '# {{ ansible_managed }}\n{% for p in ports %}\nlisten {{ p }}\n{% endfor %}\n');
writeFileSync(join(tmp, 'files', 'blob'), Buffer.from([0, 1, 2, 10, 255]));
const PB = join(tmp, 'files.yml');
writeFileSync(PB, `- hosts: all
  vars: { ports: [80, 443] }
  tasks:
    - stat: { path: /etc/fm/app.conf }
      register: st
    - assert: { that: ["st.stat.exists", "st.stat.mode in ['0640', '0600']", "st.stat.checksum | length == 40"] }
    - file: { path: /etc/fm/new/sub, state: directory, mode: "0750" }
    - template: { src: app.j2, dest: /etc/fm/new/sub/app.conf, mode: "0600" }
    - replace: { path: /etc/fm/app.conf, regexp: '^port=(\\d)$', replace: 'port=\\g<1>0', backup: yes }
      register: rep
    - copy: { src: blob, dest: /etc/fm/blob, owner: "1234" }
    - file: { path: /etc/fm/old.txt, state: absent }
    - file: { path: /etc/fm/empty, state: absent }
    - file: { path: /etc/fm/app.conf, mode: "0600", owner: "1234" }
    - file: { path: /etc/fm, mode: "0700" }
    - file: { path: /etc/fm/touched, state: touch }
    - stat: { path: /etc/fm/new/sub/app.conf }
      register: made
    - copy: { dest: /etc/fm/report, content: "{{ rep.backup_file }} {{ made.stat.exists }} {{ made.stat.mode }}\\n" }
      when: rep.backup_file is defined
    - command: /bin/false
      when: fail_late | default(false) | bool
`);

/** Every path under /etc/fm with kind, mode, owner and (for files) the sha256 of its bytes. */
const SNAPSHOT = `cd /etc/fm && find . -printf '%p %y %m %U:%G\\n' | sort && find . -type f -exec sha256sum {} + | sort`;
const SETUP = `rm -rf /etc/fm && mkdir -m 0755 /etc/fm && mkdir -m 0711 /etc/fm/empty
printf 'name=x\\nport=8\\n' > /etc/fm/app.conf && chmod 0640 /etc/fm/app.conf
printf 'keep me\\n' > /etc/fm/old.txt && chown 1234:1234 /etc/fm/old.txt && chmod 0604 /etc/fm/old.txt`;

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!labAvailable()).each(labKinds())('file modules on real sshd hosts ($name)', (kind) => {
  let lab: Lab;
  let h: LabHost;
  let common: string[];
  const env = () => ({ XDG_STATE_HOME: join(tmp, `state-${kind.name}`) });
  const snapshot = async () => (await lab.exec(h, SNAPSHOT)).stdout;

  beforeAll(async () => {
    lab = await startLab({ hosts: 1, prefix: 'remedy-fm', ...kind });
    h = lab.hosts[0]!;
    common = ['-i', lab.inventoryFile, '--known-hosts', lab.knownHostsFile];
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('check mode shows every change (diffs and commands) and changes nothing', async () => {
    await lab.exec(h, SETUP);
    const before = await snapshot();
    const run = await runCli(['plan', PB, ...common], env());
    expect(run.code, run.stderr + run.stdout).toBe(0);
    for (const want of [/mkdir -- \/etc\/fm\/new && chmod 0750/, /\+listen 443/, /-port=8\n\s*\+port=80/, /cp -p -- \/etc\/fm\/app\.conf '\/etc\/fm\/app\.conf\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~'/,
      /rm -f -- \/etc\/fm\/old\.txt/, /rmdir -- \/etc\/fm\/empty/, /chown 1234 -- \/etc\/fm\/app\.conf/, /chmod 0700 -- \/etc\/fm\b/, /touch -- \/etc\/fm\/touched/]) {
      expect(run.stdout).toMatch(want);
    }
    expect(await snapshot()).toBe(before);
  }, 120_000);

  it('a failure after the changes rolls every one back, byte for byte', async () => {
    await lab.exec(h, SETUP);
    const before = await snapshot();
    const run = await runCli(['apply', PB, ...common, '-e', 'fail_late=true', '--json'], env());
    expect(run.code, run.stdout.slice(0, 3000)).toBe(2);
    // Ten tasks changed the host before the failure: seven files saved, the directories' undo.
    expect(json(run).recap[h.name]).toMatchObject({ status: 'failed', failed: 1, changed: 10, rolled_back: 'remedy' });
    expect(json(run).plays[0].hosts[h.name].msg).toMatch(/rolled back: 8 change\(s\) undone/);
    expect(await snapshot()).toBe(before);
  }, 120_000);

  it('a clean apply lands exactly; the second changes only the touch', async () => {
    await lab.exec(h, SETUP);
    const run = await runCli(['apply', PB, ...common, '--json'], env());
    expect(run.code, run.stdout.slice(0, 3000)).toBe(0);
    const report = (await lab.exec(h, 'cat /etc/fm/report')).stdout;
    const backup = /^(\/etc\/fm\/app\.conf\.\d+\.\S+~) True 0600\n$/.exec(report)?.[1];
    expect(backup, report).toBeDefined();
    const after = await snapshot();
    expect(after).toMatch(/^\. d 700 0:0$/m);
    expect(after).toMatch(/^\.\/app\.conf f 600 1234:0$/m);
    expect(after).toMatch(/^\.\/new\/sub d 750 0:0$/m);
    expect(after).toMatch(/^\.\/blob f 644 1234:0$/m);
    expect(after).not.toMatch(/old\.txt|empty/);
    expect((await lab.exec(h, `cat /etc/fm/app.conf; echo --; cat '${backup}'; stat -c '%a %u' '${backup}'`)).stdout).toBe('name=x\nport=80\n--\nname=x\nport=8\n640 0\n');
    expect((await lab.exec(h, 'cat /etc/fm/new/sub/app.conf')).stdout).toBe('# Ansible managed\nlisten 80\nlisten 443\n');
    const again = await runCli(['apply', PB, ...common, '--json'], env());
    expect(again.code, again.stdout.slice(0, 3000)).toBe(0);
    expect(json(again).recap[h.name].changed).toBe(1); // touch, as Ansible always reports it
  }, 120_000);
});

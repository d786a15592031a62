// `ssh_client_config`: set client options (keep-alives, timeouts, algorithms, ...) for one
// `Host` pattern list in the controller's ~/.ssh/config, byte for byte everywhere else, in the
// place where OpenSSH's first-value-wins reading makes them count. The placement rules and
// what is reported instead of edited are in src/formats/ssh-config-edit.ts.
//
// A new file is created 0600 (its directory must exist). An existing file keeps owner and mode,
// except that group/other write bits are cleared: ssh refuses such a file outright ("Bad owner
// or permissions"), which is a lockout of its own.
import { dirname } from 'node:path';
import { z } from 'zod';
import { str, boolArg } from './arg-types.js';
import type { ModuleDef } from './module.js';
import { editableText, planWrite } from './file-attrs.js';
import { controllerPath, controllerPathArg } from './known-hosts.js';
import { didYouMean } from '../playbook/suggest.js';
import { checkOptionValue, clientKeyword, clientKeywordNames, setHostOptions, type ClientKeyword } from '../formats/ssh-config-edit.js';

interface OptionArg {
  keyword: ClientKeyword;
  /** The value as written to the file (UTF-8 text). */
  value: string;
}

const hostArg = z
  .union([str(z.string().min(1)), z.array(str(z.string().min(1))).min(1).transform((l) => l.join(' '))])
  .transform((s, ctx) => {
    const patterns = s.trim().split(/\s+/).filter((p) => p !== '');
    const bad = patterns.find((p) => /["'#\\]/.test(p) || p === '!');
    if (bad !== undefined) ctx.addIssue({ code: 'custom', message: `'${bad}' is not a Host pattern (no quotes, '#' or '\\')` });
    else if (!patterns.some((p) => !p.startsWith('!'))) ctx.addIssue({ code: 'custom', message: 'a Host line needs at least one pattern that is not negated' });
    return patterns;
  });

const optionsArg = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
  .transform((rec, ctx) => {
    const out: OptionArg[] = [];
    for (const [name, raw] of Object.entries(rec)) {
      const keyword = clientKeyword(name);
      if (!keyword) {
        ctx.addIssue({ code: 'custom', path: [name], message: `'${name}' is not an ssh_config keyword remedy sets${didYouMean(name, clientKeywordNames())}` });
        continue;
      }
      if (out.some((o) => o.keyword === keyword)) {
        ctx.addIssue({ code: 'custom', path: [name], message: `${keyword.name} is given twice` });
        continue;
      }
      const v = checkOptionValue(keyword, raw);
      if ('error' in v) ctx.addIssue({ code: 'custom', path: [name], message: v.error });
      else out.push({ keyword, value: v.value });
    }
    if (Object.keys(rec).length === 0) ctx.addIssue({ code: 'custom', message: 'expected at least one option' });
    return out;
  });

const args = z.strictObject({
  /** The Host pattern list, e.g. '*' or 'web* !web3'. */
  host: hostArg,
  /** ssh_config keywords (any case) and their values, e.g. { ServerAliveInterval: 60 }. */
  options: optionsArg,
  path: controllerPathArg('~/.ssh/config'),
  create: boolArg.default(true),
});

type Args = z.infer<typeof args>;

const toFile = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

export const sshClientConfig: ModuleDef<Args> = {
  name: 'ssh_client_config',
  summary: 'set ssh client options for a Host pattern in ~/.ssh/config on the controller, where first-value-wins makes them count',
  args,
  reads: (a, ctx) => {
    const path = controllerPath(a.path, ctx.vars);
    return [path, dirname(path)];
  },
  plan(a, ctx) {
    const path = controllerPath(a.path, ctx.vars);
    const state = ctx.file(path);
    const cur = editableText(state);
    if ('error' in cur) return { kind: 'fail', message: cur.error };
    if (state.kind !== 'file') {
      if (!a.create) return { kind: 'fail', message: `${path} does not exist (create: true creates it)` };
      const dir = ctx.file(dirname(path));
      if (dir.kind === 'absent') return { kind: 'fail', message: `${dirname(path)} does not exist; create it first (mode 0700)` };
      if (dir.kind !== 'dir') return { kind: 'fail', message: `${dirname(path)} is not a directory` };
    }

    const text = state.kind === 'file' ? state.content.toString('latin1') : '';
    const edit = setHostOptions(text, a.host.map(toFile), a.options.map((o) => ({ keyword: o.keyword, value: toFile(o.value) })));
    const notes = [...edit.notes];
    let mode: string | undefined;
    if (state.kind !== 'file') mode = '0600';
    else {
      const m = parseInt(state.mode, 8);
      if (m & 0o022) {
        mode = (m & ~0o022).toString(8).padStart(4, '0');
        notes.unshift(`mode ${state.mode} -> ${mode}: ssh refuses a config file that group or others can write`);
      }
    }
    const write = planWrite(state, Buffer.from(edit.text, 'latin1'), mode ? { mode } : {});
    const where = `Host ${a.host.join(' ')} in ${path}`;
    if (!write) {
      return { kind: 'ok', message: [`already set for ${where}`, ...notes].join('; ') };
    }
    const what = edit.actions.length ? edit.actions.join('; ') : 'options already set';
    return {
      kind: 'change',
      changes: [write],
      message: [`${state.kind === 'file' ? '' : 'create, '}${where}: ${what}`, ...notes].join('; '),
    };
  },
};

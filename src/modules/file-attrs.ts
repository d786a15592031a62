// Shared by every module that writes a file: mode/owner arguments, and the rule that a write is
// planned only when content or attributes really differ.
import { z } from 'zod';
import type { FileState, WriteChange } from '../engine/change.js';
import { asBool } from '../playbook/bool.js';
import { MAX_FETCH_BYTES } from '../engine/remote-files.js';

/** A boolean as YAML 1.1 (and so Ansible) reads it: yes/no/true/false/on/off. */
export const boolArg = z.preprocess((v) => asBool(v) ?? v, z.boolean());

/**
 * `mode` as Ansible users write it: '0644', '644', 'u=rw,g=r,o=r' is not supported. YAML reads an
 * unquoted 0644 as the number 644, so a number's decimal digits are taken as octal digits.
 */
export const modeArg = z
  .union([z.string(), z.number()])
  .transform((v, ctx) => {
    const s = String(v).trim();
    if (!/^0?[0-7]{3,4}$/.test(s)) {
      ctx.addIssue({ code: 'custom', message: `mode: expected an octal mode like '0644', got '${s}'` });
      return z.NEVER;
    }
    return s.replace(/^0?([0-7]{3,4})$/, '$1').padStart(4, '0');
  });

export const fileAttrArgs = {
  mode: modeArg.optional(),
  owner: z.union([z.string(), z.number()]).transform(String).optional(),
  group: z.union([z.string(), z.number()]).transform(String).optional(),
  /** Command run against the candidate file before it replaces the original (`%s` = its path). */
  validate: z.string().optional(),
};

export interface FileAttrs {
  mode?: string;
  owner?: string;
  group?: string;
  validate?: string;
}

const matches = (want: string | undefined, name: string, id: number) => want === undefined || want === name || want === String(id);

/**
 * The write that turns `before` into `content` with `attrs`, or null when nothing differs.
 * Existing files keep their mode and owner unless the task sets them; new files get 0644.
 */
export function planWrite(before: FileState, content: Buffer, attrs: FileAttrs): WriteChange | null {
  if (before.kind === 'file') {
    const same = before.content.equals(content) && (attrs.mode ?? before.mode) === before.mode
      && matches(attrs.owner, before.owner, before.uid) && matches(attrs.group, before.group, before.gid);
    if (same) return null;
    return {
      kind: 'write', path: before.path, before, content,
      mode: attrs.mode ?? before.mode,
      // A file an earlier write of this run creates has no uid yet (-1): keep what that write
      // set (a name), or nothing (the writer's default), never a bogus `chown -1`.
      owner: attrs.owner ?? (before.uid >= 0 ? String(before.uid) : before.owner || undefined),
      group: attrs.group ?? (before.gid >= 0 ? String(before.gid) : before.group || undefined),
      validate: attrs.validate,
    };
  }
  return { kind: 'write', path: before.path, before, content, mode: attrs.mode ?? '0644', owner: attrs.owner, group: attrs.group, validate: attrs.validate };
}

/** Content of a file the planner must edit, or a reason it cannot. */
export function editableText(state: FileState): { text: string } | { error: string } | { absent: true } {
  switch (state.kind) {
    case 'file':
      return { text: state.content.toString('utf8') };
    case 'absent':
      return { absent: true };
    case 'dir':
      return { error: `${state.path} is a directory` };
    case 'large':
      return { error: `${state.path} is too large to edit safely (${state.size} bytes; remedy reads and rewrites files of up to ${MAX_FETCH_BYTES} bytes)` };
    default:
      return { error: `${state.path} is not a regular file` };
  }
}

// Shared by every module that writes a file: mode/owner arguments, and the rule that a write is
// planned only when content or attributes really differ.
import { z } from 'zod';
import type { FileState, WriteChange } from '../engine/change.js';
import { idArg, modeArg, str } from './arg-types.js';
import { MAX_FETCH_BYTES } from '../engine/remote-files.js';

export const fileAttrArgs = {
  mode: modeArg.optional(),
  owner: idArg.optional(),
  group: idArg.optional(),
  /**
   * Command run against the candidate file before it replaces the original (`%s` = its path).
   * Without `%s` it would check something else and pass: refused, in Ansible's words.
   */
  validate: str(z.string().superRefine((v, ctx) => {
    if (!v.includes('%s')) ctx.addIssue({ code: 'custom', message: `validate must contain %s: ${v}` });
  })).optional(),
};

export interface FileAttrs {
  mode?: string;
  owner?: string;
  group?: string;
  validate?: string;
}

/** An owner/group the task asks for (name or id) is what the file has; none asked: it is. */
export const matches = (want: string | undefined, name: string, id: number) => want === undefined || want === name || want === String(id);

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
      return { error: `Path ${state.path} is a directory !` }; // Ansible's words (lineinfile, replace)
    case 'large':
      return { error: `${state.path} is too large to edit safely (${state.size} bytes; remedy reads and rewrites files of up to ${MAX_FETCH_BYTES} bytes)` };
    default:
      return { error: `${state.path} is not a regular file` };
  }
}

// Unified diffs of planned writes, as `plan` and `--diff` print them.
import { createTwoFilesPatch } from 'diff';
import type { WriteChange } from '../engine/change.js';
import type { FileDiff } from '../engine/results.js';

function looksBinary(b: Buffer): boolean {
  return b.subarray(0, 8000).includes(0);
}

export function fileDiff(c: WriteChange): FileDiff {
  const before = c.before.kind === 'file' ? c.before.content : Buffer.alloc(0);
  const created = c.before.kind === 'absent';
  const attrs: string[] = [];
  if (c.before.kind === 'file') {
    if (c.mode !== c.before.mode) attrs.push(`mode ${c.before.mode} -> ${c.mode}`);
    if (c.owner !== undefined && c.owner !== c.before.owner && c.owner !== String(c.before.uid)) attrs.push(`owner ${c.before.owner} -> ${c.owner}`);
    if (c.group !== undefined && c.group !== c.before.group && c.group !== String(c.before.gid)) attrs.push(`group ${c.before.group} -> ${c.group}`);
  } else {
    attrs.push(`new file, mode ${c.mode}${c.owner ? `, owner ${c.owner}` : ''}${c.group ? `, group ${c.group}` : ''}`);
  }
  let unified = '';
  if (!before.equals(c.content)) {
    unified = looksBinary(before) || looksBinary(c.content)
      ? `Binary file ${c.path} differs (${before.length} -> ${c.content.length} bytes)\n`
      : createTwoFilesPatch(created ? '/dev/null' : `a${c.path}`, `b${c.path}`, before.toString('utf8'), c.content.toString('utf8'), '', '', { context: 3 })
          .replace(/^=+\n/, '')
          .replace(/^(---|\+\+\+) (.*)\t$/gm, '$1 $2');
  }
  return { path: c.path, unified, attrs, created };
}

// YAML loading that keeps source positions, so every playbook and inventory error can name
// file:line:col. js-yaml reports positions for syntax errors itself; for schema errors we use
// its `listener` option, which fires 'open'/'close' around every node it composes, and rebuild
// a position tree beside the loaded data. Values are typed as Ansible (PyYAML, YAML 1.1) types them.
import yaml from 'js-yaml';
import { readFile } from 'node:fs/promises';
import { ValidationError, type SourcePos } from './errors.js';
import { YAML11_SCHEMA } from './yaml11-schema.js';

export type PathKey = string | number;

export interface YamlDoc {
  file: string;
  data: unknown;
  /**
   * Position of the node at `path` (keys of mappings, indexes of sequences). `which: 'key'`
   * gives the position of the mapping key itself (for "unknown key" errors); 'value' (default)
   * the value. Falls back to the nearest ancestor that has a position.
   */
  at(path: readonly PathKey[], which?: 'key' | 'value'): SourcePos;
  /**
   * Position of character `offset` inside the string scalar at `path` when the scalar sits on
   * one line (plain or quoted, no escapes before it); otherwise the scalar's own position.
   */
  within(path: readonly PathKey[], offset: number): SourcePos;
}

interface PosNode {
  start: number;
  result: unknown;
  children: PosNode[];
}

export function parseYaml(text: string, file: string): YamlDoc {
  const stack: PosNode[] = [{ start: 0, result: undefined, children: [] }];
  let data: unknown;
  try {
    data = yaml.load(text, {
      filename: file,
      schema: YAML11_SCHEMA,
      listener(event, state) {
        if (event === 'open') {
          stack.push({ start: state.position, result: undefined, children: [] });
          return;
        }
        const node = stack.pop()!;
        node.result = state.result;
        // js-yaml wraps some nodes twice (document root, sequence items): keep the inner one.
        const only = node.children.length === 1 ? node.children[0] : undefined;
        const kept = only && only.result === node.result ? only : node;
        stack[stack.length - 1]!.children.push(kept);
      },
    });
  } catch (err) {
    if (err instanceof yaml.YAMLException) {
      const mark = err.mark as { line: number; column: number } | undefined;
      const pos = mark ? { file, line: mark.line + 1, col: mark.column + 1 } : undefined;
      throw new ValidationError(pos, `YAML syntax error: ${err.reason}`);
    }
    throw err;
  }
  const root = stack[0]!.children[0];
  const lines = lineStarts(text);
  const toPos = (offset: number): SourcePos => {
    const at = skipBlank(text, offset);
    const line = upperBound(lines, at);
    return { file, line, col: at - lines[line - 1]! + 1 };
  };

  const locate = (path: readonly PathKey[], which: 'key' | 'value'): number => {
    let node = root;
    if (!node) return 0;
    let keyNode: PosNode | undefined;
    for (const key of path) {
      const found = child(node, key);
      if (!found) return node.start;
      keyNode = found.key;
      node = found.value;
    }
    return which === 'key' && keyNode ? keyNode.start : node.start;
  };

  return {
    file,
    data,
    at: (path, which = 'value') => toPos(locate(path, which)),
    within(path, offset) {
      const start = skipBlank(text, locate(path, 'value'));
      const quoted = text[start] === '"' || text[start] === "'";
      const from = start + (quoted ? 1 : 0);
      const span = text.slice(from, from + offset);
      const plainRun = !span.includes('\n') && !(quoted && /["'\\]/.test(span));
      return toPos(plainRun ? from + offset : start);
    },
  };
}

export async function readYamlFile(file: string): Promise<YamlDoc> {
  return parseYaml(await readFile(file, 'utf8'), file);
}

/** The child of a mapping (by key) or sequence (by index), when the position tree has it. */
function child(node: PosNode, key: PathKey): { key?: PosNode; value: PosNode } | undefined {
  const { result, children } = node;
  if (Array.isArray(result)) {
    // Null items produce no events; positions are then unreliable, so we stop at the list.
    if (children.length !== result.length || typeof key !== 'number') return undefined;
    const value = children[key];
    return value && { value };
  }
  if (result && typeof result === 'object') {
    for (let i = 0; i + 1 < children.length; i += 2) {
      if (String(children[i]!.result) === String(key)) return { key: children[i], value: children[i + 1]! };
    }
  }
  return undefined;
}

/** js-yaml opens a value node before the blanks that precede it: skip spaces and comments. */
function skipBlank(text: string, offset: number): number {
  let i = offset;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') i++;
    else if (c === '#') while (i < text.length && text[i] !== '\n') i++;
    else break;
  }
  return i < text.length ? i : offset;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

/** 1-based line number of `offset`: the count of line starts at or before it. */
function upperBound(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid]! <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// glob(3) as sshd's Include uses it (flags 0): `*`, `?` and `[...]` never cross '/', and a
// leading '.' in a name must be matched literally. Results come back sorted in C-locale order,
// which is how glob(3) returns them and so the order sshd includes the files in.
//
// remedy lists the host's files itself (one round trip), so matching runs here, on a known list.

export type GlobFn = (pattern: string) => readonly string[];

const RE_SPECIAL = /[\\^$.*+?()[\]{}|/]/g;
const esc = (c: string): string => c.replace(RE_SPECIAL, '\\$&');

/** True when glob(3) would treat the pattern as a pattern rather than a plain path. */
export function hasGlobMagic(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/** One path component of a pattern → regular-expression source. */
function componentSource(c: string): string {
  // A wildcard at the start of a name never matches a leading dot (no GLOB_PERIOD).
  let out = /^[*?[]/.test(c) ? '(?!\\.)' : '';
  for (let i = 0; i < c.length; i++) {
    const ch = c[i]!;
    if (ch === '\\' && i + 1 < c.length) {
      out += esc(c[++i]!);
    } else if (ch === '*') {
      out += '[^/]*';
    } else if (ch === '?') {
      out += '[^/]';
    } else if (ch === '[') {
      const cls = bracket(c, i);
      if (cls) {
        out += cls.source;
        i = cls.end;
      } else {
        out += '\\[';
      }
    } else {
      out += esc(ch);
    }
  }
  return out;
}

/** `[...]` starting at i: negation with '!' (or '^'), ']' first is literal, ranges kept. */
function bracket(c: string, i: number): { source: string; end: number } | null {
  let j = i + 1;
  let negate = false;
  if (c[j] === '!' || c[j] === '^') {
    negate = true;
    j++;
  }
  let body = '';
  let first = true;
  for (; j < c.length; j++) {
    const ch = c[j]!;
    if (ch === ']' && !first) return { source: `[${negate ? '^/' : ''}${body}]`, end: j };
    first = false;
    if (ch === '-' && body !== '' && c[j + 1] !== ']') body += '-';
    else if (ch === '\\' && j + 1 < c.length) body += esc(c[++j]!);
    else body += ch === ']' || ch === '^' || ch === '\\' ? `\\${ch}` : ch;
  }
  return null; // no closing ']': glob treats '[' literally
}

export function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('/').map(componentSource).join('/')}$`);
}

/** C-locale (strcmp) order; code-unit order equals byte order for the ASCII names found in /etc/ssh. */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A glob function over a known set of paths (what the engine listed, or the keys of a file map). */
export function globFromPaths(paths: Iterable<string>): GlobFn {
  const all = [...new Set(paths)];
  return (pattern) => {
    if (!hasGlobMagic(pattern)) return all.includes(pattern) ? [pattern] : [];
    const re = globToRegExp(pattern);
    return all.filter((p) => re.test(p)).sort(byteOrder);
  };
}

// Python `re` patterns and replacement templates as JavaScript can run them, for the modules
// whose arguments Ansible hands to Python's re (replace, lineinfile's backrefs). Translated:
// named groups (?P<n>…) and (?P=n), \A and \Z, leading inline flags (?imsx). What JS cannot
// mean the same (possessive quantifiers, conditionals (?(1)…)) is refused, not guessed.

export class PyRegexError extends Error {}

/**
 * A Python pattern as a JS RegExp. `flags` are Python's as JS letters: m (MULTILINE), s
 * (DOTALL), i, and JS's own g and d; leading inline flags (?ims) add to them. ^, $ and . are
 * spelled out, since JS also counts \r and U+2028/9 as line ends where Python sees only \n.
 */
export function pyRegex(pattern: string, flags = ''): RegExp {
  let src = pattern;
  const lead = /^\(\?([aiLmsux]+)\)/.exec(src);
  const set = new Set(flags.split(''));
  if (lead) {
    for (const f of lead[1]!) {
      if (f === 'x' || f === 'L') throw new PyRegexError(`inline flag (?${f}) is not supported`);
      if ('ims'.includes(f)) set.add(f);
    }
    src = src.slice(lead[0].length);
  }
  if (/\(\?\(/.test(src)) throw new PyRegexError('conditional groups (?(…)…) are not supported');
  src = translate(src, set.has('m'), set.has('s'));
  try {
    return new RegExp(src, [...set].filter((f) => 'igd'.includes(f)).join(''));
  } catch (e) {
    throw new PyRegexError((e as Error).message);
  }
}

/** Python's anchors and dot, in JS terms (no m or s flag is passed on). */
const anchors = (multiline: boolean, dotall: boolean): Record<string, string> => ({
  '^': multiline ? '(?<![^\\n])' : '(?<![\\s\\S])',
  $: multiline ? '(?=\\n|(?![\\s\\S]))' : '(?=\\n?(?![\\s\\S]))',
  '.': dotall ? '[\\s\\S]' : '[^\\n]',
});

/** Walk the pattern once, so escapes and character classes are never rewritten by mistake. */
function translate(src: string, multiline: boolean, dotall: boolean): string {
  const spelled = anchors(multiline, dotall);
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      const n = src[i + 1] ?? '';
      i++;
      if (!inClass && n === 'A') out += '(?<![\\s\\S])';
      else if (!inClass && n === 'Z') out += '(?![\\s\\S])';
      else out += c + n;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (src[i + 1] === '^') out += src[++i];
      if (src[i + 1] === ']') out += '\\' + src[++i]; // Python's []…] holds a literal ]
      continue;
    }
    if (src.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
      continue;
    }
    const back = /^\(\?P=(\w+)\)/.exec(src.slice(i));
    if (back) {
      out += `\\k<${back[1]}>`;
      i += back[0].length - 1;
      continue;
    }
    out += spelled[c] ?? c;
  }
  return out;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', b: '\b', '\\': '\\' };

/**
 * Python's match.expand(template): \1…\99, \g<n>, \g<name>, the usual escapes; an unmatched
 * group is empty. A bad escape or an unknown group is an error, as in Python.
 */
export function pyExpand(template: string, m: RegExpExecArray | RegExpMatchArray): string {
  const group = (ref: string): string => {
    const v = /^\d+$/.test(ref) ? (Number(ref) < m.length ? m[Number(ref)] : undefined) : m.groups && ref in m.groups ? m.groups[ref] : undefined;
    if (v === undefined && !(/^\d+$/.test(ref) ? Number(ref) < m.length : m.groups && ref in m.groups)) throw new PyRegexError(`invalid group reference ${ref}`);
    return v ?? '';
  };
  return template.replace(/\\(?:g<([^>]*)>|(\d{1,2})|([\s\S]))?/g, (all, named: string | undefined, num: string | undefined, ch: string | undefined) => {
    if (named !== undefined) return group(named);
    if (num !== undefined) return num.startsWith('0') ? String.fromCharCode(parseInt(num, 8)) : group(num);
    if (ch === undefined) throw new PyRegexError('bad escape (end of pattern)');
    if (ch in ESCAPES) return ESCAPES[ch]!;
    if (/[A-Za-z]/.test(ch)) throw new PyRegexError(`bad escape \\${ch}`);
    return all;
  });
}

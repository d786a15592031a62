// OpenSSH's pattern language (match.c), shared by known_hosts, ssh_config and sshd's user and
// group lists (diagnose):
// `*` is any run of characters, `?` exactly one, everything else literal; lists may negate.

/** True when `s` matches the wildcard pattern `pat`; case folds like match_hostname by default. */
export function matchPattern(s: string, pat: string, foldCase = true): boolean {
  const a = foldCase ? s.toLowerCase() : s;
  const p = foldCase ? pat.toLowerCase() : pat;
  // Iterative glob with single-star backtracking: linear-ish, no regex built from user text.
  let i = 0;
  let j = 0;
  let star = -1;
  let mark = 0;
  while (i < a.length) {
    if (j < p.length && (p[j] === '?' || p[j] === a[i])) {
      i++;
      j++;
    } else if (j < p.length && p[j] === '*') {
      star = j++;
      mark = i;
    } else if (star !== -1) {
      j = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (j < p.length && p[j] === '*') j++;
  return j === p.length;
}

/**
 * OpenSSH's match_pattern_list: 1 when a positive pattern matches and no negated one does,
 * -1 when a negated pattern (`!pat`) matches (a veto, whatever else matches), 0 otherwise.
 * Host names fold case; sshd matches user and group names as written (`foldCase: false`).
 */
export function matchPatternList(s: string, patterns: readonly string[], foldCase = true): 1 | 0 | -1 {
  let got: 1 | 0 = 0;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pat = negated ? raw.slice(1) : raw;
    if (pat === '') continue;
    if (matchPattern(s, pat, foldCase)) {
      if (negated) return -1;
      got = 1;
    }
  }
  return got;
}

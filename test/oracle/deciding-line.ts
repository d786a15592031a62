// Which file:line decides a request, found with tcpdmatch alone (it prints only the verdict), by
// truncating the files and watching when the answer stops depending on what follows:
// - hosts.allow decides within its first k lines when, with only those k lines, a hosts.deny of
//   `ALL: ALL` and an empty hosts.deny give the same answer (a rule there matched, so hosts.deny
//   was never read). The smallest such k is the deciding rule's last physical line. (A cut after
//   a backslash-LF leaves a rule libwrap never reads whole, so only other lines are tried.)
// - Else hosts.deny decides within its first k lines when appending `ALL: ALL` after them changes
//   nothing. Only k whose line ends in LF but not backslash-LF are cut points (elsewhere the
//   appended line would be glued onto the rule).
// - Else, a refusal with a hosts.deny that lacks its final newline is that last line's doing
//   (Debian's ERR); otherwise no rule decided (default allow).
import { physicalLines } from '../../src/formats/hosts-access-parse.js';
import type { TcpdAnswer, TcpdQuery } from './tcpdmatch.js';

export interface Decider {
  file: 'allow' | 'deny';
  /** The last physical line of the deciding rule (or the line libwrap stopped at). */
  line: number;
}

type Base = Omit<TcpdQuery, 'allow' | 'deny'>;

const ALL_ALL = 'ALL: ALL\n';
const prefix = (text: string, k: number): string => physicalLines(text).slice(0, k).join('');

/** Cut points: line numbers after which a file may end (or go on) without a rule cut in two. */
function cutPoints(text: string): number[] {
  return physicalLines(text)
    .map((l, k) => (l.endsWith('\n') && !l.endsWith('\\\n') ? k + 1 : 0))
    .filter((k) => k > 0);
}

/** The probe queries for one request, and how to read their answers. */
export function decidingLineProbes(allow: string, deny: string, base: Base): {
  queries: TcpdQuery[];
  read: (answers: TcpdAnswer[], full: TcpdAnswer) => Decider | undefined;
} {
  // A hosts.allow cut inside a continued rule ends in backslash-LF: libwrap reads no rule there.
  const allowCuts = cutPoints(allow);
  const cuts = cutPoints(deny);
  const queries: TcpdQuery[] = [];
  for (const k of allowCuts) {
    queries.push({ ...base, allow: prefix(allow, k), deny: ALL_ALL }, { ...base, allow: prefix(allow, k), deny: '' });
  }
  for (const k of cuts) {
    queries.push({ ...base, allow, deny: prefix(deny, k) + ALL_ALL }, { ...base, allow, deny: prefix(deny, k) });
  }
  const read = (answers: TcpdAnswer[], full: TcpdAnswer): Decider | undefined => {
    for (const [j, k] of allowCuts.entries()) {
      if (answers[2 * j] === answers[2 * j + 1]) return { file: 'allow', line: k };
    }
    const off = 2 * allowCuts.length;
    for (const [j, k] of cuts.entries()) {
      if (answers[off + 2 * j] === answers[off + 2 * j + 1]) return { file: 'deny', line: k };
    }
    if (full !== 'granted' && deny !== '' && !deny.endsWith('\n')) return { file: 'deny', line: physicalLines(deny).length };
    return undefined;
  };
  return { queries, read };
}

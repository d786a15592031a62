// remedy's hosts_access matcher and unblock planner, judged by libwrap itself (tcpdmatch) on
// seeded random policies (policy-gen.ts). For every policy and every server address:
// - remedy's verdict equals tcpdmatch's for each daemon and client sampled, and for sshd and the
//   client so does the deciding file:line (deciding-line.ts);
// - the planned files make tcpdmatch grant sshd to the client, and leave every other sampled
//   (daemon, client) verdict exactly as it was;
// - a policy that already grants the client is left byte-identical.
// Skipped where tcpd is not installed. REMEDY_ORACLE_SEED / REMEDY_ORACLE_COUNT pick other runs.
import { describe, it, expect, afterAll } from 'vitest';
import { decideAccess, parseHostsAccess, planUnblock, type AccessDecision, type UnblockPlan } from '../../src/formats/hosts-access.js';
import { TcpdOracle, tcpdmatchPath, type TcpdAnswer, type TcpdQuery } from './tcpdmatch.js';
import { CLIENTS, DAEMONS, SERVERS, policy, type Policy } from './policy-gen.js';
import { decidingLineProbes, type Decider } from './deciding-line.js';

const FIRST_SEED = Number(process.env.REMEDY_ORACLE_SEED ?? 1400);
const COUNT = Number(process.env.REMEDY_ORACLE_COUNT ?? 300);
const CHUNK = 100;

/** remedy's deciding line in tcpdmatch's terms: the last physical line of the rule, or of the line libwrap stops at. */
function remedyDecider(d: AccessDecision, denyText: string): Decider | undefined {
  if (d.rule && d.file) return { file: d.file, line: d.rule.lastLine };
  if (d.file !== 'deny') return undefined;
  const stop = parseHostsAccess(denyText).entries.find((e) => e.firstLine === d.line);
  return { file: 'deny', line: stop?.lastLine ?? -1 };
}

function remedyDecision(allow: string, deny: string, q: TcpdQuery): AccessDecision {
  return decideAccess({
    allow: parseHostsAccess(allow),
    deny: parseHostsAccess(deny),
    daemon: q.daemon,
    client: { addr: q.client },
    ...(q.server === undefined ? {} : { serverAddr: q.server }),
  });
}

const grid = (allow: string, deny: string, servers: string[]): TcpdQuery[] =>
  DAEMONS.flatMap((daemon) => CLIENTS.flatMap((client) => servers.map((server) => ({ allow, deny, daemon, client, server }))));

const isTarget = (q: TcpdQuery, p: Policy): boolean => q.daemon === 'sshd' && q.client === p.client;

/** Everything wrong with remedy on one policy, as readable lines (empty: all agree). */
async function judge(oracle: TcpdOracle, p: Policy): Promise<string[]> {
  const servers = /@/.test(p.allow + p.deny) ? SERVERS : SERVERS.slice(0, 1);
  const problems: string[] = [];
  let plan: UnblockPlan | undefined;
  try {
    plan = planUnblock({
      allow: { text: p.allow, path: 'hosts.allow' },
      deny: { text: p.deny, path: 'hosts.deny' },
      client: { addr: p.client },
      serverAddrs: servers,
    });
  } catch (e) {
    problems.push(`planUnblock threw: ${(e as Error).message}`);
  }
  const before = grid(p.allow, p.deny, servers);
  // Unchanged files get the same answers: tcpdmatch is asked only about files the plan changed.
  const changed = !!plan && (plan.allowText !== p.allow || plan.denyText !== p.deny);
  const after = plan ? grid(plan.allowText, plan.denyText, servers) : [];
  const asked = changed ? after : [];
  const probes = servers.map((server) => decidingLineProbes(p.allow, p.deny, { daemon: 'sshd', client: p.client, server }));
  const answers = await oracle.ask([...before, ...asked, ...probes.flatMap((x) => x.queries)]);
  const a0 = answers.slice(0, before.length);
  const a1 = changed ? answers.slice(before.length, before.length + after.length) : a0;
  let off = before.length + asked.length;

  before.forEach((q, k) => {
    const d = remedyDecision(p.allow, p.deny, q);
    if ((d.verdict === 'deny') !== (a0[k] !== 'granted'))
      problems.push(`${q.daemon}@${q.server} ${q.client}: tcpdmatch ${a0[k]}, remedy ${d.verdict} (${d.reason})`);
  });
  servers.forEach((server, j) => {
    const q = { allow: p.allow, deny: p.deny, daemon: 'sshd', client: p.client, server };
    const full = a0[before.findIndex((b) => isTarget(b, p) && b.server === server)]!;
    const probe = probes[j]!;
    const theirs = probe.read(answers.slice(off, off + probe.queries.length), full);
    off += probe.queries.length;
    const ours = remedyDecider(remedyDecision(p.allow, p.deny, q), p.deny);
    if (JSON.stringify(theirs) !== JSON.stringify(ours))
      problems.push(`sshd@${server} ${p.client}: deciding line tcpdmatch ${JSON.stringify(theirs)}, remedy ${JSON.stringify(ours)}`);
  });
  if (!plan) return problems;

  const grantedBefore = before.every((q, k) => !isTarget(q, p) || a0[k] === 'granted');
  if (grantedBefore && (plan.allowText !== p.allow || plan.denyText !== p.deny))
    problems.push('already granted, but the plan changes the files');
  after.forEach((q, k) => {
    const was: TcpdAnswer = a0[k]!;
    if (isTarget(q, p) && a1[k] !== 'granted') problems.push(`after the plan sshd@${q.server} ${q.client}: ${a1[k]}`);
    if (!isTarget(q, p) && a1[k] !== was) problems.push(`after the plan ${q.daemon}@${q.server} ${q.client}: ${was} → ${a1[k]}`);
  });
  return problems;
}

function report(p: Policy, problems: string[], plan?: string): string {
  return [`seed ${p.seed}, client ${p.client}`, `hosts.allow ${JSON.stringify(p.allow)}`, `hosts.deny ${JSON.stringify(p.deny)}`, ...problems, plan ?? ''].join('\n  ');
}

/** Two policies at a time: the machine has two cores and tcpdmatch is all fork and exec. */
async function judgeAll(oracle: TcpdOracle, seeds: number[]): Promise<string[]> {
  const out: string[] = [];
  const queue = [...seeds];
  const worker = async () => {
    for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
      const p = policy(s);
      const problems = await judge(oracle, p);
      if (problems.length) out.push(report(p, problems));
    }
  };
  await Promise.all([worker(), worker()]);
  return out;
}

describe.skipIf(!tcpdmatchPath)('hosts_access against libwrap (tcpdmatch) on seeded random policies', () => {
  const oracle = new TcpdOracle();
  afterAll(() => oracle.dispose());

  it('the oracle itself answers as libwrap documents', async () => {
    const q = (allow: string, deny: string, client = '10.0.0.5'): TcpdQuery => ({ allow, deny, daemon: 'sshd', client, server: '10.9.0.1' });
    expect(await oracle.ask([
      q('', ''),
      q('', 'ALL: ALL\n'),
      q('sshd: 10.0.0.5\n', 'ALL: ALL\n'),
      q('', 'sshd: 10.0.0.1'), // no final newline: Debian refuses everyone hosts.allow does not grant
      q('', 'sshd: 10.0.0.5/255.255.255.255\n'),
      q('', 'sshd: 10.0.0.5/32\n'),
      q('sshd: 10.0.0.5 : twist /bin/echo go away\n', ''),
    ])).toEqual(['granted', 'denied', 'granted', 'denied', 'granted', 'denied', 'delegated']);
  });

  for (let start = 0; start < COUNT; start += CHUNK) {
    const seeds = Array.from({ length: Math.min(CHUNK, COUNT - start) }, (_, k) => FIRST_SEED + start + k);
    it(`policies ${seeds[0]}..${seeds.at(-1)}: remedy's verdicts, deciding lines and plans agree with libwrap`, async () => {
      const failures = await judgeAll(oracle, seeds);
      expect(failures.slice(0, 5).join('\n\n'), `${failures.length} of ${seeds.length} policies disagree`).toBe('');
    });
  }
});

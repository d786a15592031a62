// tcp_wrappers (hosts.allow / hosts.deny) for remedy: a byte-exact parser, libwrap's access
// decision, the classification of refusing rules, and a pure unblock planner. The pieces live in
// hosts-access-*.ts; this module is the one to import.

export {
  parseHostsAccess,
  serializeHostsAccess,
  parsePatternList,
  parseOptions,
  physicalLines,
  splitAt,
  type BlankEntry,
  type CommentEntry,
  type Entry,
  type FileKind,
  type HostsAccessFile,
  type InvalidEntry,
  type PatternList,
  type Rule,
  type RuleOption,
} from './hosts-access-parse.js';

export {
  decideAccess,
  ruleEffect,
  ruleMatchesClient,
  clientPatternMatches,
  clientListMatches,
  daemonListMatches,
  matchList,
  wildcardMatch,
  type AccessDecision,
  type AccessQuery,
  type ClientInfo,
  type FileReader,
  type MatchOptions,
  type Verdict,
} from './hosts-access-match.js';

export { clientPatternKind, tokenNamesClient, tokenNamesDaemon, ruleCoversOnly, type ClientPatternKind } from './hosts-access-scope.js';

export {
  rulesRefusing,
  planUnblock,
  clientToken,
  prefixLines,
  insertLine,
  type PlanAction,
  type PlanFile,
  type PlanInput,
  type RefusingRule,
  type UnblockPlan,
} from './hosts-access-plan.js';

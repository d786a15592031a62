// How long to wait before retrying a path whose connection sshd dropped at once (MaxStartups'
// random drop, a PerSourcePenalties refusal): exponential with "equal jitter", so a fleet of
// controllers retrying one starved sshd spread out instead of arriving together.

/** First delay, its cap, and the default reach budget a path's retries share. */
export const BACKOFF_BASE_MS = 200;
export const BACKOFF_CAP_MS = 5_000;
export const DEFAULT_REACH_BUDGET_MS = 30_000;

/** A drop this quick is sshd refusing a start-up slot, not libwrap's reset after its ~5 s delay. */
export const IMMEDIATE_CLOSE_MS = 1500;

/**
 * sshd's MaxStartups drops new connections at random once `start` is exceeded, closing them
 * around the banner. OpenSSH 9 closes before its banner; OpenSSH 10's sshd-session may send the
 * banner first and close during key exchange, so one starved sshd shows both phases: they are
 * one kind of failure, retried alike and reported as one run of attempts.
 */
export function isStartupDrop(a: { phase?: string; message?: string }): boolean {
  return a.phase === 'banner' || (a.phase === 'kex' && /reset|closed|lost/i.test(a.message ?? ''));
}

/** Delay before retry number `attempt` (0-based): half fixed, half random, capped. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * The documented exit codes (README "Exit codes", docs/troubleshooting.md). Every process exit goes through
 * {@link exitCodeForOutcome} or an {@link ExitError}; nothing else picks a number.
 */
export const ExitCode = {
  Ok: 0,
  ChecksFailed: 1,
  Usage: 2,
  Runtime: 3,
  Partial: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** How a command ended, as its library function reports it. */
/** `failed`: a source or step failed (exit 3), but the command still reports what it did. */
export type Outcome = 'ok' | 'checks_failed' | 'partial' | 'failed';

export function exitCodeForOutcome(outcome: Outcome): ExitCode {
  switch (outcome) {
    case 'ok':
      return ExitCode.Ok;
    case 'checks_failed':
      return ExitCode.ChecksFailed;
    case 'partial':
      return ExitCode.Partial;
    case 'failed':
      return ExitCode.Runtime;
  }
}

/** The worst of several outcomes: failed > checks_failed > partial > ok. */
export function worstOutcome(outcomes: Outcome[]): Outcome {
  const rank: Record<Outcome, number> = { ok: 0, partial: 1, checks_failed: 2, failed: 3 };
  return outcomes.reduce<Outcome>((worst, o) => (rank[o] > rank[worst] ? o : worst), 'ok');
}

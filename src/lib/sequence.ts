/**
 * Tasks run one after another, beside the caller's other work: each starts once the previous one
 * has settled, failed or not. `add` returns the task's own promise for the caller to await; until
 * then its failure is not an unhandled rejection.
 */
export function sequence(): { add<T>(task: () => Promise<T>): Promise<T>; settled(): Promise<void> } {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    add<T>(task: () => Promise<T>): Promise<T> {
      const run = tail.then(task);
      tail = run.catch(() => undefined);
      return run;
    },
    /** Resolves once every task added so far has settled (never rejects). */
    settled: async () => {
      await tail;
    },
  };
}

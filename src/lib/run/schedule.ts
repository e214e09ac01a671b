/**
 * Runs each of `tasks` once every task it must follow (`follows`, of those among `tasks`) has
 * finished, at most `jobs` at once; of the tasks ready, the earliest in `tasks` first. `run` should
 * not throw (a stage's failure is its record); if it does, the tasks under way finish, nothing more
 * starts, and the error is thrown.
 */
export async function schedule<T>(
  tasks: readonly T[],
  jobs: number,
  follows: (task: T) => readonly T[],
  run: (task: T) => Promise<void>,
): Promise<void> {
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`jobs must be a whole number ≥ 1, not ${jobs}`);
  const waiting = [...tasks];
  const done = new Set<T>();
  const running = new Map<T, Promise<void>>();
  while (waiting.length > 0 || running.size > 0) {
    for (const task of [...waiting]) {
      if (running.size >= jobs) break;
      if (follows(task).some((t) => tasks.includes(t) && !done.has(t))) continue;
      waiting.splice(waiting.indexOf(task), 1);
      running.set(
        task,
        run(task).finally(() => {
          done.add(task);
          running.delete(task);
        }),
      );
    }
    if (running.size === 0)
      throw new Error('schedule: no task can start (a task follows itself or a later one)');
    await Promise.race(running.values()).catch(async (error: unknown) => {
      await Promise.allSettled(running.values());
      throw error;
    });
  }
}

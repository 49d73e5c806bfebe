/**
 * What a benchmark started (etcd, servers, worker processes, temp dirs) must not outlive it: the
 * teardowns are kept in a list and run in reverse at the end, and also on a signal, a crash or when
 * the run exceeds its time budget.
 */
export type Cleanup = () => Promise<void> | void;

/** Runs and empties `list`, newest first; a failing teardown is logged and the rest still run. */
export async function runCleanups(list: Cleanup[]): Promise<void> {
  for (const f of list.splice(0).reverse()) {
    try {
      await f();
    } catch (err) {
      console.error('cleanup:', err);
    }
  }
}

/**
 * Installs the exits that clean up first: SIGINT/SIGTERM (exit 130), an uncaught error or rejection
 * (1), the budget running out (2). `crash` is the uncaught-error path, for a failed main().
 */
export function cleanExits(list: Cleanup[], what: string, budgetMs: number): { crash(err: unknown): void; stopBudget(): void } {
  const exit = (code: number): void => void runCleanups(list).finally(() => process.exit(code));
  const budget = setTimeout(() => {
    console.error(`${what} exceeded its ${Math.round(budgetMs / 60_000)} min budget; aborting`);
    exit(2);
  }, budgetMs);
  budget.unref();
  const onSignal = (): void => exit(130);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const crash = (err: unknown): void => {
    console.error(`${what} crashed:`, err);
    exit(1);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  return { crash, stopBudget: () => clearTimeout(budget) };
}

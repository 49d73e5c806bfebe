/**
 * SIGTERM/SIGINT handling: the first signal runs `stop` (bounded by `timeoutMs`) and exits 0;
 * a second signal exits at once with 130 (as the operator asked twice).
 */
export function onShutdownSignal(stop: () => Promise<void>, timeoutMs = 10_000): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`${signal} again: exiting now\n`);
      process.exit(130);
    }
    stopping = true;
    const timer = setTimeout(() => {
      process.stderr.write(`shutdown did not finish within ${timeoutMs} ms: exiting\n`);
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`shutdown failed: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

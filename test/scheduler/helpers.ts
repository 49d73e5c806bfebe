/** Small helpers shared by the scheduler tests: bounded polling and a log recorder. */
import type { Logger } from '../../src/scheduler/mesos/logger';

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface LogLine {
  level: string;
  message: string;
  meta?: Record<string, unknown>;
}

/** Keeps log lines in memory so tests can check that bad input was logged with what was received. */
export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (message: string, meta?: Record<string, unknown>) => {
    lines.push({ level, message, meta });
  };
  return { lines, error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}

/**
 * The small logging surface the Mesos client and scheduler need. The process logger (src/util/log)
 * satisfies it; tests pass a recorder to check that bad input is logged with what was received.
 */
import { log } from '../../util/log';

export interface Logger {
  error(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
  info(message: string, meta?: Record<string, unknown>): unknown;
  debug(message: string, meta?: Record<string, unknown>): unknown;
}

/** Delegates to the current process logger (which configureLogging may replace after import). */
export const defaultLogger: Logger = {
  error: (m, meta) => log.error(m, meta),
  warn: (m, meta) => log.warn(m, meta),
  info: (m, meta) => log.info(m, meta),
  debug: (m, meta) => log.debug(m, meta),
};

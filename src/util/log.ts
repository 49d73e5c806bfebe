/**
 * Logging with klog-style verbosity (`--v=0..10`) on top of winston.
 *
 * `log` is the process-wide logger; `V(n)` says whether verbosity n is enabled, so hot paths can
 * skip building messages (as klog's `V(2).Info` does). Components get the same logger; tests may
 * replace it with `configureLogging`.
 */
import winston from 'winston';

export interface LogConfig {
  /** klog verbosity: 0 = important only; 2 = request lines; 4+ = debugging detail. */
  verbosity: number;
  format: 'text' | 'json';
  /** klog's --logtostderr: we always log to stderr; kept so the seed's flag is meaningful. */
  toStderr: boolean;
  /** Suppress everything below error (tests). */
  silent?: boolean;
}

let verbosity = 0;

function textFormat(): winston.Logform.Format {
  return winston.format.printf((info) => {
    const { level, message, timestamp, ...rest } = info as winston.Logform.TransformableInfo & { timestamp?: string };
    const fields = Object.entries(rest)
      .filter(([k]) => typeof k === 'string' && k !== 'splat')
      .map(([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v)}`)
      .join(' ');
    const lvl = level.charAt(0).toUpperCase();
    return `${lvl}${timestamp ?? ''} ${String(message)}${fields ? ' ' + fields : ''}`;
  });
}

export let log: winston.Logger = winston.createLogger({
  level: 'info',
  format: winston.format.combine(winston.format.timestamp(), textFormat()),
  transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
});

export function configureLogging(cfg: LogConfig): winston.Logger {
  verbosity = cfg.verbosity;
  const format =
    cfg.format === 'json'
      ? winston.format.combine(winston.format.timestamp(), winston.format.json())
      : winston.format.combine(winston.format.timestamp(), textFormat());
  log = winston.createLogger({
    level: cfg.verbosity >= 4 ? 'debug' : 'info',
    silent: cfg.silent === true,
    format,
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
  });
  return log;
}

/** True when `--v` is at least `level`. */
export function V(level: number): boolean {
  return verbosity >= level;
}

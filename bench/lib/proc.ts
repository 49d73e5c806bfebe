/** CPU time and RSS of a process, from /proc (Linux), so each process's cost can be reported. */
import { readFileSync } from 'node:fs';

/** utime + stime in ms (USER_HZ = 100); 0 when the process is gone. */
export function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

/** Resident set size in bytes (VmRSS); 0 when the process is gone. */
export function rssBytes(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * CPU per operation of each named process (from /proc/PID/stat) and of this process, the load
 * generator ("client", from process.cpuUsage): call the returned function with the op count.
 */
export function cpuMeter(pids: Record<string, number | undefined>): (ops: number) => Record<string, number> {
  const start = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMs(pid)]));
  const self = process.cpuUsage();
  return (ops) => {
    const out: Record<string, number> = {};
    for (const [k, pid] of Object.entries(pids)) if (pid !== undefined) out[k] = ((cpuMs(pid) - (start[k] ?? 0)) * 1000) / ops;
    const s = process.cpuUsage(self);
    out.client = (s.user + s.system) / ops;
    return out;
  };
}

/** Samples a process's RSS every `everyMs` until stopped; resolves the peak (bytes). */
export function rssSampler(pid: number | undefined, everyMs = 5): { stop(): number } {
  let peak = rssBytes(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssBytes(pid));
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssBytes(pid));
    },
  };
}

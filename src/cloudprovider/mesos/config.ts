/**
 * `--cloud_config` for the mesos provider: an ini file with a `[mesos-cloud]` section, as
 * kubernetes-mesos read it (keys mesos-master, http-client-timeout, state-cache-ttl).
 */
export interface MesosCloudConfig {
  /** host:port or zk://… */
  master: string;
  httpClientTimeoutMs: number;
  stateCacheTtlMs: number;
}

export const MESOS_CLOUD_DEFAULTS: MesosCloudConfig = { master: 'localhost:5050', httpClientTimeoutMs: 10_000, stateCacheTtlMs: 5_000 };

/** Go-style durations used in the ini ("10s", "500ms", "1m"); a bare number means seconds. */
export function parseDuration(v: string): number {
  const m = /^([0-9]*\.?[0-9]+)(ms|s|m|h)?$/.exec(v.trim());
  if (!m) throw new Error(`invalid duration ${JSON.stringify(v)}`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return n * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000);
}

export function parseMesosCloudConfig(text: string): MesosCloudConfig {
  const cfg = { ...MESOS_CLOUD_DEFAULTS };
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/[;#].*$/, '').trim();
    if (!line) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      section = sec[1].trim().toLowerCase();
      continue;
    }
    if (section !== 'mesos-cloud') continue;
    const kv = /^([^=]+)=(.*)$/.exec(line);
    if (!kv) throw new Error(`cloud config: cannot parse line ${JSON.stringify(raw)}`);
    const key = kv[1].trim().toLowerCase();
    const value = kv[2].trim().replace(/^"(.*)"$/, '$1');
    if (key === 'mesos-master') cfg.master = value;
    else if (key === 'http-client-timeout') cfg.httpClientTimeoutMs = parseDuration(value);
    else if (key === 'state-cache-ttl') cfg.stateCacheTtlMs = parseDuration(value);
    else throw new Error(`cloud config: unknown key ${key} in [mesos-cloud]`);
  }
  return cfg;
}

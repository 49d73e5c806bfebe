/**
 * Portal-IP redirection with iptables, in km's own nat chains (like the 2015 userspace proxy's
 * KUBE-PORTALS-* chains): traffic to clusterIP:port is DNATed to the local proxy port, both for
 * packets arriving from elsewhere (PREROUTING) and for local processes (OUTPUT). The whole rule set
 * is replaced atomically with iptables-restore on every sync; `cleanup` removes chains and jumps.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const CHAIN_CONTAINER = 'KM-PORTALS-CONTAINER';
export const CHAIN_HOST = 'KM-PORTALS-HOST';

export interface PortalRule {
  clusterIp: string;
  port: number;
  protocol: 'TCP' | 'UDP';
  /** Where the proxy listens. */
  proxyIp: string;
  proxyPort: number;
  comment: string;
}

export interface IptablesRunner {
  /** Run `iptables ARGS`; resolves stdout, rejects on non-zero exit. */
  iptables(args: string[]): Promise<string>;
  restore(input: string): Promise<void>;
}

export function systemIptables(binary = 'iptables', netns?: string): IptablesRunner {
  const wrap = (cmd: string, args: string[]): [string, string[]] => (netns ? ['ip', ['netns', 'exec', netns, cmd, ...args]] : [cmd, args]);
  return {
    async iptables(args) {
      const [cmd, a] = wrap(binary, ['-w', ...args]);
      return (await run(cmd, a)).stdout;
    },
    async restore(input) {
      const [cmd, a] = wrap(`${binary}-restore`, ['-w', '--noflush']);
      await new Promise<void>((resolve, reject) => {
        const child = execFile(cmd, a, (err) => (err ? reject(err) : resolve()));
        child.stdin?.end(input);
      });
    },
  };
}

export function renderRules(rules: PortalRule[]): string {
  const lines = ['*nat', `:${CHAIN_CONTAINER} - [0:0]`, `:${CHAIN_HOST} - [0:0]`];
  for (const r of rules) {
    const match = `-d ${r.clusterIp}/32 -p ${r.protocol.toLowerCase()} -m ${r.protocol.toLowerCase()} --dport ${r.port}`;
    const comment = `-m comment --comment "${r.comment.replace(/"/g, '')}"`;
    const to = `-j DNAT --to-destination ${r.proxyIp}:${r.proxyPort}`;
    lines.push(`-A ${CHAIN_CONTAINER} ${match} ${comment} ${to}`);
    lines.push(`-A ${CHAIN_HOST} ${match} ${comment} ${to}`);
  }
  lines.push('COMMIT', '');
  return lines.join('\n');
}

export class PortalRules {
  private installed = false;
  constructor(private readonly ipt: IptablesRunner) {}

  private async ensureJump(parent: string, chain: string): Promise<void> {
    try {
      await this.ipt.iptables(['-t', 'nat', '-C', parent, '-j', chain]);
    } catch {
      await this.ipt.iptables(['-t', 'nat', '-I', parent, '1', '-j', chain]);
    }
  }

  async sync(rules: PortalRule[]): Promise<void> {
    await this.ipt.restore(renderRules(rules));
    if (!this.installed) {
      await this.ensureJump('PREROUTING', CHAIN_CONTAINER);
      await this.ensureJump('OUTPUT', CHAIN_HOST);
      this.installed = true;
    }
  }

  async cleanup(): Promise<void> {
    for (const [parent, chain] of [
      ['PREROUTING', CHAIN_CONTAINER],
      ['OUTPUT', CHAIN_HOST],
    ] as const) {
      try {
        await this.ipt.iptables(['-t', 'nat', '-D', parent, '-j', chain]);
      } catch {
        // not there
      }
      try {
        await this.ipt.iptables(['-t', 'nat', '-F', chain]);
        await this.ipt.iptables(['-t', 'nat', '-X', chain]);
      } catch {
        // not there
      }
    }
    this.installed = false;
  }
}

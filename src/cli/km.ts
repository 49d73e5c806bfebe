/**
 * `km`: one binary, one subcommand per component (like the seed's hyperkube).
 * A wrong flag or value prints one line naming it on stderr and exits 2.
 */
import yargs from 'yargs';
import type { Argv } from 'yargs';
import type { FlagSpec } from './flags';
import { apiserverFlags, controllerManagerFlags, localFlags, proxyFlags, schedulerFlags, underscore } from './flags';

export type Flags = Record<string, unknown>;

interface Component {
  name: string;
  describe: string;
  flags: Record<string, FlagSpec>;
  /** Loaded lazily so `km --help` and flag errors don't pay for the component's imports. */
  run: () => Promise<(flags: Flags) => Promise<void>>;
}

const components: Component[] = [
  {
    name: 'apiserver',
    describe: 'the Kubernetes API server (etcd or the embedded store)',
    flags: apiserverFlags,
    run: async () => (await import('./run-apiserver')).runApiServer,
  },
  {
    name: 'controller-manager',
    describe: 'controllers for endpoints, namespaces, replication controllers and pod GC',
    flags: controllerManagerFlags,
    run: async () => (await import('./run-components')).runControllerManager,
  },
  {
    name: 'scheduler',
    describe: 'the Mesos framework that runs pods as Mesos tasks',
    flags: schedulerFlags,
    run: async () => (await import('./run-components')).runScheduler,
  },
  {
    name: 'proxy',
    describe: 'the service proxy',
    flags: proxyFlags,
    run: async () => (await import('./run-components')).runProxy,
  },
  {
    name: 'local',
    describe: 'everything in one process on the embedded store (what `npm start` runs)',
    flags: localFlags,
    run: async () => (await import('./run-apiserver')).runLocal,
  },
];

function withFlags(y: Argv, flags: Record<string, FlagSpec>): Argv {
  for (const [name, spec] of Object.entries(flags)) {
    const aliases = new Set<string>();
    const us = underscore(name);
    if (us !== name) aliases.add(us);
    for (const a of spec.alias ?? []) {
      aliases.add(a);
      if (underscore(a) !== a) aliases.add(underscore(a));
    }
    y = y.option(name, { ...spec, alias: [...aliases], requiresArg: spec.type !== 'boolean' });
  }
  return y;
}

class UsageError extends Error {}

/** Parse argv; returns the chosen component and its flags (camelCase keys removed). */
export function parse(argv: string[]): { component: Component; flags: Flags } | { help: string } {
  let chosen: { component: Component; flags: Flags } | undefined;
  let y = yargs(argv)
    .scriptName('km')
    .usage('km <command> [flags]')
    .parserConfiguration({ 'camel-case-expansion': false, 'boolean-negation': false, 'duplicate-arguments-array': false })
    .strict()
    .help()
    .version(false)
    .wrap(Math.min(120, process.stdout.columns || 120))
    .exitProcess(false)
    .fail((msg, err) => {
      throw new UsageError(err?.message ?? msg);
    });
  for (const c of components) {
    y = y.command(
      c.name,
      c.describe,
      (cy) => withFlags(cy, c.flags),
      (args) => {
        chosen = { component: c, flags: { ...args } };
      },
    );
  }
  y = y.demandCommand(1, 'missing command: one of ' + components.map((c) => c.name).join(', '));
  let helpText = '';
  const parsed = y.parseSync(argv, {}, (_err, _argv, output) => {
    if (output) helpText = output;
  });
  if (chosen) return chosen;
  if ((parsed as Flags)['help'] || helpText) return { help: helpText };
  throw new UsageError('missing command');
}

export async function main(argv: string[]): Promise<void> {
  let result: ReturnType<typeof parse>;
  try {
    result = parse(argv);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`km: ${msg.split('\n')[0]}\n`);
    process.exitCode = 2;
    return;
  }
  if ('help' in result) {
    process.stdout.write(result.help + '\n');
    return;
  }
  const run = await result.component.run();
  try {
    await run(result.flags);
  } catch (err) {
    process.stderr.write(`km ${result.component.name}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}

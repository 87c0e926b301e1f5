/**
 * pgshift's command line: argv → core → rendered output and an exit code.
 * 0 success, 1 findings at --fail-on / a migration failed or was refused, 2 usage or config error,
 * 3 timed out waiting for the migration lock.
 */
import { parseArgs } from 'node:util';
import { PgshiftError } from '../core/errors';
import { PGSHIFT_VERSION } from '../core/version';
import { COMMON_OPTIONS, type Command } from './command';
import { loadCommand, loadCommands } from './commands';
import type { Io } from './io';

export async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(await usage());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V') {
    io.out(`${PGSHIFT_VERSION}\n`);
    return 0;
  }
  const cmd = await loadCommand(name);
  if (!cmd) {
    io.err(`pgshift: unknown command "${name}"\n\n${await usage()}`);
    return 2;
  }
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...COMMON_OPTIONS, ...cmd.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    io.err(`pgshift ${cmd.name}: ${(e as Error).message}\n\nusage: ${cmd.usage}\n`);
    return 2;
  }
  if (parsed.values.help) {
    io.out(`${cmd.summary}\n\nusage: ${cmd.usage}\n`);
    return 0;
  }
  try {
    return await cmd.run(parsed as Parameters<Command['run']>[0], io);
  } catch (e) {
    return reportError(cmd, e, io);
  }
}

function reportError(cmd: Command, e: unknown, io: Io): number {
  if (e instanceof PgshiftError) {
    io.err(`pgshift ${cmd.name}: error: ${e.message}\n`);
    if (e.hint) io.err(`  hint: ${e.hint}\n`);
    return e.exitCode;
  }
  const err = e as Error;
  io.err(`pgshift ${cmd.name}: error: ${err?.message ?? String(e)}\n`);
  if (io.env.PGSHIFT_DEBUG && err?.stack) io.err(err.stack + '\n');
  return 1;
}

async function usage(): Promise<string> {
  const commands = await loadCommands();
  const w = Math.max(...commands.map((c) => c.name.length));
  return [
    `pgshift ${PGSHIFT_VERSION} — lint, run and report PostgreSQL migrations`,
    '',
    'usage: pgshift <command> [options]',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    'Run `pgshift <command> --help` for its options.',
    '',
  ].join('\n');
}

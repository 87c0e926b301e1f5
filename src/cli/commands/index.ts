/**
 * The commands, each loaded only when it runs (or when the full usage lists them all): `pgshift up`
 * evaluates the runner and its renderer, never the 58 lint rules, the report builder or PGlite.
 * In the bundle each `import()` stays in the one file; only its evaluation is deferred.
 */
import type { Command } from '../command';

const loaders: ReadonlyArray<readonly [string, () => Promise<Command>]> = [
  ['lint', async () => (await import('./lint')).lintCommand],
  ['rules', async () => (await import('./rules')).rulesCommand],
  ['new', async () => (await import('./new')).newCommand],
  ['expand', async () => (await import('./expand')).expandCommand],
  ['status', async () => (await import('./status')).statusCommand],
  ['up', async () => (await import('./up')).upCommand],
  ['down', async () => (await import('./down')).downCommand],
  ['redo', async () => (await import('./redo')).redoCommand],
  ['validate', async () => (await import('./validate')).validateCommand],
  ['history', async () => (await import('./history')).historyCommand],
  ['resolve', async () => (await import('./resolve')).resolveCommand],
  ['backups', async () => (await import('./backups')).backupsCommand],
  ['restore', async () => (await import('./restore')).restoreCommand],
  ['seed', async () => (await import('./seed')).seedCommand],
  ['report', async () => (await import('./report')).reportCommand],
  ['verify', async () => (await import('./verify')).verifyCommand],
];

/** The command called `name`, loaded; undefined when there is none. */
export async function loadCommand(name: string): Promise<Command | undefined> {
  const loader = loaders.find(([n]) => n === name);
  if (!loader) return undefined;
  const cmd = await loader[1]();
  if (cmd.name !== name) throw new Error(`commands/index.ts: '${name}' loads the command '${cmd.name}'`);
  return cmd;
}

/** Every command, loaded, in the order of the usage text. */
export function loadCommands(): Promise<Command[]> {
  return Promise.all(loaders.map(([, load]) => load()));
}

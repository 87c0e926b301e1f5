import type { ParseArgsConfig } from 'node:util';
import { PgshiftError } from '../core/errors';
import type { Io } from './io';

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Options;
  /** Returns the exit code. Throw PgshiftError for a failure a person can act on. */
  run(args: { values: Values; positionals: string[] }, io: Io): Promise<number>;
}

/** Options shared by every command. */
export const COMMON_OPTIONS: Options = {
  config: { type: 'string' },
  format: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

/** The --format value, one of `formats`; `fallback` when none was given. An unknown one is a usage error naming them. */
export function formatOption<F extends string>(values: Values, formats: readonly F[], fallback: F): F {
  const given = values.format as string | undefined;
  if (given === undefined) return fallback;
  if (!(formats as readonly string[]).includes(given))
    throw new PgshiftError(`unknown --format "${given}"`, {
      hint: `use one of ${formats.join(', ')}`,
      exitCode: 2,
      code: 'usage',
    });
  return given as F;
}

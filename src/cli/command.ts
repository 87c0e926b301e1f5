import type { ParseArgsConfig } from 'node:util';
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

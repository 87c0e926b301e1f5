import { isAbsolute, relative, resolve } from 'node:path';
import { LAYOUTS, loadConfig, type Layout } from '../../core/config';
import { chooseMigrations } from '../../core/migrations/choose';
import { PgshiftError } from '../../core/errors';
import { detectLayout } from '../../core/migrations/layouts';
import { createMigration } from '../../core/migrations/new';
import { formatOption, type Command } from '../command';

const FORMATS = ['text', 'json'];

export const newCommand: Command = {
  name: 'new',
  summary: 'Create an empty migration in the layout and numbering of the migrations directory',
  usage: `pgshift new <name> [--dir D] [--layout ${LAYOUTS.join('|')}] [--config F] [--format text|json]

  The name is reduced to lower-case letters, digits and underscores. The version is a UTC timestamp
  (YYYYMMDDHHMMSS), or the next number when the directory numbers its migrations 0001, 0002, ...
  Prints the created files; never overwrites one.`,
  options: {
    dir: { type: 'string' },
    layout: { type: 'string' },
  },
  async run({ values, positionals }, io) {
    const format = formatOption(values, FORMATS, 'text');
    if (positionals.length === 0)
      throw new PgshiftError('missing the migration name', {
        hint: 'usage: pgshift new <name>, e.g. pgshift new add_customers_email',
        exitCode: 2,
      });
    const layoutArg = values.layout as string | undefined;
    if (layoutArg !== undefined && !LAYOUTS.includes(layoutArg as Layout)) {
      throw new PgshiftError(`unknown --layout "${layoutArg}"`, {
        hint: `use one of ${LAYOUTS.join(', ')}`,
        exitCode: 2,
      });
    }
    const loaded = loadConfig(io.cwd, values.config as string | undefined);
    // the config's folder, or the detected tool's (prisma/migrations), as status reads it
    const choice = values.dir === undefined ? chooseMigrations(loaded) : undefined;
    const dir = choice ? choice.dir : resolve(io.cwd, values.dir as string);
    const wanted = (layoutArg as Layout | undefined) ?? choice?.layout ?? loaded.config.layout;
    const layout = wanted === 'auto' ? detectLayout(dir).layout : wanted;
    const created = createMigration(dir, layout, positionals.join(' '));
    const shown = created.map((f) => {
      const r = relative(io.cwd, f);
      return r.startsWith('..') || isAbsolute(r) ? f : r;
    });
    io.out(
      format === 'json'
        ? JSON.stringify({ created: shown }, null, 2) + '\n'
        : shown.map((f) => `${f}\n`).join(''),
    );
    return 0;
  },
};

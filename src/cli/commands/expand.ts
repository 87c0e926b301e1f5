import { isAbsolute, join, relative, resolve } from 'node:path';
import { loadConfig, migrationsDir } from '../../core/config';
import { PgshiftError } from '../../core/errors';
import { expandMigration } from '../../core/expand';
import { discoverMigrations, discoveryOptions } from '../../core/migrations/discover';
import { formatOption, type Command } from '../command';

const FORMATS = ['text', 'json'];

export const expandCommand: Command = {
  name: 'expand',
  summary:
    'Replace a risky rename / type change / SET NOT NULL / required column by expand/contract migrations',
  usage: `pgshift expand <file> [--statement N] [--dry-run] [--move-original] [--fill SQL] [--dir D] [--config F] [--format text|json]

  For RENAME COLUMN, ALTER COLUMN TYPE, SET NOT NULL on an existing column, RENAME TABLE, or ADD COLUMN …
  NOT NULL without a default in <file>, writes the replacement migrations as the next versions of the
  migrations directory, in its layout: expand (new column + a trigger keeping old and new in step both ways,
  or the table renamed + a view under the old name), backfill (-- pgshift:batch), validate (CHECK … NOT
  VALID, VALIDATE, SET NOT NULL) and contract, each with its down, each marked -- pgshift:phase.

  --statement N      which statement of the file (1-based), when it has more than one candidate
  --dry-run          print the migrations, write nothing
  --move-original    move the original file(s) to .pgshift/replaced/ (default: leave them, and say to delete them)
  --fill SQL         ADD COLUMN … NOT NULL: the value of the existing rows in the backfill (default: a TODO)`,
  options: {
    dir: { type: 'string' },
    statement: { type: 'string' },
    'dry-run': { type: 'boolean' },
    'move-original': { type: 'boolean' },
    fill: { type: 'string' },
  },
  async run({ values, positionals }, io) {
    const format = formatOption(values, FORMATS, 'text');
    if (positionals.length !== 1)
      throw new PgshiftError('give one migration file', {
        hint: 'usage: pgshift expand migrations/0007_rename_email.up.sql [--statement N]',
        exitCode: 2,
      });
    const n = values.statement as string | undefined;
    if (n !== undefined && !/^[1-9]\d*$/.test(n))
      throw new PgshiftError(`--statement ${n}: write the statement's number, 1 for the first`, {
        exitCode: 2,
      });
    const loaded = loadConfig(io.cwd, values.config as string | undefined);
    const dir = values.dir !== undefined ? resolve(io.cwd, values.dir as string) : migrationsDir(loaded);
    const set = discoverMigrations(dir, loaded.config.layout, discoveryOptions(loaded.config));
    const file = resolve(io.cwd, positionals[0]);
    const dry = values['dry-run'] === true;
    const result = await expandMigration({
      file,
      set,
      statement: n === undefined ? undefined : Number(n),
      fill: values.fill as string | undefined,
      dryRun: dry,
      moveOriginalTo:
        values['move-original'] === true ? join(loaded.root, '.pgshift', 'replaced') : undefined,
    });
    const show = (f: string) => {
      const r = relative(io.cwd, f);
      return r.startsWith('..') || isAbsolute(r) ? f : r;
    };
    if (format === 'json') {
      io.out(
        JSON.stringify(
          {
            group: result.plan.group,
            statement: result.candidate.statement,
            migrations: result.plan.migrations,
            created: result.created.map(show),
            movedOriginal: result.movedOriginal?.map(show),
            notes: result.plan.notes,
          },
          null,
          2,
        ) + '\n',
      );
      return 0;
    }
    io.out(
      `${show(file)} statement ${result.candidate.statement}: ${result.candidate.text.split('\n')[0]}\n`,
    );
    io.out(`group ${result.plan.group}: ${result.plan.migrations.map((m) => m.phase).join(' → ')}\n\n`);
    if (dry) {
      for (const m of result.plan.migrations)
        io.out(`== ${m.name} (up)\n${m.up}\n== ${m.name} (down)\n${m.down}\n`);
    } else io.out(result.created.map((f) => `${show(f)}\n`).join(''));
    for (const note of result.plan.notes) io.out(`note: ${note}\n`);
    if (result.movedOriginal)
      io.out(`\nthe original moved to ${result.movedOriginal.map(show).join(', ')}\n`);
    else if (!dry)
      io.out(
        `\nnext: delete ${show(file)} (it still holds the one-step change${result.otherStatements ? `; move its other ${result.otherStatements} statement(s) into a migration of their own first` : ''}), or run again with --move-original\n`,
      );
    return 0;
  },
};

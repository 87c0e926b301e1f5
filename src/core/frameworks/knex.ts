/**
 * Knex: a knexfile (.js/.ts/.cjs/.mjs) and its migrations directory (`migrations.directory`, default
 * ./migrations). Its tables, as knex's table-creator.js creates them: knex_migrations(id increments,
 * name varchar(255), batch integer, migration_time timestamptz), one row per applied file by its file
 * name, and knex_migrations_lock(index increments, is_locked integer).
 */
import { dirname, join, relative, resolve } from 'node:path';
import type { CodeFramework } from './framework';
import { fileNames, isDirectory, isFile, readText, stringSetting } from './fsutil';
import type { CodeDetection, CodeMigrationSet, CodeSnapshot } from './model';
import { findTable, qualified, timeText } from './table';

const TABLE = 'knex_migrations';
/** knex's DEFAULT_LOAD_EXTENSIONS (MigrationsLoader.js) */
const EXTENSIONS = ['.co', '.coffee', '.eg', '.iced', '.js', '.cjs', '.litcoffee', '.ls', '.ts'];
const KNEXFILES = ['knexfile.js', 'knexfile.ts', 'knexfile.cjs', 'knexfile.mjs'];

function detect(root: string): CodeDetection | undefined {
  const knexfile = [root, join(root, 'src'), join(root, 'db')]
    .flatMap((d) => KNEXFILES.map((f) => join(d, f)))
    .find(isFile);
  if (!knexfile) return undefined;
  const text = readText(knexfile) ?? '';
  const configured = stringSetting(text, 'directory');
  const dir = resolve(dirname(knexfile), configured ?? 'migrations');
  const reasons = [`${relative(root, knexfile)} configures Knex`];
  if (!isDirectory(dir)) return undefined;
  reasons.push(
    `migrations in ${relative(root, dir) || '.'}${configured ? ' (migrations.directory)' : ' (the default)'}`,
  );
  const settings: CodeDetection['settings'] = {};
  const table = stringSetting(text, 'tableName');
  if (table) settings.table = table;
  const schema = stringSetting(text, 'schemaName');
  if (schema) settings.schema = schema;
  return { tool: 'knex', root, dirs: [dir], reasons, settings };
}

function list(d: CodeDetection): CodeMigrationSet {
  const migrations = d.dirs.flatMap((dir) =>
    fileNames(dir)
      .filter((f) => EXTENSIONS.some((e) => f.endsWith(e)) && !f.endsWith('.d.ts'))
      .map((f) => ({ key: f, label: f, file: join(dir, f) })),
  );
  return { tool: 'knex', dirs: d.dirs, migrations, problems: [] };
}

async function read(driver: Parameters<CodeFramework['read']>[0], d: CodeDetection): Promise<CodeSnapshot> {
  const table = d.settings.table ?? TABLE;
  const schema = await findTable(driver, { table, schema: d.settings.schema });
  if (!schema) return { tool: 'knex', table, exists: false, records: [] };
  const r = await driver.query<{ name: string; batch: number | null; t: string | null }>(
    `SELECT name, batch, ${timeText('migration_time')} AS t FROM ${qualified(schema, table)} ORDER BY id`,
  );
  const snap: CodeSnapshot = {
    tool: 'knex',
    table: `${schema}.${table}`,
    exists: true,
    records: r.rows.map((x) => ({ key: x.name, appliedAt: x.t, batch: x.batch ?? undefined })),
  };
  const lock = await findTable(driver, { table: `${table}_lock`, schema });
  if (lock) {
    const l = await driver.query<{ locked: boolean }>(
      `SELECT coalesce(bool_or(is_locked = 1), false) AS locked FROM ${qualified(lock, `${table}_lock`)}`,
    );
    snap.locked = l.rows[0]?.locked === true;
  }
  return snap;
}

export const knex: CodeFramework = {
  tool: 'knex',
  language: 'javascript',
  defaultTable: TABLE,
  detect,
  list,
  read,
  command: () => 'npx knex migrate:latest',
};

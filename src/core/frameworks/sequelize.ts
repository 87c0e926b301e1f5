/**
 * Sequelize (sequelize-cli): `.sequelizerc` ('migrations-path') or the default `migrations/` beside
 * `config/config.json`. Its table, as sequelize-cli's umzug SequelizeStorage creates it:
 * "SequelizeMeta"(name varchar(255) NOT NULL UNIQUE PRIMARY KEY), one row per applied file by file name.
 * The table keeps no time.
 */
import { join, relative, resolve } from 'node:path';
import type { CodeFramework } from './framework';
import { fileNames, isDirectory, isFile, readText, stringSetting } from './fsutil';
import type { CodeDetection, CodeMigrationSet, CodeSnapshot } from './model';
import { findTable, qualified } from './table';

const TABLE = 'SequelizeMeta';
/** sequelize-cli's migrator pattern (lib/core/migrator.js) */
const FILE = /^(?!.*\.d\.ts$).*\.(cjs|js|cts|ts)$/;

function detect(root: string): CodeDetection | undefined {
  const rc = join(root, '.sequelizerc');
  const reasons: string[] = [];
  let dir: string | undefined;
  let configFile = join(root, 'config', 'config.json');
  if (isFile(rc)) {
    const text = readText(rc) ?? '';
    const m = stringSetting(text, 'migrations-path');
    dir = resolve(root, m ?? 'migrations');
    const c = stringSetting(text, 'config');
    if (c) configFile = resolve(root, c);
    reasons.push(`.sequelizerc${m ? ` sets migrations-path to ${relative(root, dir)}` : ' exists'}`);
  } else {
    const pkg = readText(join(root, 'package.json')) ?? '';
    if (!/"sequelize-cli"/.test(pkg) || !isDirectory(join(root, 'migrations'))) return undefined;
    dir = join(root, 'migrations');
    reasons.push('package.json depends on sequelize-cli, and migrations/ exists (its default)');
  }
  if (!isDirectory(dir)) return undefined;
  const settings: CodeDetection['settings'] = {};
  const table = stringSetting(readText(configFile) ?? '', 'migrationStorageTableName');
  if (table) settings.table = table;
  const schema = stringSetting(readText(configFile) ?? '', 'migrationStorageTableSchema');
  if (schema) settings.schema = schema;
  return { tool: 'sequelize', root, dirs: [dir], reasons, settings };
}

function list(d: CodeDetection): CodeMigrationSet {
  const migrations = d.dirs.flatMap((dir) =>
    fileNames(dir)
      .filter((f) => FILE.test(f))
      .map((f) => ({ key: f, label: f, file: join(dir, f) })),
  );
  return { tool: 'sequelize', dirs: d.dirs, migrations, problems: [] };
}

async function read(driver: Parameters<CodeFramework['read']>[0], d: CodeDetection): Promise<CodeSnapshot> {
  const table = d.settings.table ?? TABLE;
  const schema = await findTable(driver, { table, schema: d.settings.schema });
  if (!schema) return { tool: 'sequelize', table, exists: false, records: [] };
  const r = await driver.query<{ name: string }>(
    `SELECT name FROM ${qualified(schema, table)} ORDER BY name`,
  );
  return {
    tool: 'sequelize',
    table: `${schema}.${table}`,
    exists: true,
    records: r.rows.map((x) => ({ key: x.name, appliedAt: null })),
  };
}

export const sequelize: CodeFramework = {
  tool: 'sequelize',
  language: 'javascript',
  defaultTable: TABLE,
  detect,
  list,
  read,
  command: () => 'npx sequelize-cli db:migrate',
};

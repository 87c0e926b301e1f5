/**
 * TypeORM: a data-source file (`new DataSource({... migrations: [...] })`, or an ormconfig) and classes
 * implementing MigrationInterface. Its table, as MigrationExecutor creates it on PostgreSQL:
 * "migrations"(id serial PRIMARY KEY, timestamp bigint NOT NULL, name varchar NOT NULL), one row per
 * applied class: `name` is the class's `name` property or its class name, `timestamp` that name's last
 * 13 digits. The table keeps no time of its own (the timestamp is the migration's, not the run's).
 */
import { dirname, join, relative, resolve } from 'node:path';
import type { CodeFramework } from './framework';
import { directories, fileNames, isDirectory, readText, stringSetting } from './fsutil';
import type { CodeDetection, CodeMigration, CodeMigrationSet, CodeSnapshot } from './model';
import { findTable, qualified } from './table';

const TABLE = 'migrations';
const SOURCE = /\.(ts|js|mts|cts|mjs|cjs)$/;

function dataSourceFile(root: string): { file: string; text: string } | undefined {
  for (const d of directories(root, 3)) {
    for (const f of fileNames(d)) {
      if (!SOURCE.test(f) || f.endsWith('.d.ts')) continue;
      if (!/data-?source|ormconfig|database|db/i.test(f)) continue;
      const text = readText(join(d, f)) ?? '';
      if (
        /new\s+DataSource\s*\(/.test(text) &&
        /from\s+['"]typeorm['"]|require\(['"]typeorm['"]\)/.test(text)
      )
        return { file: join(d, f), text };
    }
  }
  return undefined;
}

/** The directories named by the `migrations: [...]` globs (the part before the first wildcard). */
function migrationGlobDirs(text: string, base: string): string[] {
  const m = /migrations\s*:\s*\[([^\]]*)\]/.exec(text);
  if (!m) return [];
  return [...m[1].matchAll(/['"`]([^'"`]+)['"`]/g)]
    .map((x) => x[1].replace(/\$\{__dirname\}\/?/, ''))
    .map((g) => {
      const cut = g.search(/[*{]/);
      const fixed = cut < 0 ? dirname(g) : g.slice(0, cut);
      return resolve(base, fixed.replace(/\/+$/, '') || '.');
    });
}

function isMigration(text: string): boolean {
  return /implements\s+MigrationInterface/.test(text) || /async\s+up\s*\(\s*queryRunner/.test(text);
}

function detect(root: string): CodeDetection | undefined {
  const ds = dataSourceFile(root);
  if (!ds) return undefined;
  const reasons = [`${relative(root, ds.file)} creates a TypeORM DataSource`];
  let dirs = migrationGlobDirs(ds.text, root).filter(isDirectory);
  if (!dirs.length) dirs = migrationGlobDirs(ds.text, dirname(ds.file)).filter(isDirectory);
  if (dirs.length)
    reasons.push(`its migrations option points at ${dirs.map((d) => relative(root, d) || '.').join(', ')}`);
  else {
    dirs = directories(root, 4).filter((d) =>
      fileNames(d).some((f) => SOURCE.test(f) && isMigration(readText(join(d, f)) ?? '')),
    );
    if (!dirs.length) return undefined;
    reasons.push(`MigrationInterface classes in ${dirs.map((d) => relative(root, d) || '.').join(', ')}`);
  }
  const settings: CodeDetection['settings'] = { dataSource: relative(root, ds.file) };
  const table = stringSetting(ds.text, 'migrationsTableName');
  if (table) settings.table = table;
  return { tool: 'typeorm', root, dirs, reasons, settings };
}

export function typeormName(text: string): { name: string; timestamp: string } | undefined {
  const cls =
    /class\s+([A-Za-z_$][\w$]*)\s+implements\s+MigrationInterface/.exec(text) ??
    /class\s+([A-Za-z_$][\w$]*\d{13})\b/.exec(text);
  if (!cls) return undefined;
  const own = /\bname\s*=\s*['"`]([^'"`]+)['"`]/.exec(text.slice(cls.index));
  const name = own ? own[1] : cls[1];
  const ts = /(\d{13})$/.exec(name);
  return { name, timestamp: ts ? String(Number(ts[1])) : '' };
}

function list(d: CodeDetection): CodeMigrationSet {
  const migrations: CodeMigration[] = [];
  const problems: CodeMigrationSet['problems'] = [];
  for (const dir of d.dirs)
    for (const f of fileNames(dir)) {
      if (!SOURCE.test(f) || f.endsWith('.d.ts')) continue;
      const file = join(dir, f);
      const text = readText(file) ?? '';
      if (!isMigration(text)) continue;
      const n = typeormName(text);
      if (!n) {
        problems.push({ severity: 'warning', file, message: 'no migration class found in this file' });
        continue;
      }
      if (!n.timestamp)
        problems.push({
          severity: 'error',
          file,
          message: `${n.name}: TypeORM wants a 13-digit JavaScript timestamp at the end of the class name`,
        });
      migrations.push({ key: n.name, label: n.name, file, timestamp: n.timestamp });
    }
  // TypeORM sorts by timestamp
  migrations.sort((a, b) => Number(a.timestamp || 0) - Number(b.timestamp || 0));
  return { tool: 'typeorm', dirs: d.dirs, migrations, problems };
}

async function read(driver: Parameters<CodeFramework['read']>[0], d: CodeDetection): Promise<CodeSnapshot> {
  const table = d.settings.table ?? TABLE;
  const schema = await findTable(driver, { table, schema: d.settings.schema });
  if (!schema) return { tool: 'typeorm', table, exists: false, records: [] };
  const r = await driver.query<{ name: string }>(`SELECT name FROM ${qualified(schema, table)} ORDER BY id`);
  return {
    tool: 'typeorm',
    table: `${schema}.${table}`,
    exists: true,
    records: r.rows.map((x) => ({ key: x.name, appliedAt: null })),
  };
}

export const typeorm: CodeFramework = {
  tool: 'typeorm',
  language: 'javascript',
  defaultTable: TABLE,
  detect,
  list,
  read,
  command: (d) => `npx typeorm migration:run -d ${d.settings.dataSource ?? '<data-source file>'}`,
};

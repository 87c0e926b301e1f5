/**
 * Django: `manage.py` and apps with a `migrations/` package. Its table, as MigrationRecorder creates it
 * (django/db/migrations/recorder.py): django_migrations(id, app varchar(255), name varchar(255),
 * applied timestamptz); a row means applied, unapplying deletes it. A squashed migration (`replaces = [...]`)
 * counts as applied when every migration it replaces is recorded, as Django's loader decides.
 */
import { basename, dirname, join, relative } from 'node:path';
import type { CodeFramework } from './framework';
import { directories, fileNames, isFile, readText } from './fsutil';
import type { CodeDetection, CodeMigration, CodeMigrationSet, CodeSnapshot } from './model';
import { findTable, qualified, timeText } from './table';

const TABLE = 'django_migrations';

/** Django's loader imports every module of the package whose name does not start with `_` or `~`. */
function migrationModules(dir: string): string[] {
  return fileNames(dir).filter((f) => f.endsWith('.py') && !/^[_~]/.test(f));
}

function appLabel(migrationsDir: string): string {
  const appDir = dirname(migrationsDir);
  const apps = readText(join(appDir, 'apps.py'));
  const label = apps && /^\s+label\s*=\s*['"]([A-Za-z_][\w]*)['"]/m.exec(apps);
  return label ? label[1] : basename(appDir);
}

function detect(root: string): CodeDetection | undefined {
  const manage = directories(root, 2)
    .map((d) => join(d, 'manage.py'))
    .find((f) => isFile(f) && /django/i.test(readText(f) ?? ''));
  if (!manage) return undefined;
  const base = dirname(manage);
  const dirs = directories(base, 4).filter(
    (d) =>
      basename(d) === 'migrations' &&
      isFile(join(d, '__init__.py')) &&
      migrationModules(d).some((f) => /^\d{4}_/.test(f)),
  );
  if (!dirs.length) return undefined;
  const rel = (p: string): string => relative(root, p) || '.';
  return {
    tool: 'django',
    root,
    dirs,
    reasons: [
      `${rel(manage)} runs Django`,
      `${dirs.length} app migrations package${dirs.length === 1 ? '' : 's'}: ${dirs.map(rel).join(', ')}`,
    ],
    settings: {},
  };
}

function list(d: CodeDetection): CodeMigrationSet {
  const migrations: CodeMigration[] = [];
  for (const dir of d.dirs) {
    const app = appLabel(dir);
    for (const f of migrationModules(dir)) {
      const name = f.slice(0, -3);
      const text = readText(join(dir, f)) ?? '';
      const m: CodeMigration = { key: `${app}.${name}`, label: `${app} ${name}`, file: join(dir, f), app };
      const replaces = /^\s*replaces\s*=\s*\[([\s\S]*?)\]/m.exec(text);
      if (replaces)
        m.replaces = [...replaces[1].matchAll(/\(\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]\s*\)/g)].map(
          (x) => `${x[1]}.${x[2]}`,
        );
      migrations.push(m);
    }
  }
  return { tool: 'django', dirs: d.dirs, migrations, problems: [] };
}

async function read(driver: Parameters<CodeFramework['read']>[0], d: CodeDetection): Promise<CodeSnapshot> {
  const table = d.settings.table ?? TABLE;
  const schema = await findTable(driver, { table, schema: d.settings.schema });
  if (!schema) return { tool: 'django', table, exists: false, records: [] };
  const r = await driver.query<{ app: string; name: string; applied: string | null }>(
    `SELECT app, name, ${timeText('applied')} AS applied FROM ${qualified(schema, table)} ORDER BY id`,
  );
  return {
    tool: 'django',
    table: `${schema}.${table}`,
    exists: true,
    records: r.rows.map((x) => ({ key: `${x.app}.${x.name}`, appliedAt: x.applied })),
  };
}

function command(d: CodeDetection): string {
  const manage = directories(d.root, 2)
    .map((x) => join(x, 'manage.py'))
    .find(isFile);
  const rel = manage ? relative(d.root, manage) : 'manage.py';
  return `python ${rel} migrate`;
}

export const django: CodeFramework = {
  tool: 'django',
  language: 'python',
  defaultTable: TABLE,
  detect,
  list,
  read,
  command,
};

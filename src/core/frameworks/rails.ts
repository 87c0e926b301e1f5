/**
 * Rails (Active Record): `db/migrate/<version>_<name>.rb` (and `db/<name>_migrate` for other databases).
 * Its tables, as ActiveRecord::SchemaMigration and InternalMetadata create them:
 * schema_migrations(version varchar PRIMARY KEY), one row per applied version, the version as
 * `to_i.to_s` (no leading zeros); ar_internal_metadata(key, value, created_at, updated_at) holding the
 * `environment` the schema was loaded for. schema_migrations keeps no time.
 */
import { join, relative } from 'node:path';
import type { CodeFramework } from './framework';
import { dirNames, fileNames, readText } from './fsutil';
import type { CodeDetection, CodeMigration, CodeMigrationSet, CodeSnapshot } from './model';
import { findTable, qualified } from './table';

const TABLE = 'schema_migrations';
/** ActiveRecord::Migration::MigrationFilenameRegexp */
const FILE = /^([0-9]+)_([_a-z0-9]*)\.?([_a-z0-9]*)?\.rb$/;

function detect(root: string): CodeDetection | undefined {
  const db = join(root, 'db');
  const dirs = [join(db, 'migrate')];
  for (const f of dirNames(db)) if (/_migrate$/.test(f)) dirs.push(join(db, f));
  const found = dirs.filter((d) => fileNames(d).some((f) => FILE.test(f)));
  if (!found.length) return undefined;
  const reasons = found.map((d) => `${relative(root, d)}/ holds <version>_<name>.rb migrations`);
  const gemfile = readText(join(root, 'Gemfile'));
  if (gemfile && /^\s*gem\s+['"](rails|activerecord)['"]/m.test(gemfile))
    reasons.push('the Gemfile depends on rails');
  else if (!gemfile) reasons.push('no Gemfile found (an Active Record project outside Rails?)');
  return { tool: 'rails', root, dirs: found, reasons, settings: {} };
}

export function railsVersion(fileName: string): { version: string; name: string } | undefined {
  const m = FILE.exec(fileName);
  return m ? { version: BigInt(m[1]).toString(), name: m[2] } : undefined;
}

function list(d: CodeDetection): CodeMigrationSet {
  const migrations: CodeMigration[] = [];
  const problems: CodeMigrationSet['problems'] = [];
  const seen = new Map<string, string>();
  for (const dir of d.dirs)
    for (const f of fileNames(dir)) {
      const v = railsVersion(f);
      if (!v) continue;
      const file = join(dir, f);
      const other = seen.get(v.version);
      if (other)
        problems.push({
          severity: 'error',
          file,
          message: `version ${v.version} is also used by ${other}: Rails refuses to run (DuplicateMigrationVersionError); rename one`,
        });
      seen.set(v.version, f);
      migrations.push({ key: v.version, label: f.slice(0, -3), file });
    }
  migrations.sort((a, b) => (BigInt(a.key) < BigInt(b.key) ? -1 : BigInt(a.key) > BigInt(b.key) ? 1 : 0));
  return { tool: 'rails', dirs: d.dirs, migrations, problems };
}

async function read(driver: Parameters<CodeFramework['read']>[0], d: CodeDetection): Promise<CodeSnapshot> {
  const table = d.settings.table ?? TABLE;
  const schema = await findTable(driver, { table, schema: d.settings.schema });
  if (!schema) return { tool: 'rails', table, exists: false, records: [] };
  const r = await driver.query<{ version: string }>(
    `SELECT version::text AS version FROM ${qualified(schema, table)} ORDER BY version`,
  );
  const snap: CodeSnapshot = {
    tool: 'rails',
    table: `${schema}.${table}`,
    exists: true,
    records: r.rows.map((x) => ({ key: x.version, appliedAt: null })),
  };
  const meta = await findTable(driver, { table: 'ar_internal_metadata', schema });
  if (meta) {
    const e = await driver.query<{ value: string | null }>(
      `SELECT value FROM ${qualified(meta, 'ar_internal_metadata')} WHERE key = 'environment'`,
    );
    if (e.rows[0]?.value) snap.environment = e.rows[0].value;
  }
  return snap;
}

export const rails: CodeFramework = {
  tool: 'rails',
  language: 'ruby',
  defaultTable: TABLE,
  detect,
  list,
  read,
  command: () => 'bin/rails db:migrate',
};

/**
 * Entity Framework Core: a .csproj referencing Microsoft.EntityFrameworkCore and a Migrations folder of
 * `<timestamp>_<Name>.cs` (each with its `.Designer.cs` holding `[Migration("<id>")]`, and one
 * `<Context>ModelSnapshot.cs`). Its table, as Npgsql's HistoryRepository creates it:
 * "__EFMigrationsHistory"("MigrationId" varchar(150) PRIMARY KEY, "ProductVersion" varchar(32) NOT NULL).
 * The table keeps no time; the MigrationId starts with the migration's own timestamp.
 */
import { basename, join, relative } from 'node:path';
import type { CodeFramework } from './framework';
import { directories, fileNames, readText } from './fsutil';
import type { CodeDetection, CodeMigration, CodeMigrationSet, CodeSnapshot } from './model';
import { findTable, qualified } from './table';

const TABLE = '__EFMigrationsHistory';
const FILE = /^(\d{14}_\w+)\.cs$/;

function detect(root: string): CodeDetection | undefined {
  const dirs = directories(root, 4);
  const csproj = dirs
    .flatMap((d) =>
      fileNames(d)
        .filter((f) => f.endsWith('.csproj'))
        .map((f) => join(d, f)),
    )
    .find((f) => /Microsoft\.EntityFrameworkCore|Npgsql\.EntityFrameworkCore/.test(readText(f) ?? ''));
  if (!csproj) return undefined;
  const found = dirs.filter((d) => basename(d) === 'Migrations' && fileNames(d).some((f) => FILE.test(f)));
  if (!found.length) return undefined;
  return {
    tool: 'efcore',
    root,
    dirs: found,
    reasons: [
      `${relative(root, csproj)} references Entity Framework Core`,
      `migrations in ${found.map((d) => relative(root, d)).join(', ')}`,
    ],
    settings: {},
  };
}

function list(d: CodeDetection): CodeMigrationSet {
  const migrations: CodeMigration[] = [];
  for (const dir of d.dirs)
    for (const f of fileNames(dir)) {
      const m = FILE.exec(f);
      if (!m || f.endsWith('.Designer.cs')) continue;
      // the id EF records is the [Migration] attribute's, in the designer file; the file name is its default
      const designer = readText(join(dir, `${m[1]}.Designer.cs`)) ?? '';
      const id = /\[Migration\(\s*"([^"]+)"\s*\)\]/.exec(designer)?.[1] ?? m[1];
      migrations.push({ key: id, label: id, file: join(dir, f) });
    }
  migrations.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { tool: 'efcore', dirs: d.dirs, migrations, problems: [] };
}

async function read(driver: Parameters<CodeFramework['read']>[0], d: CodeDetection): Promise<CodeSnapshot> {
  const table = d.settings.table ?? TABLE;
  const schema = await findTable(driver, { table, schema: d.settings.schema });
  if (!schema) return { tool: 'efcore', table, exists: false, records: [] };
  const r = await driver.query<{ id: string }>(
    `SELECT "MigrationId" AS id FROM ${qualified(schema, table)} ORDER BY "MigrationId"`,
  );
  return {
    tool: 'efcore',
    table: `${schema}.${table}`,
    exists: true,
    records: r.rows.map((x) => ({ key: x.id, appliedAt: null })),
  };
}

export const efcore: CodeFramework = {
  tool: 'efcore',
  language: 'csharp',
  defaultTable: TABLE,
  detect,
  list,
  read,
  command: () => 'dotnet ef database update',
};

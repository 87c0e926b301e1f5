/**
 * Alembic: `alembic.ini` (script_location) and `<script_location>/versions/*.py`, each naming its
 * `revision` and `down_revision` (None, one id, or a tuple for a merge). Its table, as alembic's
 * MigrationContext creates it: alembic_version(version_num varchar(32) NOT NULL, CONSTRAINT
 * alembic_version_pkc PRIMARY KEY (version_num)), holding only the current heads; every ancestor of a
 * recorded head is applied. The table keeps no time.
 */
import { join, relative, resolve } from 'node:path';
import type { CodeFramework } from './framework';
import { fileNames, isDirectory, isFile, readText } from './fsutil';
import { dependenciesFirst } from './graph';
import type { CodeDetection, CodeMigration, CodeMigrationSet, CodeSnapshot, CodeStatusRow } from './model';
import { findTable, qualified } from './table';

const TABLE = 'alembic_version';

function iniValue(ini: string, key: string): string | undefined {
  const m = new RegExp(`^\\s*${key}\\s*=\\s*(.+?)\\s*$`, 'm').exec(ini);
  return m?.[1];
}

function detect(root: string): CodeDetection | undefined {
  const iniFile = join(root, 'alembic.ini');
  const ini = readText(iniFile);
  const reasons: string[] = [];
  let scripts: string | undefined;
  if (ini !== undefined) {
    const loc = iniValue(ini, 'script_location');
    if (loc) {
      scripts = resolve(root, loc.replace(/%\(here\)s/g, root));
      reasons.push(`alembic.ini sets script_location = ${loc}`);
    }
  }
  if (!scripts && isFile(join(root, 'alembic', 'env.py'))) {
    scripts = join(root, 'alembic');
    reasons.push('alembic/env.py exists');
  }
  if (!scripts) return undefined;
  const locations = ini && iniValue(ini, 'version_locations');
  const dirs = locations
    ? locations
        .split(/[\s,;:]+/)
        .filter(Boolean)
        .map((l) => resolve(root, l.replace(/%\(here\)s/g, root)))
    : [join(scripts, 'versions')];
  const found = dirs.filter(isDirectory);
  if (!found.length) return undefined;
  reasons.push(
    `revisions in ${found.map((d) => relative(root, d) || '.').join(', ')}${locations ? ' (version_locations)' : ''}`,
  );
  const env = readText(join(scripts, 'env.py')) ?? '';
  const settings: CodeDetection['settings'] = {};
  const vt = /version_table\s*=\s*['"]([^'"]+)['"]/.exec(env);
  if (vt) settings.table = vt[1];
  const vs = /version_table_schema\s*=\s*['"]([^'"]+)['"]/.exec(env);
  if (vs) settings.schema = vs[1];
  return { tool: 'alembic', root, dirs: found, reasons, settings };
}

/** `revision = 'x'` / `revision: str = "x"` at the top level of a revision file. */
function assigned(text: string, name: string): string | undefined {
  const m = new RegExp(`^${name}(?:\\s*:[^=\\n]+)?\\s*=\\s*(.+)$`, 'm').exec(text);
  return m?.[1];
}

export function parseRevision(text: string): { revision: string; parents: string[] } | undefined {
  const rev = assigned(text, 'revision');
  const id = rev && /^['"]([^'"]+)['"]/.exec(rev.trim());
  if (!id) return undefined;
  const down = assigned(text, 'down_revision') ?? 'None';
  const parents = [...down.matchAll(/['"]([^'"]+)['"]/g)].map((x) => x[1]);
  return { revision: id[1], parents };
}

function list(d: CodeDetection): CodeMigrationSet {
  const byRev = new Map<string, CodeMigration>();
  const problems: CodeMigrationSet['problems'] = [];
  for (const dir of d.dirs)
    for (const f of fileNames(dir)) {
      if (!f.endsWith('.py') || f.startsWith('_')) continue;
      const file = join(dir, f);
      const r = parseRevision(readText(file) ?? '');
      if (!r) {
        problems.push({
          severity: 'warning',
          file,
          message: 'no `revision = "..."` found: not an Alembic revision file?',
        });
        continue;
      }
      if (byRev.has(r.revision))
        problems.push({
          severity: 'error',
          file,
          message: `revision ${r.revision} is also defined in ${byRev.get(r.revision)!.file}`,
        });
      byRev.set(r.revision, {
        key: r.revision,
        label: `${r.revision} ${f.slice(0, -3).replace(/^[0-9a-f]+_/, '')}`,
        file,
        parents: r.parents,
      });
    }
  for (const m of byRev.values())
    for (const p of m.parents ?? [])
      if (!byRev.has(p))
        problems.push({
          severity: 'error',
          file: m.file,
          message: `down_revision ${p} names no revision file`,
        });
  const isParent = new Set([...byRev.values()].flatMap((m) => m.parents ?? []));
  const heads = [...byRev.keys()].filter((r) => !isParent.has(r));
  if (heads.length > 1)
    problems.push({
      severity: 'warning',
      file: d.dirs[0],
      message: `${heads.length} heads (${heads.join(', ')}): \`alembic upgrade head\` refuses; run \`alembic merge heads\` or \`alembic upgrade heads\``,
    });
  // parents before children, siblings in file order
  const ordered = dependenciesFirst(byRev.values(), (m) =>
    (m.parents ?? []).flatMap((p) => byRev.get(p) ?? []),
  );
  return { tool: 'alembic', dirs: d.dirs, migrations: ordered, problems, heads };
}

async function read(driver: Parameters<CodeFramework['read']>[0], d: CodeDetection): Promise<CodeSnapshot> {
  const table = d.settings.table ?? TABLE;
  const schema = await findTable(driver, { table, schema: d.settings.schema });
  if (!schema) return { tool: 'alembic', table, exists: false, records: [] };
  const r = await driver.query<{ v: string }>(
    `SELECT version_num AS v FROM ${qualified(schema, table)} ORDER BY version_num`,
  );
  return {
    tool: 'alembic',
    table: `${schema}.${table}`,
    exists: true,
    records: r.rows.map((x) => ({ key: x.v, appliedAt: null })),
  };
}

/** The table holds heads: a revision is applied when it is a recorded head or an ancestor of one. */
export function alembicStatus(set: CodeMigrationSet, snap: CodeSnapshot): CodeStatusRow[] {
  const byRev = new Map(set.migrations.map((m) => [m.key, m]));
  const applied = new Set<string>();
  const walk = (rev: string): void => {
    if (applied.has(rev)) return;
    applied.add(rev);
    for (const p of byRev.get(rev)?.parents ?? []) walk(p);
  };
  const rows: CodeStatusRow[] = [];
  for (const rec of snap.records) {
    if (byRev.has(rec.key)) walk(rec.key);
    else rows.push({ key: rec.key, label: rec.key, state: 'unknown-in-db', appliedAt: null });
  }
  return [
    ...set.migrations.map((m) => ({
      key: m.key,
      label: m.label,
      file: m.file,
      state: applied.has(m.key) ? ('applied' as const) : ('pending' as const),
      appliedAt: null,
    })),
    ...rows,
  ];
}

export const alembic: CodeFramework = {
  tool: 'alembic',
  language: 'python',
  defaultTable: TABLE,
  detect,
  list,
  read,
  command: () => 'alembic upgrade head',
};

/**
 * Django: `manage.py` and apps with a `migrations/` package. Its table, as MigrationRecorder creates it
 * (django/db/migrations/recorder.py): django_migrations(id, app varchar(255), name varchar(255),
 * applied timestamptz); a row means applied, unapplying deletes it. A squashed migration (`replaces = [...]`)
 * counts as applied when every migration it replaces is recorded, as Django's loader decides.
 */
import { basename, dirname, join, relative } from 'node:path';
import type { CodeFramework } from './framework';
import { directories, fileNames, isFile, readText } from './fsutil';
import type { MigrationProblem } from '../migrations/model';
import { djangoPlan } from './django-graph';
import { parseDjangoMigration, settingIn, type DjangoMigrationSource, type DjangoRef } from './django-source';
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

/** The project's manage.py (in the root or two folders down), the one that runs Django. */
export function managePy(root: string): string | undefined {
  return directories(root, 2)
    .map((d) => join(d, 'manage.py'))
    .find((f) => isFile(f) && /django/i.test(readText(f) ?? ''));
}

function detect(root: string): CodeDetection | undefined {
  const manage = managePy(root);
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

/** Settings modules under the project (settings.py, settings/*.py), for what a swappable dependency names. */
function settingValue(base: string, name: string): string | undefined {
  for (const dir of directories(base, 4))
    for (const f of fileNames(dir))
      if (f.endsWith('.py') && (f === 'settings.py' || basename(dir) === 'settings')) {
        const v = settingIn(readText(join(dir, f)) ?? '', name);
        if (v !== undefined) return v;
      }
  return undefined;
}

interface Found extends CodeMigration {
  app: string;
  source: DjangoMigrationSource;
}

function problem(file: string, message: string): MigrationProblem {
  return { severity: 'error', file, message };
}

/**
 * In Django's apply order for the applied keys given (none when the table has not been read): a
 * squashed migration replaces its originals unless only some of them are applied. An app whose graph
 * Django refuses keeps pgshift's order by file name, after the others, with the problem said.
 */
function list(d: CodeDetection, applied: ReadonlySet<string> = new Set()): CodeMigrationSet {
  const found: Found[] = [];
  const problems: MigrationProblem[] = [];
  const byKey = new Map<string, Found>();
  const appDir = new Map<string, string>();
  for (const dir of d.dirs) {
    const app = appLabel(dir);
    if (appDir.has(app)) {
      problems.push({
        severity: 'warning',
        file: dir,
        message: `app label ${app} is also ${appDir.get(app)}: Django refuses two apps with one label ("Application labels aren't unique"); pgshift lists the first`,
      });
      continue;
    }
    appDir.set(app, dir);
    for (const f of migrationModules(dir)) {
      const name = f.slice(0, -3);
      const source = parseDjangoMigration(readText(join(dir, f)) ?? '');
      const m: Found = { key: `${app}.${name}`, label: `${app} ${name}`, file: join(dir, f), app, source };
      if (source.replaces.length) m.replaces = source.replaces.map((r) => `${r.app}.${r.name}`);
      found.push(m);
      byKey.set(m.key, m);
    }
  }
  const models = new Map<string, string | undefined>();
  const swapped = (setting: string): { app: string; name: string } | undefined => {
    if (!models.has(setting))
      models.set(
        setting,
        settingValue(d.root, setting) ?? (setting === 'AUTH_USER_MODEL' ? 'auth.User' : undefined),
      );
    const model = models.get(setting);
    return model ? { app: model.split('.')[0], name: '__first__' } : undefined;
  };
  const refs = (rs: DjangoRef[]): { app: string; name: string }[] =>
    rs.flatMap((r) => ('swappable' in r ? (swapped(r.swappable) ?? []) : [r]));
  const plan = djangoPlan(
    found.map((m) => ({
      app: m.app,
      name: m.key.slice(m.app.length + 1),
      dependencies: refs(m.source.dependencies),
      runBefore: refs(m.source.runBefore),
      replaces: m.source.replaces,
    })),
    applied,
  );
  for (const p of plan.problems) {
    const fix =
      p.kind === 'NodeNotFoundError'
        ? 'restore that migration or point the dependency at one that exists'
        : 'remove one of the dependencies or run_before entries that close the cycle';
    problems.push(
      problem(
        byKey.get(p.origin)?.file ?? appDir.get(p.apps[0]) ?? d.root,
        `${p.kind}: ${p.message} — Django refuses to load the migrations: ${fix}. pgshift lists ${p.apps.join(', ')} by file name meanwhile`,
      ),
    );
  }
  for (const [app, names] of plan.conflicts)
    problems.push(
      problem(
        byKey.get(`${app}.${names[0]}`)?.file ?? appDir.get(app) ?? d.root,
        `Conflicting migrations detected; multiple leaf nodes in the migration graph: (${names.join(', ')} in ${app}). To fix them run 'python manage.py makemigrations --merge'`,
      ),
    );
  const strip = ({ source: _source, ...m }: Found): CodeMigration => m;
  const migrations = [
    ...plan.plan.map((k) => byKey.get(k)!),
    ...found
      .filter((m) => plan.brokenApps.has(m.app))
      .sort((a, b) => (a.app < b.app ? -1 : a.app > b.app ? 1 : 0)),
  ].map(strip);
  const listed = new Set(migrations.map((m) => m.key));
  const superseded = found.filter((m) => !listed.has(m.key)).map(strip);
  return { tool: 'django', dirs: d.dirs, migrations, superseded, problems };
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
  const manage = managePy(d.root);
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

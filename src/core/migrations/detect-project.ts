/**
 * Which migration tool(s) a project uses, found from its files, each with the reasons it was found,
 * so that `pgshift status` and the editor can say what they are reading and why. Detection runs only
 * when the config names neither migrationsDir nor layout; both override it. A table of detectors:
 * a new tool is one more entry in PROJECT_DETECTORS. Never throws and reads only small files.
 */
import { readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { LAYOUTS } from '../config';
import type { ConcreteLayout } from './model';
import { detectLayoutOf, isDir, listDir } from './layouts';

export interface DetectedTool {
  /** the tool: 'prisma', 'goose', 'golang-migrate', ... (code-based tools too: 'django', 'rails', ...) */
  tool: string;
  /** absolute folder holding its migrations */
  dir: string;
  /**
   * the pgshift layout that reads them (a ConcreteLayout when pgshift has it: see `readableLayout`);
   * undefined: pgshift cannot read this tool's migrations as SQL files
   */
  layout?: string;
  /** why: what was found, one short sentence each ("prisma/migrations/migration_lock.toml: provider = postgresql") */
  reasons: string[];
  /** how sure: 2 = the tool is declared (a manifest, a lock file, a config) and its files are there; 1 = file names or markers only */
  strength: 1 | 2;
}

/** Reads the project's files for the detectors, each at most once. */
export class ProjectProbe {
  private readonly texts = new Map<string, string | undefined>();
  constructor(readonly root: string) {}

  abs(rel: string): string {
    return resolve(this.root, rel);
  }
  rel(abs: string): string {
    return relative(this.root, abs).split(sep).join('/') || '.';
  }
  isFile(rel: string): boolean {
    try {
      return statSync(this.abs(rel)).isFile();
    } catch {
      return false;
    }
  }
  isDir(rel: string): boolean {
    try {
      return statSync(this.abs(rel)).isDirectory();
    } catch {
      return false;
    }
  }
  /** A file's text (up to 1 MB), or undefined. */
  text(rel: string): string | undefined {
    const file = this.abs(rel);
    if (this.texts.has(file)) return this.texts.get(file);
    let t: string | undefined;
    try {
      const st = statSync(file);
      t = st.isFile() && st.size <= 1 << 20 ? readFileSync(file, 'utf8') : undefined;
    } catch {
      t = undefined;
    }
    this.texts.set(file, t);
    return t;
  }
  /** The first `bytes` of a file (markers sit at its top). */
  head(rel: string, bytes = 4096): string | undefined {
    return this.text(rel)?.slice(0, bytes);
  }
  /** Names in a folder, sorted, without dot-files. */
  list(rel: string): { name: string; dir: boolean }[] {
    const dir = this.abs(rel);
    return (listDir(dir) ?? []).map((e) => ({ name: e.name, dir: isDir(e, join(dir, e.name)) }));
  }
  /** package.json's dependencies and devDependencies. */
  npmDependency(name: string): boolean {
    const pkg = this.json('package.json');
    if (!pkg) return false;
    return ['dependencies', 'devDependencies'].some(
      (k) => typeof pkg[k] === 'object' && pkg[k] !== null && name in (pkg[k] as object),
    );
  }
  json(rel: string): Record<string, unknown> | undefined {
    const t = this.text(rel);
    if (t === undefined) return undefined;
    try {
      const v = JSON.parse(t) as unknown;
      return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }
  /**
   * Folders (relative, at most `depth` below the root, skipping node_modules, vendor, target and
   * dot-folders) for which `test` holds; at most `max` of them.
   */
  findDirs(test: (rel: string) => boolean, depth = 4, max = 20): string[] {
    const out: string[] = [];
    const walk = (rel: string, d: number): void => {
      if (out.length >= max) return;
      if (test(rel)) out.push(rel);
      if (d >= depth) return;
      for (const e of this.list(rel))
        if (e.dir && !SKIP.has(e.name)) walk(rel === '.' ? e.name : `${rel}/${e.name}`, d + 1);
    };
    walk('.', 0);
    return out;
  }
}

const SKIP = new Set(['node_modules', 'vendor', 'target', 'dist', 'out', 'build', 'bin', 'obj', 'coverage']);

export interface ProjectDetector {
  tool: string;
  detect(p: ProjectProbe): DetectedTool[];
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/** `.sql` files directly in a folder whose first 4 kB match `marker`. */
function sqlWith(p: ProjectProbe, rel: string, marker: RegExp): number {
  return p
    .list(rel)
    .filter((e) => !e.dir && /\.sql$/i.test(e.name) && marker.test(p.head(`${rel}/${e.name}`) ?? '')).length;
}

const GOOSE_UP = /^[ \t]*--[ \t]*\+goose[ \t]+Up\b/im;
const PG_MIGRATE_UP = /^[ \t]*--[ \t]*Up Migration\b/im;
const LIQUIBASE = /^[ \t]*--[ \t]*liquibase[ \t]+formatted[ \t]+sql\b/im;

const prisma: ProjectDetector = {
  tool: 'prisma',
  detect(p) {
    // package.json "prisma": { "schema": "db/schema.prisma" } moves the folder; the default is prisma/
    const pkg = p.json('package.json');
    const configured = (pkg?.prisma as { schema?: unknown } | undefined)?.schema;
    const schemaFile = typeof configured === 'string' ? configured : undefined;
    const bases = [
      ...(schemaFile ? [schemaFile.replace(/\/?[^/]*\.prisma$/, '') || '.'] : []),
      'prisma',
      ...p.findDirs(
        (rel) => rel !== 'prisma' && rel.endsWith('/prisma') && p.isDir(`${rel}/migrations`),
        3,
        5,
      ),
    ];
    const out: DetectedTool[] = [];
    for (const base of [...new Set(bases)]) {
      const rel = base === '.' ? 'migrations' : `${base}/migrations`;
      const reasons: string[] = [];
      const lock = p.text(`${rel}/migration_lock.toml`);
      if (lock !== undefined) {
        const provider = /provider\s*=\s*"([^"]+)"/.exec(lock)?.[1];
        reasons.push(`${rel}/migration_lock.toml${provider ? ` (provider = "${provider}")` : ''}`);
      }
      const folders = p
        .list(rel)
        .filter((e) => e.dir && /^\d+_/.test(e.name) && p.isFile(`${rel}/${e.name}/migration.sql`)).length;
      if (folders) reasons.push(`${plural(folders, 'folder')} ${rel}/<timestamp>_<name>/migration.sql`);
      const schema = [schemaFile, `${base}/schema.prisma`].find((f) => f && p.isFile(f));
      if (schema) reasons.push(`${schema}`);
      if (p.npmDependency('prisma') || p.npmDependency('@prisma/client'))
        reasons.push('package.json depends on prisma');
      if (lock === undefined && !folders && !schema) continue;
      out.push({
        tool: 'prisma',
        dir: p.abs(rel),
        layout: 'prisma',
        reasons,
        strength: lock !== undefined || schema ? 2 : 1,
      });
    }
    return out;
  },
};

const goose: ProjectDetector = {
  tool: 'goose',
  detect(p) {
    const goMod = p.text('go.mod');
    const declared = goMod !== undefined && /github\.com\/pressly\/goose/.test(goMod);
    return p
      .findDirs((rel) => sqlWith(p, rel, GOOSE_UP) > 0, 5, 10)
      .map((rel) => ({
        tool: 'goose',
        dir: p.abs(rel),
        layout: 'goose',
        reasons: [
          `${plural(sqlWith(p, rel, GOOSE_UP), '.sql file')} with -- +goose Up in ${rel}`,
          ...(declared ? ['go.mod requires github.com/pressly/goose'] : []),
        ],
        strength: 2,
      }));
  },
};

const sqlx: ProjectDetector = {
  tool: 'sqlx',
  detect(p) {
    const out: DetectedTool[] = [];
    // the crate that uses sqlx: the root or a workspace member, with migrations/ beside its Cargo.toml
    for (const rel of p.findDirs((r) => /\bsqlx\b/.test(p.text(`${r}/Cargo.toml`) ?? ''), 3, 10)) {
      const dir = rel === '.' ? 'migrations' : `${rel}/migrations`;
      const files = p.list(dir).filter((e) => !e.dir && /^\d+_.*\.sql$/.test(e.name)).length;
      if (!files) continue;
      out.push({
        tool: 'sqlx',
        dir: p.abs(dir),
        layout: 'sqlx',
        reasons: [
          `${rel === '.' ? '' : `${rel}/`}Cargo.toml depends on sqlx`,
          `${plural(files, 'file')} <version>_<name>.sql in ${dir}`,
        ],
        strength: 2,
      });
    }
    return out;
  },
};

const nodePgMigrate: ProjectDetector = {
  tool: 'node-pg-migrate',
  detect(p) {
    const declared = p.npmDependency('node-pg-migrate');
    const out: DetectedTool[] = [];
    // `node-pg-migrate -m dir` in a package.json script moves the folder from migrations/
    const scripts = Object.values((p.json('package.json')?.scripts as Record<string, string>) ?? {});
    const moved = scripts
      .map((s) => /node-pg-migrate\b.*?(?:-m|--migrations-dir)[ =]+["']?([^\s"']+)/.exec(String(s))?.[1])
      .filter((x): x is string => !!x);
    for (const rel of [...new Set([...moved, 'migrations'])]) {
      const marked = sqlWith(p, rel, PG_MIGRATE_UP);
      if (!marked && !(declared && p.list(rel).some((e) => /^\d+[_-].*\.(sql|js|ts|cjs|mjs)$/.test(e.name))))
        continue;
      out.push({
        tool: 'node-pg-migrate',
        dir: p.abs(rel),
        layout: 'node-pg-migrate',
        reasons: [
          ...(declared ? ['package.json depends on node-pg-migrate'] : []),
          ...(marked ? [`${plural(marked, '.sql file')} with -- Up Migration in ${rel}`] : []),
        ],
        strength: declared ? 2 : 1,
      });
    }
    return out;
  },
};

const liquibase: ProjectDetector = {
  tool: 'liquibase',
  detect(p) {
    const props = ['liquibase.properties', 'src/main/resources/liquibase.properties'].find((f) =>
      p.isFile(f),
    );
    return p
      .findDirs((rel) => sqlWith(p, rel, LIQUIBASE) > 0, 6, 10)
      .map((rel) => ({
        tool: 'liquibase',
        dir: p.abs(rel),
        layout: 'liquibase',
        reasons: [
          `${plural(sqlWith(p, rel, LIQUIBASE), '.sql file')} starting --liquibase formatted sql in ${rel}`,
          ...(props ? [props] : []),
        ],
        strength: 2,
      }));
  },
};

/** golang-migrate, dbmate, Flyway and diesel: by their file names in their usual folders. */
const classic: ProjectDetector = {
  tool: 'classic',
  detect(p) {
    const out: DetectedTool[] = [];
    const dbmateDir = /^\s*DBMATE_MIGRATIONS_DIR\s*=\s*"?([^"\s]+)/m.exec(p.text('.env') ?? '')?.[1];
    const dieselDir = /^\s*dir\s*=\s*"([^"]+)"/m.exec(p.text('diesel.toml') ?? '')?.[1];
    const dirs = [
      'migrations',
      'db/migrations',
      'db/migration',
      'src/main/resources/db/migration',
      'sql/migrations',
      'database/migrations',
      ...(dbmateDir ? [dbmateDir] : []),
      ...(dieselDir ? [dieselDir] : []),
    ];
    for (const rel of [...new Set(dirs)]) {
      if (!p.isDir(rel)) continue;
      const abs = p.abs(rel);
      const d = detectLayoutOf(abs, listDir(abs) ?? []);
      if (!d.matched) continue;
      const reasons = [`${d.reason.replace(/^[a-z-]+: /, '')} in ${rel}`];
      if (d.layout === 'diesel' && p.isFile('diesel.toml')) reasons.push('diesel.toml');
      if (
        d.layout === 'flyway' &&
        ['flyway.conf', 'flyway.toml', 'conf/flyway.conf'].some((f) => p.isFile(f))
      )
        reasons.push('flyway configuration file');
      out.push({ tool: d.layout, dir: abs, layout: d.layout, reasons, strength: reasons.length > 1 ? 2 : 1 });
    }
    return out;
  },
};

/** The detection's layout when pgshift can read it. */
export function readableLayout(t: DetectedTool): ConcreteLayout | undefined {
  return t.layout !== undefined && t.layout !== 'auto' && (LAYOUTS as readonly string[]).includes(t.layout)
    ? (t.layout as ConcreteLayout)
    : undefined;
}

/**
 * Every detector, in order of preference: a tool declared by its own files comes before one found by
 * file names alone. Code-based tools (Django, Rails, Alembic, Knex, ...) are added here too.
 */
export const PROJECT_DETECTORS: ProjectDetector[] = [prisma, goose, sqlx, nodePgMigrate, liquibase, classic];

/**
 * The tools found in the project at `root`, best first. When two detectors claim one folder (sqlx's
 * `.up.sql` files also fit golang-migrate's names), the stronger claim keeps it and notes the other.
 */
export function detectProject(root: string, detectors = PROJECT_DETECTORS): DetectedTool[] {
  const p = new ProjectProbe(root);
  const all: DetectedTool[] = [];
  for (const d of detectors) {
    try {
      all.push(...d.detect(p));
    } catch {
      // a detector that cannot read something finds nothing
    }
  }
  const byDir = new Map<string, DetectedTool>();
  for (const t of [...all].sort((a, b) => b.strength - a.strength)) {
    const seen = byDir.get(t.dir);
    if (!seen) byDir.set(t.dir, t);
    else if (seen.tool !== t.tool) seen.reasons.push(`its files also fit ${t.tool}`);
  }
  // stable: detector order among equal strength
  return all.filter((t) => byDir.get(t.dir) === t).sort((a, b) => b.strength - a.strength);
}

/**
 * The file-name grammar of each migration layout pgshift understands, version ordering, and guessing a
 * directory's layout from the files in it. Names are only ever matched and sliced here, never
 * interpolated into SQL or shell commands.
 */
import { readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { isFormattedSql } from '../sql/liquibase';
import type { ConcreteLayout } from './model';

export type Direction = 'up' | 'down';

/** What each layout expects, for problem messages and hints. */
export const LAYOUT_GRAMMAR: Record<ConcreteLayout, string> = {
  'golang-migrate': '<version>_<name>.up.sql and <version>_<name>.down.sql',
  dbmate: '<version>_<name>.sql with -- migrate:up and -- migrate:down sections',
  flyway: 'V<version>__<description>.sql, U<version>__<description>.sql (undo) or R__<description>.sql',
  diesel: 'folders <version>_<name>/ holding up.sql and down.sql',
  prisma: 'folders <timestamp>_<name>/ holding migration.sql (prisma/migrations)',
  goose: '<version>_<name>.sql with -- +goose Up and -- +goose Down sections',
  sqlx: '<version>_<description>.sql, or <version>_<description>.up.sql and .down.sql',
  'node-pg-migrate': '<timestamp>_<name>.sql with -- Up Migration and -- Down Migration sections',
  liquibase: '.sql changelogs starting --liquibase formatted sql, with --changeset author:id headers',
};

export interface GolangMigrateName {
  version: string;
  name: string;
  direction: Direction;
  /**
   * A dialect infix as in ory/kratos (gobuffalo pop): `1_x.postgres.up.sql` overrides `1_x.up.sql`;
   * `1_x.mysql.up.sql` is for another database and is skipped.
   */
  dialect?: string;
}

const POSTGRES_DIALECTS = new Set(['postgres', 'postgresql']);
const OTHER_DIALECTS = new Set([
  'cockroach',
  'cockroachdb',
  'crdb',
  'mysql',
  'mariadb',
  'sqlite',
  'sqlite3',
  'sqlserver',
  'mssql',
  'oracle',
  'clickhouse',
]);

export function isPostgresDialect(dialect: string): boolean {
  return POSTGRES_DIALECTS.has(dialect);
}

/** golang-migrate's own pattern is `^([0-9]+)_(.*)\.(down|up)\.(.*)$`; pgshift only takes `.sql`. */
export function parseGolangMigrateName(fileName: string): GolangMigrateName | undefined {
  const m = /^(\d+)_(.*)\.(up|down)\.sql$/s.exec(fileName);
  if (!m) return undefined;
  const [, version, rawName, direction] = m;
  const d = /^(.*)\.([A-Za-z0-9]+)$/s.exec(rawName);
  const dialect = d?.[2].toLowerCase();
  if (d && dialect && (POSTGRES_DIALECTS.has(dialect) || OTHER_DIALECTS.has(dialect))) {
    return { version, name: d[1], direction: direction as Direction, dialect };
  }
  return { version, name: rawName, direction: direction as Direction };
}

/** dbmate: `^(\d+).*\.sql$` in dbmate itself; pgshift wants the `_` that separates the name. */
export function parseDbmateName(fileName: string): { version: string; name: string } | undefined {
  const m = /^(\d+)_(.*)\.sql$/s.exec(fileName);
  return m ? { version: m[1], name: m[2] } : undefined;
}

export interface FlywayName {
  /** '' for repeatables; `_` separators normalised to `.` as Flyway records them ('1_2' → '1.2') */
  version: string;
  name: string;
  direction: Direction;
  repeatable: boolean;
}

/** Flyway's defaults: prefixes V / U / R, separator `__`, suffix `.sql` (case-sensitive, as Flyway). */
export function parseFlywayName(fileName: string): FlywayName | undefined {
  const r = /^R__(.*)\.sql$/s.exec(fileName);
  if (r) return { version: '', name: r[1], direction: 'up', repeatable: true };
  const m = /^([VU])(\d+(?:[._]\d+)*)__(.*)\.sql$/s.exec(fileName);
  if (!m) return undefined;
  return {
    version: m[2].replace(/_/g, '.'),
    name: m[3],
    direction: m[1] === 'V' ? 'up' : 'down',
    repeatable: false,
  };
}

export interface DieselFolderName {
  /** the version diesel records in __diesel_schema_migrations: the prefix with its dashes removed */
  version: string;
  /** the prefix as written: '2019-02-26-002946' */
  rawVersion: string;
  name: string;
}

/** diesel: the folder name up to the first `_` is the version (`2019-02-26-002946`, `20140924113530`). */
export function parseDieselFolder(folderName: string): DieselFolderName | undefined {
  const m = /^(\d[\d-]*)_(.+)$/s.exec(folderName);
  if (!m) return undefined;
  const version = m[1].replace(/-/g, '');
  return { version, rawVersion: m[1], name: m[2] };
}

/** Prisma: a folder `<timestamp>_<name>` (its whole name is the migration_name Prisma records). */
export function parsePrismaFolder(folderName: string): { version: string; name: string } | undefined {
  const m = /^(\d+)_(.+)$/s.exec(folderName);
  return m ? { version: m[1], name: m[2] } : undefined;
}

/** goose: the number before the first `_` (greater than zero), as goose's NumericComponent reads it. */
export function parseGooseName(fileName: string): { version: string; name: string; go: boolean } | undefined {
  const m = /^(\d+)_(.*)\.(sql|go)$/s.exec(fileName);
  if (!m || BigInt(m[1]) < 1n) return undefined;
  return { version: m[1], name: m[2], go: m[3] === 'go' };
}

/** sqlx: `<version>_<description>.sql` (simple) or `.up.sql` / `.down.sql` (reversible); version an i64. */
export function parseSqlxName(
  fileName: string,
): { version: string; name: string; direction: Direction } | undefined {
  const m = /^(\d+)_(.+?)(?:\.(up|down))?\.sql$/s.exec(fileName);
  if (!m) return undefined;
  return { version: m[1], name: m[2], direction: (m[3] as Direction | undefined) ?? 'up' };
}

/** A name someone probably meant as a migration, whatever the layout. */
export function looksLikeMigration(fileName: string): boolean {
  if (!/\.sql$/i.test(fileName)) return false;
  return (
    /^\d+[-_.]/.test(fileName) || /^[VUR](\d.*)?__/i.test(fileName) || /\.(up|down)\.sql$/i.test(fileName)
  );
}

/** Paths (relative to the migrations directory) a new migration of `layout` gets. */
export function migrationFileNames(layout: ConcreteLayout, version: string, name: string): string[] {
  switch (layout) {
    case 'golang-migrate':
      return [`${version}_${name}.up.sql`, `${version}_${name}.down.sql`];
    case 'dbmate':
      return [`${version}_${name}.sql`];
    case 'flyway':
      return [`V${version}__${name}.sql`, `U${version}__${name}.sql`];
    case 'diesel':
      return [join(`${version}_${name}`, 'up.sql'), join(`${version}_${name}`, 'down.sql')];
    case 'prisma':
      return [join(`${version}_${name}`, 'migration.sql')];
    case 'goose':
      return [`${version}_${name}.sql`];
    case 'sqlx':
      return [`${version}_${name}.up.sql`, `${version}_${name}.down.sql`];
    case 'node-pg-migrate':
      return [`${version}_${name}.sql`];
    case 'liquibase':
      return [`${version}_${name}.sql`];
  }
}

/**
 * Orders versions the way people read them: by `.` / `_` separated segments, numbers numerically
 * ('1.10' > '1.9', '0001' = '1'), a missing segment counting as 0 ('1' = '1.0', as Flyway has it).
 * Dashes are ignored, so diesel's '2019-02-26-002946' equals '20190226002946'. Two numbers of 14 or
 * more digits are compared as timestamps (left-aligned: '202509191326480000' < '20260101000000'),
 * because diesel mixes `YYYYMMDDHHMMSS` with `YYYYMMDDHHMMSS0000` in one directory.
 */
export function compareVersions(a: string, b: string): number {
  const sa = segments(a);
  const sb = segments(b);
  const n = Math.max(sa.length, sb.length);
  for (let i = 0; i < n; i++) {
    const c = compareSegment(sa[i] ?? '0', sb[i] ?? '0');
    if (c !== 0) return c;
  }
  return 0;
}

/** A canonical spelling: two versions compare equal exactly when their keys are equal. */
export function versionKey(version: string): string {
  const segs = segments(version).map((s) => s.replace(/\d+/g, (d) => d.replace(/^0+(?=\d)/, '')));
  while (segs.length > 1 && segs[segs.length - 1] === '0') segs.pop();
  return segs.join('.');
}

function segments(v: string): string[] {
  return v.replace(/-/g, '').split(/[._]/);
}

function compareSegment(x: string, y: string): number {
  const tx = x.match(/\d+|\D+/g) ?? [];
  const ty = y.match(/\d+|\D+/g) ?? [];
  const n = Math.max(tx.length, ty.length);
  for (let i = 0; i < n; i++) {
    const p = tx[i];
    const q = ty[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    const pd = /^\d/.test(p);
    const qd = /^\d/.test(q);
    let c: number;
    if (pd && qd) c = compareNumbers(p, q);
    else if (pd !== qd) c = pd ? -1 : 1;
    else c = p < q ? -1 : p > q ? 1 : 0;
    if (c !== 0) return c;
  }
  return 0;
}

function compareNumbers(p: string, q: string): number {
  const a = p.replace(/^0+/, '');
  const b = q.replace(/^0+/, '');
  if (a.length >= 14 && b.length >= 14 && a.length !== b.length) {
    const w = Math.max(a.length, b.length);
    const c = cmp(a.padEnd(w, '0'), b.padEnd(w, '0'));
    return c !== 0 ? c : a.length - b.length;
  }
  if (a.length !== b.length) return a.length - b.length;
  return cmp(a, b);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface LayoutDetection {
  layout: ConcreteLayout;
  /** one sentence saying what was found, shown to the user ("diesel: 341 folders with up.sql/down.sql") */
  reason: string;
  /** how many files (or folders) fit the layout; 0 when it is only the default */
  matched: number;
}

const DBMATE_MARKER = /^[ \t]*--[ \t]*migrate:up\b/m;
const GOOSE_MARKER = /^[ \t]*--[ \t]*\+goose[ \t]+Up\b/im;
/** node-pg-migrate's own test: `^\s*--[\s-]*up\s+migration`, case-insensitive */
const PG_MIGRATE_MARKER = /^\s*--[\s-]*up\s+migration/im;

/**
 * Guesses the layout from the names (and, for dbmate, the `-- migrate:up` marker) of the files in
 * `dir`. The layout with the most matching files wins; an empty or unrecognised directory gets
 * golang-migrate, the most common layout. Never throws: a missing directory is "empty".
 */
export function detectLayout(dir: string): LayoutDetection {
  const entries = listDir(dir);
  if (entries === undefined)
    return {
      layout: 'golang-migrate',
      reason: `${dir} does not exist yet: defaulting to golang-migrate`,
      matched: 0,
    };
  return detectLayoutOf(dir, entries);
}

/**
 * detectLayout over entries already listed. The files it had to read (dbmate candidates, to look for the
 * marker) go into `contents` when given, so that discovery reads each file once.
 */
export function detectLayoutOf(
  dir: string,
  entries: Dirent[],
  contents?: Map<string, Buffer>,
): LayoutDetection {
  const counts: Record<ConcreteLayout, number> = {
    diesel: 0,
    'golang-migrate': 0,
    dbmate: 0,
    flyway: 0,
    prisma: 0,
    goose: 0,
    // sqlx's names are golang-migrate's or dbmate's: only the project (Cargo.toml) or the config says sqlx
    sqlx: 0,
    'node-pg-migrate': 0,
    liquibase: 0,
  };
  let unrecognised = 0;
  for (const e of entries) {
    const full = join(dir, e.name);
    if (isDir(e, full)) {
      if (parseDieselFolder(e.name) && (isFile(join(full, 'up.sql')) || isFile(join(full, 'down.sql'))))
        counts.diesel++;
      else if (parsePrismaFolder(e.name) && isFile(join(full, 'migration.sql'))) counts.prisma++;
      continue;
    }
    if (parseGolangMigrateName(e.name)) counts['golang-migrate']++;
    else if (parseFlywayName(e.name)) counts.flyway++;
    // read only when the name says no other layout's (a golang-migrate folder is never read here)
    else if (/\.sql$/i.test(e.name) && isLiquibaseFile(full, e, contents)) counts.liquibase++;
    else if (parseDbmateName(e.name) && hasMarker(full, e, DBMATE_MARKER, contents)) counts.dbmate++;
    else if (parseGooseName(e.name) && hasMarker(full, e, GOOSE_MARKER, contents)) counts.goose++;
    else if (parseDbmateName(e.name) && hasMarker(full, e, PG_MIGRATE_MARKER, contents))
      counts['node-pg-migrate']++;
    else if (looksLikeMigration(e.name)) unrecognised++;
  }
  if (Object.values(counts).every((c) => c === 0)) {
    // Flyway scans sub-folders (db/migration/v1/...); the others only read the directory itself.
    const nested = entries
      .filter((e) => isDir(e, join(dir, e.name)))
      .reduce((n, e) => n + countFlywayIn(join(dir, e.name)), 0);
    if (nested > 0)
      return {
        layout: 'flyway',
        reason: `flyway: ${plural(nested, 'V/U/R__ script')} in sub-folders`,
        matched: nested,
      };
    const why = unrecognised
      ? `${plural(unrecognised, 'numbered .sql file')} matching no layout (no -- migrate:up, .up.sql/.down.sql, V__ or up.sql folders)`
      : 'no migration files';
    return { layout: 'golang-migrate', reason: `${why} in ${dir}: defaulting to golang-migrate`, matched: 0 };
  }
  const order: ConcreteLayout[] = [
    'diesel',
    'golang-migrate',
    'dbmate',
    'flyway',
    'prisma',
    'goose',
    'node-pg-migrate',
    'liquibase',
  ];
  const layout = order.reduce((best, l) => (counts[l] > counts[best] ? l : best), order[0]);
  const n = counts[layout];
  const what: Record<ConcreteLayout, string> = {
    diesel: `${plural(n, 'folder')} with up.sql/down.sql`,
    'golang-migrate': `${plural(n, '.up.sql/.down.sql file')}`,
    dbmate: `${plural(n, 'file')} with -- migrate:up`,
    flyway: `${plural(n, 'V/U/R__ script')}`,
    prisma: `${plural(n, 'folder')} with migration.sql`,
    goose: `${plural(n, 'file')} with -- +goose Up`,
    sqlx: `${plural(n, 'file')}`,
    'node-pg-migrate': `${plural(n, 'file')} with -- Up Migration`,
    liquibase: `${plural(n, 'file')} starting --liquibase formatted sql`,
  };
  const others = order.filter((l) => l !== layout && counts[l] > 0).map((l) => `${l} ${counts[l]}`);
  const reason = `${layout}: ${what[layout]}` + (others.length ? ` (also seen: ${others.join(', ')})` : '');
  return { layout, reason, matched: n };
}

function countFlywayIn(dir: string, depth = 0): number {
  const entries = depth < 4 ? listDir(dir) : undefined;
  if (!entries) return 0;
  let n = 0;
  for (const e of entries) {
    const full = join(dir, e.name);
    if (isDir(e, full)) n += countFlywayIn(full, depth + 1);
    else if (parseFlywayName(e.name)) n++;
  }
  return n;
}

function hasMarker(file: string, e: Dirent, marker: RegExp, contents?: Map<string, Buffer>): boolean {
  const bytes = fileBytes(file, e, contents);
  return bytes !== undefined && marker.test(bytes.toString('latin1'));
}

/** A Liquibase formatted SQL changelog: its first non-blank line is `--liquibase formatted sql`. */
function isLiquibaseFile(file: string, e: Dirent, contents?: Map<string, Buffer>): boolean {
  const bytes = fileBytes(file, e, contents);
  return bytes !== undefined && isFormattedSql(bytes);
}

function fileBytes(file: string, e: Dirent, contents?: Map<string, Buffer>): Buffer | undefined {
  let bytes = contents?.get(file);
  if (!bytes) {
    // a listed regular file needs no stat; a link or anything else does (a FIFO would block the read)
    if (!e.isFile() && !isFile(file)) return undefined;
    try {
      bytes = readFileSync(file);
    } catch {
      return undefined;
    }
    contents?.set(file, bytes);
  }
  return bytes;
}

/** Sorted entries without dot-files, or undefined when `dir` cannot be listed. */
export function listDir(dir: string): Dirent[] | undefined {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => !e.name.startsWith('.'))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch {
    return undefined;
  }
}

/** Follows symbolic links; a dangling link is neither a file nor a folder. */
export function isDir(e: Dirent, full: string): boolean {
  if (e.isDirectory()) return true;
  if (!e.isSymbolicLink()) return false;
  try {
    return statSync(full).isDirectory();
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

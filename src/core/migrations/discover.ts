/**
 * Reads a migrations directory into a MigrationSet. File problems never throw: they become
 * `problems`, so the tree view, `status` and CI can show all of them at once. Only a missing
 * directory throws, because then there is nothing to show.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync, type Dirent } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import type { Layout, PgshiftConfig } from '../config';
import { PgshiftError } from '../errors';
import {
  dataDirectives,
  runsOutsideTransaction,
  sections,
  statementAfter,
  type Section,
} from '../sql/directives';
import { countNewlines } from '../sql/source';
import { splitStatements, type Comment, type SplitResult } from '../sql/splitter';
import {
  compareVersions,
  detectLayoutOf,
  isDir,
  isPostgresDialect,
  LAYOUT_GRAMMAR,
  listDir,
  looksLikeMigration,
  parseDbmateName,
  parseDieselFolder,
  parseFlywayName,
  parseGolangMigrateName,
  parseGooseName,
  parsePrismaFolder,
  parseSqlxName,
  versionKey,
  type Direction,
} from './layouts';
import { collectLiquibase } from './discover-liquibase';
import type {
  ConcreteLayout,
  Migration,
  MigrationProblem,
  MigrationScript,
  MigrationSet,
  ScriptData,
} from './model';

/** One up or down script found on disk, before ups and downs are paired. */
interface Candidate {
  version: string;
  name: string;
  direction: Direction;
  script: MigrationScript;
  repeatable?: boolean;
  /** a `.postgres.` file beats a dialect-neutral one of the same version (kratos / pop) */
  preferred?: boolean;
}

// ignoreBOM keeps a byte-order mark in the text, so byte offsets into `sql` match the file
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export class Discovery {
  readonly problems: MigrationProblem[] = [];
  readonly candidates: Candidate[] = [];
  /** files layout detection has read already */
  readonly contents = new Map<string, Buffer>();
  constructor(readonly dir: string) {}

  problem(severity: MigrationProblem['severity'], file: string, message: string): void {
    this.problems.push({ severity, file, message });
  }
  rel(file: string): string {
    return relative(this.dir, file).split(sep).join('/');
  }

  /** The bytes and text of a file, or undefined after recording why it cannot be used. */
  read(file: string): { bytes: Buffer; text: string } | undefined {
    let bytes = this.contents.get(file);
    if (!bytes) {
      try {
        if (!statSync(file).isFile()) {
          this.problem('error', file, `unreadable: ${this.rel(file)} is not a regular file`);
          return undefined;
        }
        bytes = readFileSync(file);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        this.problem('error', file, `unreadable: ${this.rel(file)} (${code ?? (e as Error).message})`);
        return undefined;
      }
    }
    try {
      const text = UTF8.decode(bytes);
      return { bytes, text };
    } catch {
      this.problem(
        'error',
        file,
        `not UTF-8: ${this.rel(file)} must be saved as UTF-8 (PostgreSQL migrations are read as UTF-8)`,
      );
      return undefined;
    }
  }

  /**
   * A script over bytes [start, end) of a file, with the statements of the file's split that start in
   * it; reports it when it holds none.
   */
  script(
    file: string,
    bytes: Buffer,
    start: number,
    end: number,
    noTransaction: boolean,
    split: SplitResult,
    label = '',
  ): MigrationScript {
    const part = bytes.subarray(start, end);
    const mine = split.statements.filter((st) => st.start >= start && st.start < end);
    const data = scriptData(
      split.comments.filter((c) => c.start >= start && c.start < end),
      mine.map((st) => st.start),
    );
    if (mine.length === 0)
      this.problem(
        'info',
        file,
        `empty${label}: applying it is a no-op (${this.rel(file)} has no SQL statement)`,
      );
    return {
      file,
      sql: part.toString('utf8'),
      offset: start,
      checksum: createHash('sha256').update(part).digest('hex'),
      noTransaction,
      ...(data ? { data } : {}),
      // a statement running past the section's end would be cut there by a split of the section alone
      split: mine.every((st) => st.end <= end)
        ? {
            line: 1 + countNewlines(bytes, 0, start),
            ranges: mine.map((st) => ({ start: st.start - start, end: st.end - start })),
          }
        : undefined,
    };
  }

  /** A whole file as the script of one migration (golang-migrate, Flyway, diesel), when it can be read. */
  addWholeFile(
    file: string,
    { version, name, direction }: Pick<Candidate, 'version' | 'name' | 'direction'>,
    extra: Pick<Candidate, 'repeatable' | 'preferred'> = {},
    extraNoTransaction = false,
  ): void {
    const content = this.read(file);
    if (!content) return;
    const split = splitStatements(content.bytes);
    const noTx = extraNoTransaction || runsOutsideTransaction(split.comments);
    const script = this.script(file, content.bytes, 0, content.bytes.length, noTx, split);
    this.candidates.push({ version, name, direction, script, ...extra });
  }

  /** The up and down sections of one file (dbmate, goose, node-pg-migrate) as the scripts of one migration. */
  addSections(
    file: string,
    bytes: Buffer,
    split: SplitResult,
    { version, name }: { version: string; name: string },
    up: Section | undefined,
    down: Section | undefined,
  ): void {
    for (const [direction, sec] of [
      ['up', up],
      ['down', down],
    ] as const) {
      if (!sec) continue;
      const script = this.script(
        file,
        bytes,
        sec.start,
        sec.end,
        sec.noTransaction,
        split,
        ` ${direction} section`,
      );
      this.candidates.push({ version, name, direction, script });
    }
  }

  unmatched(file: string, layout: ConcreteLayout): void {
    const name = basename(file);
    if (looksLikeMigration(name)) {
      this.problem(
        'warning',
        file,
        `not a ${layout} migration name: ${this.rel(file)} looks like a migration but is not applied; ${layout} expects ${LAYOUT_GRAMMAR[layout]}`,
      );
    } else {
      this.problem(
        'info',
        file,
        `ignored: ${this.rel(file)} is not a ${layout} migration (${layout} expects ${LAYOUT_GRAMMAR[layout]})`,
      );
    }
  }
}

export interface DiscoveryOptions {
  /** the config's liquibase.filenamePrefix */
  liquibaseFilenamePrefix?: string;
}

/** The discovery options a config sets. */
export function discoveryOptions(config: Pick<PgshiftConfig, 'liquibase'>): DiscoveryOptions {
  return { liquibaseFilenamePrefix: config.liquibase.filenamePrefix };
}

export function discoverMigrations(
  dir: string,
  layout: Layout = 'auto',
  options: DiscoveryOptions = {},
): MigrationSet {
  const abs = resolve(dir);
  let isDirectory = false;
  try {
    isDirectory = statSync(abs).isDirectory();
  } catch {
    throw new PgshiftError(`migrations directory not found: ${abs}`, {
      hint: 'create it, or set "migrationsDir" in pgshift.config.json to where your migrations are',
      exitCode: 2,
    });
  }
  if (!isDirectory)
    throw new PgshiftError(`migrations directory is not a directory: ${abs}`, {
      hint: 'set "migrationsDir" in pgshift.config.json to a folder',
      exitCode: 2,
    });
  const d = new Discovery(abs);
  const entries = listDir(abs) ?? [];
  const concrete: ConcreteLayout =
    layout === 'auto' ? detectLayoutOf(abs, entries, d.contents).layout : layout;
  if (concrete === 'golang-migrate') collectGolangMigrate(d, entries);
  else if (concrete === 'dbmate') collectDbmate(d, entries);
  else if (concrete === 'flyway') collectFlyway(d, abs, entries);
  else if (concrete === 'prisma') collectPrisma(d, entries);
  else if (concrete === 'goose') collectGoose(d, entries);
  else if (concrete === 'sqlx') collectSqlx(d, entries);
  else if (concrete === 'node-pg-migrate') collectNodePgMigrate(d, entries);
  else if (concrete === 'liquibase')
    return {
      dir: abs,
      layout: concrete,
      migrations: collectLiquibase(d, options.liquibaseFilenamePrefix ?? ''),
      problems: d.problems,
    };
  else collectDiesel(d, entries);
  const migrations = assemble(d, concrete);
  return { dir: abs, layout: concrete, migrations, problems: d.problems };
}

/** The migration with this version ('0001' finds '1'); repeatables have no version and are never found. */
export function findMigration(set: MigrationSet, version: string): Migration | undefined {
  const versioned = set.migrations.filter((m) => !m.repeatable);
  return (
    versioned.find((m) => m.version === version) ??
    versioned.find((m) => compareVersions(m.version, version) === 0)
  );
}

/** The .sql files of the directory whose names `parse` reads, in order; the others are reported as unmatched. */
function* namedSqlFiles<P>(
  d: Discovery,
  entries: Dirent[],
  layout: ConcreteLayout,
  parse: (name: string) => P | undefined,
): Generator<{ e: Dirent; file: string; parsed: P }> {
  for (const e of entries) {
    const file = join(d.dir, e.name);
    if (isDir(e, file) || !/\.sql$/i.test(e.name)) continue;
    const parsed = parse(e.name);
    if (parsed) yield { e, file, parsed };
    else d.unmatched(file, layout);
  }
}

function collectGolangMigrate(d: Discovery, entries: Dirent[]): void {
  for (const { file, parsed } of namedSqlFiles(d, entries, 'golang-migrate', parseGolangMigrateName)) {
    if (parsed.dialect && !isPostgresDialect(parsed.dialect)) {
      d.problem('info', file, `ignored: ${d.rel(file)} is for ${parsed.dialect}, not PostgreSQL`);
      continue;
    }
    d.addWholeFile(file, parsed, { preferred: !!parsed.dialect });
  }
}

function collectDbmate(d: Discovery, entries: Dirent[]): void {
  for (const { e, file, parsed } of namedSqlFiles(d, entries, 'dbmate', parseDbmateName)) {
    const content = d.read(file);
    if (!content) continue;
    const { bytes } = content;
    const split = splitStatements(bytes);
    const secs = sections(split.comments, bytes.length);
    const ups = secs.filter((s) => s.kind === 'up');
    const downs = secs.filter((s) => s.kind === 'down');
    if (ups.length === 0) {
      const hint = /\.(up|down)\.sql$/i.test(e.name)
        ? ' (the name looks like golang-migrate: set "layout" in pgshift.config.json?)'
        : '';
      d.problem(
        'error',
        file,
        `no -- migrate:up marker: dbmate needs ${d.rel(file)} to start its up section with a line "-- migrate:up"${hint}`,
      );
      continue;
    }
    const up = ups[0];
    if (ups.length > 1 || downs.length > 1) {
      d.problem(
        'error',
        file,
        `${d.rel(file)} has ${ups.length} "-- migrate:up" and ${downs.length} "-- migrate:down" markers; dbmate expects one of each (only the first ones are used)`,
      );
    }
    if (downs.length && downs[0].start < up.start) {
      d.problem(
        'error',
        file,
        `-- migrate:down comes before -- migrate:up in ${d.rel(file)}; dbmate expects up first`,
      );
    }
    const first = Math.min(...secs.map((s) => s.start));
    if (split.statements.some((s) => s.start < first)) {
      d.problem(
        'error',
        file,
        `SQL before -- migrate:up in ${d.rel(file)} belongs to no section and would never run`,
      );
    }
    d.addSections(file, bytes, split, parsed, up, downs[0]);
  }
}

function collectFlyway(d: Discovery, dir: string, entries: Dirent[], depth = 0): void {
  const names = new Set(entries.map((e) => e.name));
  for (const e of entries) {
    const file = join(dir, e.name);
    if (isDir(e, file)) {
      // Flyway scans its locations recursively
      if (depth < 8) collectFlyway(d, file, listDir(file) ?? [], depth + 1);
      continue;
    }
    if (!/\.sql$/i.test(e.name)) continue;
    const parsed = parseFlywayName(e.name);
    if (!parsed) {
      d.unmatched(file, 'flyway');
      continue;
    }
    let noTx = false;
    if (names.has(`${e.name}.conf`)) {
      const conf = d.read(join(dir, `${e.name}.conf`));
      if (conf) noTx = /^[ \t]*executeInTransaction[ \t]*[=:][ \t]*false[ \t]*$/im.test(conf.text);
    }
    d.addWholeFile(file, parsed, { repeatable: parsed.repeatable }, noTx);
  }
}

function collectDiesel(d: Discovery, entries: Dirent[]): void {
  for (const e of entries) {
    const full = join(d.dir, e.name);
    if (!isDir(e, full)) {
      if (/\.sql$/i.test(e.name)) d.unmatched(full, 'diesel');
      continue;
    }
    const parsed = parseDieselFolder(e.name);
    const inside = new Set((listDir(full) ?? []).map((x) => x.name));
    const hasUp = inside.has('up.sql');
    const hasDown = inside.has('down.sql');
    if (!parsed) {
      if (hasUp || hasDown || /^\d/.test(e.name)) {
        d.problem(
          'warning',
          full,
          `not a diesel migration folder name: ${d.rel(full)} is not applied; diesel expects ${LAYOUT_GRAMMAR.diesel}`,
        );
      }
      continue;
    }
    if (!hasUp && !hasDown) {
      d.problem(
        'warning',
        full,
        `${d.rel(full)} looks like a migration folder but has neither up.sql nor down.sql`,
      );
      continue;
    }
    let noTx = false;
    if (inside.has('metadata.toml')) {
      const meta = d.read(join(full, 'metadata.toml'));
      if (meta) noTx = /^[ \t]*run_in_transaction[ \t]*=[ \t]*false\b/m.test(meta.text);
    }
    for (const direction of ['up', 'down'] as const) {
      if (!inside.has(`${direction}.sql`)) continue;
      d.addWholeFile(join(full, `${direction}.sql`), { ...parsed, direction }, {}, noTx);
    }
  }
}

/**
 * goose: `<version>_<name>.sql` with `-- +goose Up` / `-- +goose Down` sections (directives.ts reads
 * them, and `-- +goose NO TRANSACTION`; the splitter keeps StatementBegin … StatementEnd as one statement).
 */
function collectGoose(d: Discovery, entries: Dirent[]): void {
  for (const e of entries) {
    const file = join(d.dir, e.name);
    if (isDir(e, file)) continue;
    const parsed = parseGooseName(e.name);
    if (!parsed) {
      if (/\.sql$/i.test(e.name)) d.unmatched(file, 'goose');
      continue;
    }
    if (parsed.go) {
      d.problem(
        'warning',
        file,
        `Go migration: ${d.rel(file)} is not SQL, so pgshift neither lints nor runs it; run it with goose`,
      );
      continue;
    }
    const content = d.read(file);
    if (!content) continue;
    const { bytes } = content;
    const split = splitStatements(bytes);
    const secs = sections(split.comments, bytes.length);
    const up = secs.find((s) => s.kind === 'up');
    if (!up) {
      d.problem(
        'error',
        file,
        `no -- +goose Up annotation: goose refuses ${d.rel(file)} (it must start its up section with a line "-- +goose Up")`,
      );
      continue;
    }
    const down = secs.find((s) => s.kind === 'down');
    d.addSections(file, bytes, split, parsed, up, down);
  }
}

/**
 * node-pg-migrate SQL migrations: `<timestamp>_<name>.sql`, the up section from `-- Up Migration`
 * (the whole file without one), the down from `-- Down Migration`. JavaScript/TypeScript migrations
 * are reported: pgshift neither lints nor runs them.
 */
function collectNodePgMigrate(d: Discovery, entries: Dirent[]): void {
  for (const e of entries) {
    const file = join(d.dir, e.name);
    if (isDir(e, file)) continue;
    if (/^\d+[_-].*\.(js|cjs|mjs|ts)$/.test(e.name)) {
      d.problem(
        'warning',
        file,
        `JavaScript migration: ${d.rel(file)} is not SQL, so pgshift neither lints nor runs it; run it with node-pg-migrate`,
      );
      continue;
    }
    const parsed = /\.sql$/i.test(e.name) ? parseDbmateName(e.name) : undefined;
    if (!parsed) {
      if (/\.sql$/i.test(e.name)) d.unmatched(file, 'node-pg-migrate');
      continue;
    }
    const content = d.read(file);
    if (!content) continue;
    const { bytes } = content;
    const split = splitStatements(bytes);
    const secs = sections(split.comments, bytes.length);
    const up = secs.find((s) => s.kind === 'up') ?? secs.find((s) => s.kind === 'whole');
    const down = secs.find((s) => s.kind === 'down');
    d.addSections(file, bytes, split, parsed, up, down);
  }
}

/** sqlx: a file starting `-- no-transaction` runs outside a transaction, as sqlx reads it. */
function collectSqlx(d: Discovery, entries: Dirent[]): void {
  for (const { file, parsed } of namedSqlFiles(d, entries, 'sqlx', parseSqlxName)) {
    const content = d.read(file);
    if (!content) continue;
    const noTx = content.text.replace(/^\uFEFF/, '').startsWith('-- no-transaction');
    d.addWholeFile(file, parsed, {}, noTx);
  }
}

/** Prisma: `<timestamp>_<name>/migration.sql`; migration_lock.toml beside them; no down migrations. */
function collectPrisma(d: Discovery, entries: Dirent[]): void {
  for (const e of entries) {
    const full = join(d.dir, e.name);
    if (!isDir(e, full)) {
      if (/\.sql$/i.test(e.name)) d.unmatched(full, 'prisma');
      continue;
    }
    const parsed = parsePrismaFolder(e.name);
    const inside = new Set((listDir(full) ?? []).map((x) => x.name));
    if (!parsed || !inside.has('migration.sql')) {
      if (parsed || inside.has('migration.sql'))
        d.problem(
          'warning',
          full,
          `not a Prisma migration folder: ${d.rel(full)} is not applied; Prisma expects ${LAYOUT_GRAMMAR.prisma}`,
        );
      continue;
    }
    d.addWholeFile(join(full, 'migration.sql'), { ...parsed, direction: 'up' });
  }
}

/** Pairs ups with downs, reports duplicates and orphans, and orders the result. */
function assemble(d: Discovery, layout: ConcreteLayout): Migration[] {
  const groups = new Map<string, Candidate[]>();
  for (const c of d.candidates) {
    const key = c.repeatable ? `R:${c.name}` : `V:${versionKey(c.version)}`;
    const g = groups.get(key);
    if (g) g.push(c);
    else groups.set(key, [c]);
  }
  // Flyway undo scripts are a paid feature most projects never use: only miss them when some exist
  // and Prisma has none at all
  // sqlx's simple migrations have none either
  const expectDowns =
    layout !== 'prisma' &&
    ((layout !== 'flyway' && layout !== 'sqlx') || d.candidates.some((c) => c.direction === 'down'));
  const reported = new Set<string>();
  const migrations: Migration[] = [];
  for (const group of groups.values()) {
    const pick = (direction: Direction): Candidate | undefined => {
      let list = group.filter((c) => c.direction === direction);
      if (list.some((c) => c.preferred)) list = list.filter((c) => c.preferred);
      list.sort((a, b) => (a.script.file < b.script.file ? -1 : a.script.file > b.script.file ? 1 : 0));
      for (const other of list.slice(1)) {
        const pair = `${list[0].script.file}\0${other.script.file}`;
        if (reported.has(pair)) continue;
        reported.add(pair);
        const what = other.repeatable ? `repeatable "${other.name}"` : `version ${other.version}`;
        d.problem(
          'error',
          other.script.file,
          `duplicate ${what}: ${d.rel(list[0].script.file)} and ${d.rel(other.script.file)}; only ${d.rel(list[0].script.file)} is used`,
        );
      }
      return list[0];
    };
    const up = pick('up');
    const down = pick('down');
    if (!up) {
      if (down)
        d.problem(
          'error',
          down.script.file,
          `down without up: ${d.rel(down.script.file)} has no up script for version ${down.version}`,
        );
      continue;
    }
    if (!down && !up.repeatable && expectDowns) {
      d.problem(
        'warning',
        up.script.file,
        `up without down: ${d.rel(up.script.file)} cannot be rolled back (no down script for version ${up.version})`,
      );
    }
    if (down && down.name !== up.name) {
      d.problem(
        'warning',
        down.script.file,
        `name differs from its up script: ${d.rel(down.script.file)} vs ${d.rel(up.script.file)}`,
      );
    }
    const m: Migration = { version: up.version, name: up.name, up: up.script };
    if (down) m.down = down.script;
    if (up.repeatable) m.repeatable = true;
    migrations.push(m);
  }
  return migrations.sort((a, b) => {
    if (!!a.repeatable !== !!b.repeatable) return a.repeatable ? 1 : -1;
    if (a.repeatable) return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
    return compareVersions(a.version, b.version);
  });
}

/** The batch and check directives of a script, each batch with the statement it stands before. */
function scriptData(
  comments: readonly Comment[],
  statementStarts: readonly number[],
): ScriptData | undefined {
  const { batches, checks } = dataDirectives(comments);
  if (!batches.length && !checks.length) return undefined;
  return {
    batches: batches.map((b) => ({
      statement: statementAfter(b.end, statementStarts) ?? -1,
      ...(b.options ? { options: b.options } : {}),
      ...(b.error ? { error: b.error } : {}),
    })),
    checks: checks.map((c) => ({ when: c.when, sql: c.sql })),
  };
}

/**
 * One whole SQL file as a script (seed files): the same reading, UTF-8 check, split and
 * no-transaction directive as a migration's; problems are returned, never thrown.
 */
export function readScriptFile(
  file: string,
  baseDir: string,
): { script?: MigrationScript; problems: MigrationProblem[] } {
  const d = new Discovery(baseDir);
  const content = d.read(file);
  if (!content) return { problems: d.problems };
  const split = splitStatements(content.bytes);
  const noTx = runsOutsideTransaction(split.comments);
  return {
    script: d.script(file, content.bytes, 0, content.bytes.length, noTx, split),
    problems: d.problems,
  };
}

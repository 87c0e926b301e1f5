/** Creates the files of a new, empty migration in the directory's own layout and numbering style. */
import { existsSync, mkdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Layout } from '../config';
import { PgshiftError } from '../errors';
import { discoverMigrations } from './discover';
import { compareVersions, detectLayout, migrationFileNames } from './layouts';
import type { ConcreteLayout, Migration } from './model';

export interface NewMigrationOptions {
  /** the clock, for tests; versions are UTC */
  now?: Date;
  /** true: next number in sequence; false: a timestamp; unset: follow what the directory already does */
  sequential?: boolean;
  /** the SQL of the up and down scripts instead of the empty template (pgshift expand) */
  content?: { up: string; down: string };
}

/** Lower-case `[a-z0-9_]` only, so the name is safe in any file system and any tool's parser. */
export function sanitizeMigrationName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 100)
    .replace(/_+$/, '');
}

/** Returns the absolute paths of the files it created. Never overwrites anything. */
export function createMigration(
  dir: string,
  layout: Layout,
  name: string,
  opts: NewMigrationOptions = {},
): string[] {
  const slug = sanitizeMigrationName(name);
  if (!slug) {
    throw new PgshiftError(`migration name ${JSON.stringify(name)} has no letters or digits`, {
      hint: 'name it after what it does, e.g. `pgshift new add_customers_email`',
      exitCode: 2,
    });
  }
  const abs = resolve(dir);
  const concrete: ConcreteLayout = layout === 'auto' ? detectLayout(abs).layout : layout;
  const existing = existsSync(abs)
    ? discoverMigrations(abs, concrete).migrations.filter((m) => !m.repeatable)
    : [];
  const version = nextVersion(concrete, existing, opts);
  const clash = existing.find((m) => compareVersions(m.version, version) === 0);
  if (clash) {
    throw new PgshiftError(`version ${version} already exists: ${clash.up.file}`, {
      hint: 'nothing was written; wait a second for a new timestamp and run it again',
      exitCode: 2,
    });
  }

  const files = migrationFileNames(concrete, version, slug).map((f) => join(abs, f));
  const created: string[] = [];
  const createdDirs: string[] = [];
  try {
    mkdirSync(abs, { recursive: true });
    // diesel's and Prisma's migrations are folders of their own
    const folder = dirname(files[0]);
    if (folder !== abs) {
      mkdirSync(folder); // throws EEXIST rather than writing into someone's folder
      createdDirs.push(folder);
    }
    for (const f of files) {
      const text = opts.content
        ? filled(concrete, basename(f), opts.content)
        : template(concrete, basename(f), version, slug);
      writeFileSync(f, text, { flag: 'wx' });
      created.push(f);
    }
  } catch (e) {
    for (const f of created) rmSync(f, { force: true });
    for (const d of createdDirs) rmdirSync(d);
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EEXIST')
      throw new PgshiftError(`refusing to overwrite ${err.path ?? 'an existing file'}`, {
        hint: 'pick another name, or wait a second for a new timestamp',
        exitCode: 2,
      });
    throw new PgshiftError(`cannot create the migration in ${abs}: ${err.message}`, {
      hint: 'check that the directory is writable',
    });
  }
  return created;
}

function isSequential(existing: Migration[]): boolean {
  return existing.length > 0 && existing.every((m) => /^\d{1,9}$/.test(m.version));
}

function nextVersion(layout: ConcreteLayout, existing: Migration[], opts: NewMigrationOptions): string {
  const sequential = opts.sequential ?? isSequential(existing);
  if (sequential) {
    const numbers = existing
      .map((m) => /^\d+/.exec(m.version)?.[0])
      .filter((v): v is string => v !== undefined);
    const width = numbers.length ? Math.max(...numbers.map((v) => v.length)) : layout === 'flyway' ? 1 : 6;
    const max = numbers.reduce((a, v) => (BigInt(v) > a ? BigInt(v) : a), 0n);
    return (max + 1n).toString().padStart(width, '0');
  }
  const t = (opts.now ?? new Date()).toISOString(); // 2026-01-02T03:04:05.678Z
  const [date, time] = [t.slice(0, 10), t.slice(11, 19).replace(/:/g, '')];
  if (layout !== 'diesel') return date.replace(/-/g, '') + time;
  // diesel's own `migration generate` style; newer diesel adds '-0000', so follow the latest folder
  const latest = existing.length ? basename(dirname(existing[existing.length - 1].up.file)) : '';
  return `${date}-${time}` + (/^\d{4}-\d\d-\d\d-\d{6}-\d{4}_/.test(latest) ? '-0000' : '');
}

/** Which file of the layout holds the up script, and which the down (dbmate: one file, both). */
function filled(layout: ConcreteLayout, file: string, content: { up: string; down: string }): string {
  switch (layout) {
    case 'dbmate':
      return `-- migrate:up\n${content.up}\n-- migrate:down\n${content.down}`;
    case 'goose':
      return `-- +goose Up\n${content.up}\n-- +goose Down\n${content.down}`;
    case 'node-pg-migrate':
      return `-- Up Migration\n${content.up}\n-- Down Migration\n${content.down}`;
    case 'liquibase': {
      const id = basename(file, '.sql');
      const rollback = content.down
        .split(/\r?\n/)
        .filter((l) => l.trim() !== '')
        .map((l) => `--rollback ${l}`)
        .join('\n');
      return `--liquibase formatted sql\n\n--changeset pgshift:${id}\n${content.up}\n${rollback}\n`;
    }
    // one file per direction: which one this is
    case 'golang-migrate':
    case 'sqlx':
      return file.endsWith('.down.sql') ? content.down : content.up;
    case 'flyway':
      return file.startsWith('U') ? content.down : content.up;
    case 'diesel':
      return file === 'down.sql' ? content.down : content.up;
    case 'prisma':
      return content.up;
  }
}

function template(layout: ConcreteLayout, file: string, version: string, name: string): string {
  const tip =
    '-- To run this file outside a transaction (CREATE INDEX CONCURRENTLY), add the line: -- pgshift:no-transaction\n';
  switch (layout) {
    case 'golang-migrate':
      return file.endsWith('.up.sql')
        ? `-- ${version} ${name}: up\n${tip}\n`
        : `-- ${version} ${name}: down (undo everything the up file did, in reverse order)\n\n`;
    case 'dbmate':
      return '-- migrate:up\n\n\n-- migrate:down\n\n';
    case 'flyway':
      return file.startsWith('V')
        ? `-- ${version} ${name}\n${tip}\n`
        : `-- ${version} ${name}: undo (undo everything V${version}__${name}.sql did, in reverse order)\n\n`;
    case 'prisma':
      return `-- ${version} ${name}\n${tip}\n`;
    case 'goose':
      return '-- +goose Up\n\n\n-- +goose Down\n\n';
    case 'node-pg-migrate':
      return '-- Up Migration\n\n\n-- Down Migration\n\n';
    case 'liquibase':
      return `--liquibase formatted sql\n\n--changeset pgshift:${version}_${name}\n-- To run it outside a transaction (CREATE INDEX CONCURRENTLY), add runInTransaction:false to the line above\n\n\n--rollback \n`;
    case 'sqlx':
      return file.endsWith('.up.sql')
        ? `-- ${version} ${name}: up\n-- To run this file outside a transaction, make its first line: -- no-transaction\n\n`
        : `-- ${version} ${name}: down (undo everything the up file did, in reverse order)\n\n`;
    case 'diesel':
      return file === 'up.sql'
        ? '-- Your SQL goes here\n'
        : '-- This file should undo anything in `up.sql`\n';
  }
}

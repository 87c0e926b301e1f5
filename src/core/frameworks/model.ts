/**
 * Code-based migration frameworks (Django, Rails, Alembic, Knex, Sequelize, TypeORM, Entity Framework):
 * pgshift reads their files and their own tracking table, lints the SQL strings their migrations hold,
 * and never runs them: their table is the truth, and their own command applies them.
 */
import type { MigrationProblem } from '../migrations/model';

export type CodeTool = 'django' | 'rails' | 'alembic' | 'knex' | 'sequelize' | 'typeorm' | 'efcore';

export const CODE_TOOLS: readonly CodeTool[] = [
  'django',
  'rails',
  'alembic',
  'knex',
  'sequelize',
  'typeorm',
  'efcore',
];

export const TOOL_TITLES: Record<CodeTool, string> = {
  django: 'Django',
  rails: 'Rails (Active Record)',
  alembic: 'Alembic',
  knex: 'Knex',
  sequelize: 'Sequelize',
  typeorm: 'TypeORM',
  efcore: 'Entity Framework Core',
};

/** Why pgshift believes a project uses a tool, in words a person can check. */
export interface CodeDetection {
  tool: CodeTool;
  /** absolute project root the detection was made from */
  root: string;
  /** absolute migrations directories (Django: one per app) */
  dirs: string[];
  reasons: string[];
  /** tool settings found in its config: a custom table name, a data-source file */
  settings: { table?: string; schema?: string; dataSource?: string };
}

export interface CodeMigration {
  /** the identity the tool's table stores (Django `app.name`, Rails version, Knex file name, ...) */
  key: string;
  /** what to show: the file's name, or Django's `app 0002_x` */
  label: string;
  file: string;
  /** Django: the app label */
  app?: string;
  /** Alembic: this revision's parents (empty for a root) */
  parents?: string[];
  /** Django squashed migrations: the keys it replaces */
  replaces?: string[];
  /** TypeORM: the timestamp column's value (the class name's last 13 digits) */
  timestamp?: string;
}

export interface CodeMigrationSet {
  tool: CodeTool;
  dirs: string[];
  /** in the tool's apply order (Alembic: parents before children) */
  migrations: CodeMigration[];
  problems: MigrationProblem[];
  /**
   * Django: files the apply order leaves out, still linted: the migrations a squashed one stands in
   * for, or a squashed one that cannot be used because only some of what it replaces is applied
   */
  superseded?: CodeMigration[];
  /** Alembic: revisions no other revision names as its parent */
  heads?: string[];
}

/** One row of the tool's table, by the same key as CodeMigration.key. */
export interface CodeRecord {
  key: string;
  /** ISO-like text, when the table keeps a time */
  appliedAt: string | null;
  /** Knex: the batch it was applied in */
  batch?: number;
}

export interface CodeSnapshot {
  tool: CodeTool;
  /** `schema.table` as read, for messages */
  table: string;
  /** false: the table does not exist yet (nothing applied by the tool) */
  exists: boolean;
  records: CodeRecord[];
  /** Knex: knex_migrations_lock says a run holds the lock */
  locked?: boolean;
  /** Rails: ar_internal_metadata's environment */
  environment?: string;
}

export type CodeState = 'applied' | 'pending' | 'unknown-in-db';

export interface CodeStatusRow {
  key: string;
  label: string;
  state: CodeState;
  file?: string;
  appliedAt: string | null;
  batch?: number;
}

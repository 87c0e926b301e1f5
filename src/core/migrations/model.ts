/**
 * A migration as every layout describes it: a version, a name, an up script and maybe a down script.
 * The runner, the linter's directory context, the tree view and the report all work on this model.
 */
import type { Layout } from '../config';
import type { BatchOptions } from '../sql/directives';

export type ConcreteLayout = Exclude<Layout, 'auto'>;

export interface MigrationScript {
  /** absolute path of the file holding the script */
  file: string;
  /** the SQL to run (for dbmate: only this section of the file) */
  sql: string;
  /** byte offset of `sql` within `file` (non-zero for dbmate sections), so statement positions map back */
  offset: number;
  /** sha256 hex of the script's bytes */
  checksum: string;
  /** `-- pgshift:no-transaction`, dbmate `transaction:false`, or Flyway `executeInTransaction=false` */
  noTransaction: boolean;
  /**
   * What discovery's split already found, so the runner need not read and split the file again: the
   * statements as byte ranges of `sql` (without their `;`), and the 1-based line where `sql` starts.
   */
  split?: { line: number; ranges: readonly { start: number; end: number }[] };
  /** `-- pgshift:batch` and `-- pgshift:check-before/after` directives, when the script has any */
  data?: ScriptData;
}

export interface ScriptData {
  /** `statement`: index of the statement the directive stands before (-1: none follows it) */
  batches: { statement: number; options?: BatchOptions; error?: string }[];
  checks: { when: 'before' | 'after'; sql: string }[];
}

/** A Liquibase changeset: its identity and what its databasechangelog row records. */
export interface LiquibaseChangeSet {
  id: string;
  author: string;
  /** FILENAME: the changelog's logicalFilePath, else filenamePrefix + its path relative to migrationsDir */
  filename: string;
  /** MD5SUM as Liquibase 4.22+ computes it (checksum version 9): '9:<32 hex>' */
  checksum: string;
  /** COMMENTS: `--comment:` (255 characters at most), '' without one */
  comments: string;
  /** CONTEXTS and LABELS as Liquibase writes them; null without any */
  contexts: string | null;
  labels: string | null;
  /** `--validCheckSum:` values: a recorded MD5SUM among them (or ANY) is not a modification */
  validCheckSums: string[];
  runOnChange: boolean;
  runAlways: boolean;
}

export interface Migration {
  /** the version as written in the file name: '20260101090000', '0001', '1.2.3' */
  version: string;
  /** human name from the file name: 'create_customers' */
  name: string;
  up: MigrationScript;
  down?: MigrationScript;
  /** Flyway R__ scripts: no version, re-run when their checksum changes */
  repeatable?: boolean;
  /** layout liquibase: the changeset this migration is (version is its place in the changelogs) */
  changeSet?: LiquibaseChangeSet;
}

export interface MigrationProblem {
  severity: 'error' | 'warning' | 'info';
  file: string;
  message: string;
}

export interface MigrationSet {
  dir: string;
  layout: ConcreteLayout;
  /** in apply order (compareVersions), repeatables last */
  migrations: Migration[];
  /** duplicate versions, unreadable or non-UTF-8 files, ups without downs, empty files, ... */
  problems: MigrationProblem[];
}

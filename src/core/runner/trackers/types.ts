/**
 * The interface every migration tool's tracking table is kept through. One module per tool in this
 * folder implements it; index.ts lists them. A tool either lets pgshift run its migrations (pgshift
 * then writes the tool's table exactly as the tool would, in the migration's own transaction) or is
 * read-only: its table is the truth, and pgshift's runner refuses with the tool's own command.
 */
import type { Driver } from '../../db/driver';
import type { ConcreteLayout, Migration } from '../../migrations/model';
import type { Write } from '../write';

export type ForeignKind =
  'golang-migrate' | 'dbmate' | 'flyway' | 'prisma' | 'goose' | 'sqlx' | 'node-pg-migrate' | 'liquibase';

export interface ForeignTable {
  kind: ForeignKind;
  schema: string;
  table: string;
}

export interface ForeignRecord {
  /** the version as the foreign table stores it */
  version: string;
  appliedAt: string | null;
  executionMs: number | null;
  /** false: the foreign tool says this version is half-done (golang-migrate dirty, Flyway success = false) */
  success: boolean;
  /** the migration's name, when the table records it (Prisma's migration_name after its timestamp) */
  name?: string;
  /**
   * sha256 hex of the script as applied, when the tool records one pgshift computes the same way
   * (Prisma): an edited file is then 'modified' even when pgshift did not apply it
   */
  checksum?: string;
}

export interface ForeignSnapshot {
  table: ForeignTable;
  /** per version, the latest record (applied ones and failed ones) */
  records: ForeignRecord[];
  /** golang-migrate and Flyway baselines: every version up to this one counts as applied */
  upTo?: string;
}

/** The writes of one tool, on the caller's session (inside the migration's transaction when it has one). */
export interface TrackerWriter {
  /** Before a non-transactional script runs (golang-migrate marks the version dirty). */
  started(driver: Driver, m: Migration): Promise<void>;
  /**
   * The table's change for a successful step, as writes to run in order inside the step's
   * transaction; none reads anything back, so the runner pipelines them with the history row.
   * `latestApplied` is the newest version applied once this step is done.
   */
  stepWrites(
    direction: 'up' | 'down',
    m: Migration,
    executionMs: number | 'server',
    latestApplied: string | undefined,
  ): Write[];
  /** A non-transactional script failed or was interrupted. */
  failed(driver: Driver, m: Migration, direction: 'up' | 'down', executionMs: number): Promise<void>;
  /**
   * `pgshift resolve`, when the tool needs more than the step writes (Flyway removes failed rows first);
   * without it, resolve writes what a successful up or down would.
   */
  resolved?(
    driver: Driver,
    m: Migration,
    as: 'applied' | 'rolled-back',
    latestApplied: string | undefined,
  ): Promise<'done' | 'as-step'>;
}

/** A tool whose own runner applies its migrations: pgshift shows and lints them, and refuses to run them. */
export interface ReadOnlyMode {
  /** the tool's own command that applies its migrations, named in the refusal: 'prisma migrate deploy' */
  command: string;
  /**
   * true: `runner.runFrameworkMigrations` in the config lets pgshift apply them anyway (with the
   * tool's table written as the tool does); false: never (code-based tools)
   */
  overridable: boolean;
}

export interface Tracker {
  kind: ForeignKind;
  /** the tables it may own, in the current schema */
  tables: readonly string[];
  /** whether this table (one of `tables`, with these columns) is this tool's */
  owns(table: string, columns: readonly string[]): boolean;
  /**
   * The layouts whose runs consult this table. Undefined: the classic layouts (golang-migrate,
   * dbmate, flyway, diesel), which are kept in step with any classic tool's table they find.
   */
  layouts?: readonly ConcreteLayout[];
  read(driver: Driver, t: ForeignTable): Promise<ForeignSnapshot>;
  /** a version as the tool tells versions apart (golang-migrate by number, Flyway per numeric part) */
  key(version: string): string;
  /** with a baseline (`upTo`): whether `version` is below it */
  below?(version: string, upTo: string): boolean;
  /**
   * The version a migration's record has, when the tool names records otherwise than by the
   * migration's version (Liquibase: FILENAME::ID::AUTHOR); `key` is applied to it as to a record's.
   */
  recordVersion?(m: Migration): string;
  /** the checksum it records for a migration, when not pgshift's sha256 of the up script (sqlx: SHA-384) */
  scriptChecksum?(m: Migration): string;
  /** whether a recorded checksum still fits the migration, when more than equality (Liquibase's validCheckSum) */
  checksumMatches?(m: Migration, recorded: string): boolean;
  /**
   * The tool's own lock, taken for a run beside pgshift's (Liquibase's databasechangeloglock); throws
   * when another run of the tool holds it. Returns the release.
   */
  lock?(driver: Driver, t: ForeignTable): Promise<() => Promise<void>>;
  /** the statements that create the table as the tool does, for a run on a database that has none yet */
  create?(schema: string): string[];
  readOnly?: ReadOnlyMode;
  writer(t: ForeignTable): TrackerWriter;
}

export function numericKey(v: string): bigint | undefined {
  return /^\d+$/.test(v) ? BigInt(v) : undefined;
}

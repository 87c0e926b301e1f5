/**
 * The report: validation and performance estimate of a set of migrations, as plain JSON-safe data.
 * The CLI renders it (html, md, json), the webview renders the same object, Export writes it. Pure
 * types only: this module is also compiled into the browser bundle. Nothing in it may hold a secret:
 * targets are described by describeTarget(), never by their URL.
 */

// Type-only: the webview bundle compiles this file and gets no code from these modules.
import type { BackupSummary } from '../runner/backup';
import type { WorkKind } from '../pg/facts';
import type { Blocks, LockMode } from '../pg/lock-modes';

export type { Blocks, WorkKind };
export type LockModeName = LockMode;

export type AuditSeverity = 'critical' | 'high' | 'medium' | 'low';

export type ReportScope = { kind: 'migration'; version: string } | { kind: 'pending' } | { kind: 'all' };

export interface Report {
  /** bump when a field changes meaning */
  schemaVersion: 1;
  generatedAt: string;
  pgshiftVersion: string;
  title: string;
  scope: ReportScope;
  /** e.g. 'pending migrations (3)' */
  scopeLabel: string;
  project: { migrationsDir: string; layout: string };
  /** absent when the report was made from the files alone */
  target?: ReportTarget;
  /** the major version the lock rules were applied for (the server's, else the config's) */
  postgresVersion: number;
  migrations: MigrationReport[];
  lint: LintSection;
  validation: ValidationSection;
  reversibility: ReversibilitySection;
  preflight: PreflightSection;
  postApply: PostApplySection;
  performance: PerformanceSection;
  score: AuditScore;
  /** what could not be done, and why (no database, no privilege, a check that timed out, ...) */
  notes: string[];
}

export interface ReportTarget {
  /** describeTarget(): never a password */
  description: string;
  kind: 'pg' | 'pglite';
  /** 'PostgreSQL 18.1' */
  serverVersion: string;
  serverVersionNum: number;
}

export interface MigrationReport {
  version: string;
  name: string;
  /** relative to the migrations directory */
  file: string;
  downFile?: string;
  /** from the runner's status on the target; 'pending' when no target */
  state: string;
  appliedAt?: string | null;
  /** measured when it was applied */
  executionMs?: number | null;
  noTransaction: boolean;
  /** `-- pgshift:phase`: one phase of an expand/contract group */
  phase?: { phase: string; group: string };
  /** in scope: estimated, checked; out of scope: listed for context only */
  inScope: boolean;
  statements: StatementReport[];
  /** sums over the statements; null when nothing was estimated */
  estimatedSeconds: number | null;
  estimatedRange: { low: number; high: number } | null;
  /** the longest time any relation stays locked against writes (reads too when blocksReads) */
  longestBlock: { relation: string; seconds: number; blocks: Blocks } | null;
  /** lock_timeout to set for this migration (the shortest any of its statements needs) */
  recommendedLockTimeout: string | null;
  findings: ReportFinding[];
  /** what the runner copies into the archive before it (backups on and a target given): size and ≈ time */
  backup?: BackupSummary;
}

export interface StatementReport {
  /** 0-based within the migration */
  index: number;
  /** 1-based line in the file */
  line: number;
  sql: string;
  /** 'CREATE INDEX', 'ALTER TABLE', ... */
  command: string;
  /** one line: 'CREATE INDEX orders_placed_at_idx ON orders (placed_at)' style summary of what it does */
  summary: string;
  inTransaction: boolean;
  locks: StatementLock[];
  work: WorkKind;
  /** why: 'rewrites orders and its 3 indexes', 'scans orders to check NOT NULL', ... */
  workDetail: string;
  /** the main table, with its size when a target was read */
  table?: TableStats;
  /** seconds; null when no target was given or the statement could not be estimated */
  estimatedSeconds: number | null;
  estimate: StatementEstimate | null;
  /** seconds the statement's strongest lock is held: to the end of its transaction */
  lockHoldSeconds: number | null;
  /** seconds from the start of the migration (for the timeline) */
  startsAt: number | null;
  /** sessions holding a conflicting lock right now, that the statement would wait for */
  queueBehind: LongTransaction[];
  /** `-- pgshift:batch` stands before it: run in keyset batches, each its own short transaction */
  batch?: BatchEstimate;
  recommendedLockTimeout: string | null;
}

export interface BatchEstimate {
  /** the directive's options as written: 'size=5000 key=id delay=10ms' ('' for the defaults) */
  options: string;
  size: number | 'auto';
  delayMs: number;
  targetMs: number;
  /** from the estimate, when a target was read: rows it will touch, batches, one batch's seconds */
  rows?: number;
  batches?: number;
  batchSeconds?: number;
}

export interface StatementLock {
  relation: string;
  mode: LockModeName;
  blocks: Blocks;
  /** 'rewrites the table', 'validates the FK against it', ... */
  why: string;
  /** the relation is created by this migration set: nobody else can be blocked */
  isNew?: boolean;
}

export interface TableStats {
  name: string;
  exists: boolean;
  rows: number;
  /** heap bytes (pg_relation_size) */
  bytes: number;
  /** everything: heap, toast, indexes */
  totalBytes: number;
  indexes: number;
  /** reltuples was never set by ANALYZE: rows were counted or read from pg_stat_user_tables */
  rowsSource: 'reltuples' | 'n_live_tup' | 'count' | 'none';
}

export interface StatementEstimate {
  low: number;
  high: number;
  /** 'sample': the statement ran on a sampled copy and was scaled; 'model': from the server calibration; 'catalog': no data to touch */
  method: 'sample' | 'model' | 'catalog' | 'unknown';
  /** human: 'ran on a 50 000-row sample (1.0 %) in 0.21 s; scaled by rows × log rows' */
  basis: string;
  /** measured on the sample: the table (or an index) got a new relfilenode */
  rewroteSample?: boolean;
}

export interface LongTransaction {
  pid: number;
  user: string | null;
  application: string | null;
  state: string | null;
  /** seconds since the transaction began */
  ageSeconds: number;
  /** the first 120 characters of its current or last query, with literals that look like secrets removed */
  query: string | null;
  /** the lock it holds that conflicts, when known: 'AccessShareLock on orders' */
  holds?: string;
}

export interface ReportFinding {
  rule: string;
  severity: 'error' | 'warning' | 'info' | 'hint';
  message: string;
  /** 1-based */
  line: number;
  help: string;
  /** down script findings carry 'down' */
  script: 'up' | 'down';
}

export interface LintSection {
  counts: { error: number; warning: number; info: number; hint: number };
  /** by severity, then file order */
  bySeverity: {
    severity: 'error' | 'warning' | 'info' | 'hint';
    findings: (ReportFinding & { version: string; file: string })[];
  }[];
}

export interface ValidationSection {
  /** false when no target was read: drift and order could not be checked */
  checkedDatabase: boolean;
  problems: { severity: 'error' | 'warning' | 'info'; kind: string; message: string; version?: string }[];
  /** versions in scope without a down script */
  missingDowns: string[];
}

export type VerifyVerdict =
  | 'restored'
  | 'restored-with-notes'
  | 'not-restored'
  | 'missing-down'
  | 'up-failed'
  | 'down-failed'
  | 'reapply-failed'
  | 'reapply-differs'
  | 'not-run';

export interface VerifyMigrationResult {
  version: string;
  name: string;
  verdict: VerifyVerdict;
  /** one line per schema difference: '- public.orders #4 status text not null' / '+ ...' */
  differences: string[];
  /** differences that do not change behaviour (a constraint left validated) */
  notes: string[];
  error?: string;
  durations: { upMs: number | null; downMs: number | null; reapplyMs: number | null };
}

export interface ReversibilitySection {
  ran: boolean;
  /** 'embedded PGlite (temporary directory)' or 'throwaway database pgshift_verify_x on postgres://...' */
  where?: string;
  results: VerifyMigrationResult[];
  skippedReason?: string;
}

export type PreflightKind = 'not-null' | 'unique' | 'check' | 'foreign-key' | 'type-cast' | 'required-column';

export interface PreflightCheck {
  version: string;
  line: number;
  kind: PreflightKind;
  table: string;
  /** 'orders.customer_id NOT NULL', 'UNIQUE (email)', ... */
  constraint: string;
  status: 'ok' | 'violations' | 'skipped' | 'error';
  violations: number;
  /** up to 3 rows, values shortened */
  examples: Record<string, string | null>[];
  /** the read-only query that was run */
  query?: string;
  message: string;
  ms?: number;
}

export interface PreflightSection {
  ran: boolean;
  skippedReason?: string;
  checks: PreflightCheck[];
}

export type PostApplyKind = 'fk-without-index' | 'invalid-index' | 'not-valid-constraint' | 'no-primary-key';

export interface PostApplyIssue {
  kind: PostApplyKind;
  /** 'public.orders' */
  table: string;
  object: string;
  message: string;
  /** a statement that fixes it */
  fix?: string;
  /** 'target' = seen on the database now; 'after-migrations' = in the schema the migrations produce (scratch database) */
  where: 'target' | 'after-migrations';
}

export interface PostApplySection {
  ran: boolean;
  skippedReason?: string;
  issues: PostApplyIssue[];
}

export interface Calibration {
  /** 'scratch table in a rolled-back transaction', 'temporary table', or why none could be made */
  method: string;
  rows: number;
  /** MB/s of a sequential scan, rows/s of a sort, ... as measured */
  seqScanMBps: number;
  sortRowsPerSec: number;
  indexBuildRowsPerSec: number;
  rewriteMBps: number;
  updateRowsPerSec: number;
  /** serial / parallel time of an index build with one worker; 1 when parallel builds are off */
  parallelSpeedup: number;
  ms: number;
}

export interface PerformanceSection {
  ran: boolean;
  skippedReason?: string;
  calibration?: Calibration;
  /** sessions whose transaction has been open for a while now */
  longTransactions: LongTransaction[];
  /** the settings that shaped the estimate */
  settings: Record<string, string>;
  totalEstimatedSeconds: number | null;
}

export interface ScoreItem {
  severity: AuditSeverity;
  title: string;
  points: number;
  version?: string;
}

export interface ScoreCategory {
  id: 'lint' | 'validation' | 'reversibility' | 'preflight' | 'performance' | 'post-apply';
  label: string;
  /** the most points the category can take off */
  cap: number;
  deducted: number;
  evaluated: boolean;
  items: ScoreItem[];
}

export interface AuditScore {
  score: number;
  /** 'A'..'F' */
  grade: string;
  counts: Record<AuditSeverity, number>;
  breakdown: ScoreCategory[];
}

/**
 * The report facade: one call, used by `pgshift report`, `pgshift verify` and the VS Code panel alike.
 * The caller resolves the target and opens the driver (or gives none: files only), discovers the
 * migrations, and gets back a Report (plain data) to render as html, markdown or json. Every part that
 * cannot be done (no database, no privilege, a check that times out) becomes a note; the rest goes on.
 */
import type { PgshiftConfig } from '../config';
import type { Driver, ServerVersion } from '../db/driver';
import type { MigrationSet } from '../migrations/model';
import { status, validate, type MigrationStatus, type RunnerSettings } from '../runner';
import { PGSHIFT_VERSION } from '../version';
import { backupSummary, sizeBackup, type BackupSettings } from '../runner/backup';
import { finishMigration, lintSection, mergeIssues, scopeLabel, titleOf } from './assemble';
import { calibrate } from './calibrate';
import { openTransactions, serverSettings, type OpenTransaction } from './catalog';
import { Estimator } from './estimate';
import { round } from './format';
import { createdRelations, isPending, planInScope, type Planned } from './in-scope';
import type { PerformanceSection, Report, ReportScope, StatementReport } from './model';
import { postApplyChecks } from './postapply';
import { preflight, type PreflightStatement } from './preflight';
import { SampleProbe } from './probe';
import { redactSecrets } from './redact';
import { scoreReport } from './score';
import { verifyMigrations, type VerifyScratch } from './verify';

export type { Report } from './model';
export type { VerifyScratch, VerifyOutcome } from './verify';
export { verifyMigrations } from './verify';
export { renderHtml } from './render-html';
export { renderMarkdown } from './render-md';
export { renderJson } from './render-json';

export interface ReportRequest {
  set: MigrationSet;
  config: PgshiftConfig;
  scope: ReportScope;
  /** an open session on the target (the caller opens and closes it); absent: from the files alone */
  driver?: Driver;
  /** describeTarget() of the driver's target: never a password */
  targetDescription?: string;
  /** the runner section with the environment's overrides */
  settings?: Partial<RunnerSettings>;
  /** where up → down → up is checked; false skips it (default: embedded PGlite) */
  verify?: VerifyScratch | false;
  /** calibrate and sample on the target (default true with a driver) */
  estimate?: boolean;
  /** pre-flight data checks on the target (default true with a driver) */
  preflight?: boolean;
  onProgress?: (message: string) => void;
  signal?: AbortSignal;
  /** a transaction open at least this long is listed and checked for conflicts (default 5 s) */
  openTransactionSeconds?: number;
  /** for stable output in tests */
  now?: Date;
  /** the target's backup settings: a pending migration that destroys data says what will be copied first */
  backup?: BackupSettings;
}

export async function buildReport(req: ReportRequest): Promise<Report> {
  const notes: string[] = [];
  const progress = req.onProgress ?? ((): void => undefined);
  const driver = req.driver;
  let server: ServerVersion | undefined;
  if (driver)
    server = await driver
      .serverVersion()
      .catch((e: Error) => void notes.push(`could not read the server version: ${e.message}`));
  const pgVersion = server?.major ?? req.config.postgresVersion;

  progress('reading migration status');
  let statuses: MigrationStatus[] = [];
  try {
    statuses = (await status({ driver, set: req.set, settings: req.settings })).migrations;
  } catch (e) {
    notes.push(`could not read the migration status on the target: ${(e as Error).message}`);
  }
  progress('linting and analysing locks');
  const planned = await planInScope({
    set: req.set,
    config: req.config,
    settings: req.settings,
    scope: req.scope,
    pgVersion,
    statuses,
  });
  const pending = planned.filter(isPending);

  const performance: PerformanceSection = {
    ran: false,
    longTransactions: [],
    settings: {},
    totalEstimatedSeconds: null,
  };
  let estimator: Estimator | undefined;
  if (driver && req.estimate !== false) {
    estimator = await estimateAll(
      driver,
      pending,
      performance,
      notes,
      progress,
      req.openTransactionSeconds ?? 5,
    );
  } else {
    performance.skippedReason = driver
      ? 'turned off'
      : 'no database given: sizes, durations and open transactions need a target (--db or --env)';
  }
  const created = createdRelations(planned);
  for (const p of planned) finishMigration(p, created, (q) => estimator?.tableStats(q)?.exists);
  if (performance.ran) {
    const totals = planned.map((p) => p.report.estimatedSeconds).filter((x): x is number => x !== null);
    performance.totalEstimatedSeconds = totals.length ? round(totals.reduce((a, b) => a + b, 0)) : null;
  }

  if (driver && req.backup?.enabled) await sizeBackups(driver, pending, pgVersion, notes);
  const preflightSection = await runPreflight(req, pending, estimator, server, progress);
  const { reversibility, postApply } = await runReversibility(req, planned, notes, progress);
  const validation = await runValidation(req, planned, notes, progress);

  const migrations = planned.map((p) => p.report);
  const partial: Omit<Report, 'score'> = {
    schemaVersion: 1,
    generatedAt: (req.now ?? new Date()).toISOString(),
    pgshiftVersion: PGSHIFT_VERSION,
    title: titleOf(req.scope, migrations),
    scope: req.scope,
    scopeLabel: scopeLabel(req.scope, migrations.length),
    project: { migrationsDir: req.set.dir, layout: req.set.layout },
    ...(driver && server
      ? {
          target: {
            description: req.targetDescription ?? driver.description,
            kind: driver.kind,
            serverVersion: server.text.split(' on ')[0],
            serverVersionNum: server.num,
          },
        }
      : {}),
    postgresVersion: pgVersion,
    migrations,
    lint: lintSection(migrations),
    validation,
    reversibility,
    preflight: preflightSection,
    postApply,
    performance,
    notes,
  };
  // a message from a driver or a tool could carry a connection string: the model itself holds no secret
  return JSON.parse(redactSecrets(JSON.stringify({ ...partial, score: scoreReport(partial) }))) as Report;
}

/** The backup each pending migration will make first, as the runner plans and sizes it. */
async function sizeBackups(
  driver: Driver,
  pending: Planned[],
  pgVersion: number,
  notes: string[],
): Promise<void> {
  try {
    for (const p of pending) {
      const b = await sizeBackup(
        driver,
        p.report.statements.map((s) => ({ sql: s.sql, line: s.line })),
        pgVersion,
      );
      if (b) p.report.backup = backupSummary(b);
    }
  } catch (e) {
    notes.push(`could not size the backups: ${(e as Error).message}`);
  }
}

/** Calibration, sizes, open transactions, then every pending statement timed on a sampled copy. */
async function estimateAll(
  driver: Driver,
  pending: Planned[],
  performance: PerformanceSection,
  notes: string[],
  progress: (m: string) => void,
  openSeconds: number,
): Promise<Estimator> {
  progress('reading sizes and settings on the target');
  performance.settings = await serverSettings(driver).catch(() => ({}));
  let open: OpenTransaction[] = [];
  try {
    open = await openTransactions(driver, openSeconds);
  } catch (e) {
    notes.push(`could not list open transactions: ${(e as Error).message}`);
  }
  performance.longTransactions = open.map(({ locks: _locks, ...tx }) => tx);
  progress('calibrating on the target');
  const cal = await calibrate(driver);
  if (cal.note) notes.push(cal.note);
  if (cal.rates) performance.calibration = cal.rates;
  const estimator = new Estimator({
    driver,
    settings: performance.settings,
    rates: cal.rates,
    openTransactions: open,
  });
  await estimator.prepare(pending.flatMap((p) => p.items.map((it) => it.toEstimate)));
  let probe: SampleProbe | undefined;
  try {
    probe = await SampleProbe.start(driver);
  } catch (e) {
    notes.push(`could not open the sampling transaction: ${(e as Error).message}`);
  }
  try {
    for (const p of pending) {
      progress(`estimating ${p.migration.version} ${p.migration.name}`);
      for (let i = 0; i < p.items.length; i++) {
        const r = await estimator.estimate(p.items[i].toEstimate, probe);
        const s = p.report.statements[i];
        s.estimatedSeconds = r.seconds;
        s.estimate = r.estimate;
        if (r.table) s.table = r.table;
        s.queueBehind = estimator.queueBehind(p.items[i].analysis);
        if (s.batch) estimateBatches(s, estimator.plannedRows(p.items[i].toEstimate, s.table));
      }
    }
  } finally {
    if (probe) {
      notes.push(...probe.notes);
      await probe
        .finish()
        .catch((e: Error) => notes.push(`rolling back the sampling transaction failed: ${e.message}`));
    }
  }
  performance.ran = true;
  return estimator;
}

/** Pre-flight data checks, on the target, for the migrations not applied yet. */
async function runPreflight(
  req: ReportRequest,
  pending: Planned[],
  estimator: Estimator | undefined,
  server: ServerVersion | undefined,
  progress: (m: string) => void,
): Promise<Report['preflight']> {
  const driver = req.driver;
  if (!driver || req.preflight === false || !estimator) {
    return {
      ran: false,
      checks: [],
      skippedReason: !driver ? 'no database given: the data checks read the target' : 'turned off',
    };
  }
  progress('pre-flight data checks');
  const statements: PreflightStatement[] = pending.flatMap((p) =>
    p.items.map((it, i) => ({
      version: p.migration.version,
      line: p.report.statements[i].line,
      node: it.node,
      text: p.report.statements[i].sql,
    })),
  );
  try {
    const checks = await preflight(statements, {
      driver,
      relation: (q) => estimator.relation(q),
      serverVersionNum: server?.num ?? 0,
    });
    return { ran: true, checks };
  } catch (e) {
    return { ran: false, checks: [], skippedReason: `failed: ${(e as Error).message}` };
  }
}

/** up → down → up on a scratch database, then the post-apply checks of the schema it ends with and of the target. */
async function runReversibility(
  req: ReportRequest,
  planned: Planned[],
  notes: string[],
  progress: (m: string) => void,
): Promise<Pick<Report, 'reversibility' | 'postApply'>> {
  const postApply: Report['postApply'] = { ran: false, issues: [] };
  const reversibility: Report['reversibility'] = { ran: false, results: [] };
  const exclude = [req.settings?.historySchema ?? req.config.runner.historySchema];
  if (req.verify !== false && planned.length) {
    progress('verifying up → down → up on a scratch database');
    const versions = new Set(planned.map((p) => p.migration.version));
    try {
      const outcome = await verifyMigrations({
        set: req.set,
        settings: req.settings,
        scratch: req.verify ?? { kind: 'pglite' },
        check: (v) => versions.has(v),
        through: req.scope.kind === 'migration' ? planned[planned.length - 1]?.migration.version : undefined,
        onProgress: progress,
        signal: req.signal,
        afterAll: async (scratch) => {
          postApply.issues.push(
            ...(await postApplyChecks(scratch, { where: 'after-migrations', excludeSchemas: exclude })),
          );
          postApply.ran = true;
        },
      });
      reversibility.ran = true;
      reversibility.where = outcome.where;
      reversibility.results = outcome.results.filter((r) => versions.has(r.version));
    } catch (e) {
      reversibility.skippedReason = `could not run: ${(e as Error).message}`;
    }
  } else {
    reversibility.skippedReason = req.verify === false ? 'turned off' : 'no migration in scope';
  }
  if (req.driver) {
    try {
      postApply.issues = mergeIssues(
        postApply.issues,
        await postApplyChecks(req.driver, { where: 'target', excludeSchemas: exclude }),
      );
      postApply.ran = true;
    } catch (e) {
      notes.push(`post-apply checks on the target failed: ${(e as Error).message}`);
    }
  }
  if (!postApply.ran)
    postApply.skippedReason = 'needs the scratch database of the reversibility check or a target';
  return { reversibility, postApply };
}

/** Checksum drift, order problems and bad files, from the runner's validate; and the missing downs. */
async function runValidation(
  req: ReportRequest,
  planned: Planned[],
  notes: string[],
  progress: (m: string) => void,
): Promise<Report['validation']> {
  progress('validating checksums and order');
  const validation: Report['validation'] = {
    checkedDatabase: !!req.driver,
    problems: [],
    missingDowns: planned
      .filter((p) => !p.migration.down && !p.migration.repeatable)
      .map((p) => p.migration.version),
  };
  try {
    const v = await validate({ driver: req.driver, set: req.set, settings: req.settings });
    validation.checkedDatabase = v.checkedDatabase;
    // invalid indexes belong to the post-apply checks
    validation.problems = v.problems
      .filter((p) => p.kind !== 'invalid-index')
      .map((p) => ({
        severity: p.severity,
        kind: p.kind,
        message: p.message,
        ...(p.version ? { version: p.version } : {}),
      }));
  } catch (e) {
    notes.push(`validation failed: ${(e as Error).message}`);
  }
  return validation;
}

/**
 * A batched statement touches the same rows as the single statement, in keyset batches: its total is
 * the single statement's time times the batching overhead measured by bench/backfill.mjs (1.01× at
 * 1M rows, 1.71× at 5M: the range is ×1.0..×1.8 and the middle ×1.35), plus the delays between
 * batches; each batch holds its row locks for one batch's time, not for the whole statement.
 */
const BATCH_OVERHEAD = { low: 1.0, mid: 1.35, high: 1.8 };

export function estimateBatches(s: StatementReport, rows: number | null): void {
  const b = s.batch;
  if (!b || s.estimatedSeconds === null || rows === null) return;
  const single = s.estimatedSeconds;
  const rowsPerSecond = single > 0 ? rows / single : Infinity;
  const size =
    b.size === 'auto'
      ? Math.max(1, Math.min(Math.round((rowsPerSecond * b.targetMs) / 1000), 100_000))
      : b.size;
  const batches = Math.max(1, Math.ceil(rows / size));
  const delays = ((batches - 1) * b.delayMs) / 1000;
  const total = single * BATCH_OVERHEAD.mid;
  b.rows = Math.round(rows);
  b.batches = batches;
  b.batchSeconds = round(Math.max(total / batches, 0.001));
  s.estimatedSeconds = round(total + delays);
  if (s.estimate)
    s.estimate = {
      ...s.estimate,
      low: round(s.estimate.low * BATCH_OVERHEAD.low + delays),
      high: round(s.estimate.high * BATCH_OVERHEAD.high + delays),
      basis: `${s.estimate.basis}; batched: about ${batches.toLocaleString('en-US')} batches of ${size.toLocaleString('en-US')} rows${b.size === 'auto' ? ` (size=auto, target ${b.targetMs} ms)` : ''}, each its own transaction${b.delayMs ? `, ${b.delayMs} ms apart` : ''}; ×1.0–1.8 for batching (bench/backfill.mjs)`,
    };
}

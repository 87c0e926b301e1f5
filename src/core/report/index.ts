/**
 * The report facade: one call, used by `pgshift report`, `pgshift verify` and the VS Code panel alike.
 * The caller resolves the target and opens the driver (or gives none: files only), discovers the
 * migrations, and gets back a Report (plain data) to render as html, markdown or json. Every part that
 * cannot be done (no database, no privilege, a check that times out) becomes a note; the rest goes on.
 */
import { relative } from 'node:path';
import type { PgshiftConfig } from '../config';
import type { Driver } from '../db/driver';
import { lintFiles, lintOptionsFromConfig, type FileLintResult } from '../lint/lint-files';
import { formatName } from '../lint/ast';
import type { Stmt } from '../lint/types';
import { findMigration } from '../migrations/discover';
import type { Migration, MigrationSet } from '../migrations/model';
import { status, validate, type MigrationStatus, type RunnerSettings } from '../runner';
import { loadParser } from '../sql/parser';
import { PGSHIFT_VERSION } from '../version';
import { calibrate } from './calibrate';
import { openTransactions, serverSettings, type OpenTransaction } from './catalog';
import { Estimator, type StatementToEstimate } from './estimate';
import { analyzeStatement, blocksOf, type StatementAnalysis } from './locks-by-statement';
import type { MigrationReport, PerformanceSection, PostApplyIssue, Report, ReportFinding, ReportScope, StatementReport } from './model';
import { postApplyChecks } from './postapply';
import { preflight, type PreflightStatement } from './preflight';
import { SampleProbe } from './probe';
import { scoreReport } from './score';
import { computeTimeline, longestBlock } from './timeline';
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
}

interface Planned {
  migration: Migration;
  status?: MigrationStatus;
  report: MigrationReport;
  /** per statement: the analysis and what the estimator and pre-flight need */
  items: { analysis: StatementAnalysis; toEstimate: StatementToEstimate; node: Stmt['node']; txId: number }[];
}

export async function buildReport(req: ReportRequest): Promise<Report> {
  const notes: string[] = [];
  const progress = req.onProgress ?? ((): void => undefined);
  const driver = req.driver;
  let serverVersion: { num: number; major: number; text: string } | undefined;
  if (driver) {
    try {
      serverVersion = await driver.serverVersion();
    } catch (e) {
      notes.push(`could not read the server version: ${(e as Error).message}`);
    }
  }
  const pgVersion = serverVersion?.major ?? req.config.postgresVersion;

  progress('reading migration status');
  let statuses: MigrationStatus[] = [];
  try {
    statuses = (await status({ driver, set: req.set, settings: req.settings })).migrations;
  } catch (e) {
    notes.push(`could not read the migration status on the target: ${(e as Error).message}`);
  }
  const stateOf = (m: Migration): MigrationStatus | undefined => statuses.find((s) => s.version === m.version && s.name === m.name) ?? statuses.find((s) => s.version === m.version);
  const inScope = selectScope(req.set, req.scope, stateOf);

  progress('linting');
  const lintOptions = lintOptionsFromConfig(req.config, { postgresVersion: pgVersion });
  const files = [...new Set(req.set.migrations.flatMap((m) => [m.up.file, m.down?.file]).filter((f): f is string => !!f))];
  const lintResults = await lintFiles(files, lintOptions);
  const lintOf = new Map(lintResults.map((r) => [r.file, r]));
  const parser = await loadParser();

  const planned: Planned[] = [];
  for (const m of inScope) {
    const st = stateOf(m);
    const upLint = lintOf.get(m.up.file);
    const report: MigrationReport = {
      version: m.version,
      name: m.name,
      file: relative(req.set.dir, m.up.file),
      ...(m.down ? { downFile: relative(req.set.dir, m.down.file) } : {}),
      state: st?.state ?? 'pending',
      ...(st?.appliedAt !== undefined ? { appliedAt: st.appliedAt } : {}),
      ...(st?.executionMs !== undefined ? { executionMs: st.executionMs } : {}),
      noTransaction: m.up.noTransaction || (req.settings?.transactionMode ?? req.config.runner.transactionMode) === 'none',
      inScope: true,
      statements: [],
      estimatedSeconds: null,
      estimatedRange: null,
      longestBlock: null,
      recommendedLockTimeout: null,
      findings: [...findingsOf(upLint, m.up, 'up'), ...(m.down ? findingsOf(lintOf.get(m.down.file), m.down, 'down') : [])],
    };
    const items: Planned['items'] = [];
    if (upLint) {
      const stmts = statementsOf(upLint, m.up);
      for (let i = 0; i < stmts.length; i++) {
        const s = stmts[i];
        if (s.origin !== 'top') continue;
        const parsed = parser.parse(s.text);
        const node = parsed.ok && parsed.statements.length === 1 ? parsed.statements[0].node : s.node;
        const analysis = analyzeStatement(node, s.text, { postgresVersion: pgVersion });
        // SQL inside a DO block runs with the block: its locks are the block's
        for (let j = i + 1; j < stmts.length && stmts[j].origin === 'do-block'; j++) {
          const inner = analyzeStatement(stmts[j].node, stmts[j].text, { postgresVersion: pgVersion });
          for (const l of inner.locks) analysis.locks.push(l);
          if (inner.work !== 'catalog') {
            analysis.work = inner.work;
            analysis.workDetail = `runs ${inner.command}: ${inner.workDetail}`;
          }
        }
        const line = upLint.source.positionAt(s.range.start).line + 1;
        report.statements.push({
          index: report.statements.length,
          line,
          sql: s.text,
          command: analysis.command,
          summary: analysis.summary,
          inTransaction: s.inTransaction && !report.noTransaction,
          locks: [],
          work: analysis.work,
          workDetail: analysis.workDetail,
          estimatedSeconds: null,
          estimate: null,
          lockHoldSeconds: null,
          startsAt: null,
          queueBehind: [],
          recommendedLockTimeout: null,
        });
        items.push({ analysis, toEstimate: { analysis, sql: s.text }, node, txId: report.noTransaction ? 0 : s.inTransaction ? s.txId + 1 : 0 });
      }
    }
    planned.push({ migration: m, status: st, report, items });
  }

  const pending = planned.filter((p) => !p.status || p.status.state === 'pending' || p.status.state === 'out-of-order');
  const created = createdRelations(planned);

  const performance: PerformanceSection = { ran: false, longTransactions: [], settings: {}, totalEstimatedSeconds: null };
  let estimator: Estimator | undefined;
  if (driver && req.estimate !== false) {
    estimator = await estimateAll(driver, pending, performance, notes, progress, req.openTransactionSeconds ?? 5);
  } else {
    performance.skippedReason = driver ? 'turned off' : 'no database given: sizes, durations and open transactions need a target (--db or --env)';
  }

  // locks, with what they block and whether the relation is new, for every statement in scope
  for (const p of planned) {
    for (let i = 0; i < p.items.length; i++) {
      const a = p.items[i].analysis;
      const s = p.report.statements[i];
      s.locks = a.locks.map((l) => {
        const name = formatName(l.relation);
        const isNew = created.has(name) && (!estimator || !estimator.tableStats(l.relation)?.exists);
        return { relation: name, mode: l.mode, blocks: blocksOf(l.mode), why: l.why, ...(isNew ? { isNew: true } : {}) };
      });
      s.recommendedLockTimeout = recommendLockTimeout(s, a);
    }
    computeTimeline(p.report.statements, p.items.map((x) => x.txId));
    p.report.longestBlock = longestBlock(p.report.statements);
    const est = p.report.statements.filter((s) => s.estimatedSeconds !== null);
    if (est.length) {
      p.report.estimatedSeconds = round(est.reduce((t, s) => t + (s.estimatedSeconds ?? 0), 0));
      p.report.estimatedRange = { low: round(est.reduce((t, s) => t + (s.estimate?.low ?? 0), 0)), high: round(est.reduce((t, s) => t + (s.estimate?.high ?? 0), 0)) };
    }
    const timeouts = p.report.statements.map((s) => s.recommendedLockTimeout).filter((x): x is string => !!x);
    p.report.recommendedLockTimeout = timeouts.sort((a, b) => seconds(a) - seconds(b))[0] ?? null;
  }
  if (performance.ran) {
    const totals = planned.map((p) => p.report.estimatedSeconds).filter((x): x is number => x !== null);
    performance.totalEstimatedSeconds = totals.length ? round(totals.reduce((a, b) => a + b, 0)) : null;
  }

  // pre-flight data checks, on the target, for the migrations not applied yet
  const preflightSection: Report['preflight'] = { ran: false, checks: [] };
  if (driver && req.preflight !== false && estimator) {
    progress('pre-flight data checks');
    const statements: PreflightStatement[] = pending.flatMap((p) => p.items.map((it, i) => ({ version: p.migration.version, line: p.report.statements[i].line, node: it.node, text: p.report.statements[i].sql })));
    try {
      const est = estimator;
      preflightSection.checks = await preflight(statements, { driver, relation: (q) => est.relation(q), serverVersionNum: serverVersion?.num ?? pgVersion * 10000 });
      preflightSection.ran = true;
    } catch (e) {
      preflightSection.skippedReason = `failed: ${(e as Error).message}`;
    }
  } else {
    preflightSection.skippedReason = driver ? 'turned off' : 'no database given: the data checks read the target';
  }

  // reversibility on a scratch database, and the post-apply checks of the schema the migrations produce
  const postApply: Report['postApply'] = { ran: false, issues: [] };
  const reversibility: Report['reversibility'] = { ran: false, results: [] };
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
          postApply.issues.push(...(await postApplyChecks(scratch, { where: 'after-migrations', excludeSchemas: [historySchema(req)] })));
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
  if (driver) {
    try {
      const onTarget = await postApplyChecks(driver, { where: 'target', excludeSchemas: [historySchema(req)] });
      postApply.issues = mergeIssues(postApply.issues, onTarget);
      postApply.ran = true;
    } catch (e) {
      notes.push(`post-apply checks on the target failed: ${(e as Error).message}`);
    }
  }
  if (!postApply.ran) postApply.skippedReason = 'needs the scratch database of the reversibility check or a target';

  progress('validating checksums and order');
  const validation: Report['validation'] = { checkedDatabase: !!driver, problems: [], missingDowns: planned.filter((p) => !p.migration.down && !p.migration.repeatable).map((p) => p.migration.version) };
  try {
    const v = await validate({ driver, set: req.set, settings: req.settings });
    validation.checkedDatabase = v.checkedDatabase;
    validation.problems = v.problems.filter((p) => p.kind !== 'invalid-index').map((p) => ({ severity: p.severity, kind: p.kind, message: p.message, ...(p.version ? { version: p.version } : {}) }));
  } catch (e) {
    notes.push(`validation failed: ${(e as Error).message}`);
  }

  const migrations = planned.map((p) => p.report);
  const partial: Omit<Report, 'score'> = {
    schemaVersion: 1,
    generatedAt: (req.now ?? new Date()).toISOString(),
    pgshiftVersion: PGSHIFT_VERSION,
    title: titleOf(req.scope, migrations),
    scope: req.scope,
    scopeLabel: scopeLabel(req.scope, migrations.length),
    project: { migrationsDir: req.set.dir, layout: req.set.layout },
    ...(driver && serverVersion ? { target: { description: req.targetDescription ?? driver.description, kind: driver.kind, serverVersion: serverVersion.text.split(' on ')[0], serverVersionNum: serverVersion.num } } : {}),
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
  return { ...partial, score: scoreReport(partial) };
}

async function estimateAll(driver: Driver, pending: Planned[], performance: PerformanceSection, notes: string[], progress: (m: string) => void, openSeconds: number): Promise<Estimator> {
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
  const estimator = new Estimator({ driver, settings: performance.settings, rates: cal.rates, openTransactions: open });
  const all = pending.flatMap((p) => p.items.map((it) => it.toEstimate));
  await estimator.prepare(all);
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
      }
    }
  } finally {
    if (probe) {
      notes.push(...probe.notes);
      await probe.finish().catch((e: Error) => notes.push(`rolling back the sampling transaction failed: ${e.message}`));
    }
  }
  performance.ran = true;
  return estimator;
}

/** The migrations a scope names, in apply order. */
function selectScope(set: MigrationSet, scope: ReportScope, stateOf: (m: Migration) => MigrationStatus | undefined): Migration[] {
  const versioned = set.migrations;
  if (scope.kind === 'all') return versioned;
  if (scope.kind === 'migration') {
    const m = findMigration(set, scope.version);
    return m ? [m] : [];
  }
  return versioned.filter((m) => {
    const s = stateOf(m)?.state ?? 'pending';
    return s === 'pending' || s === 'out-of-order' || s === 'failed';
  });
}

/** Statements of one script (a dbmate file holds both sections: keep the script's byte range). */
function statementsOf(lint: FileLintResult, script: Migration['up']): Stmt[] {
  const start = script.offset;
  const end = start + Buffer.byteLength(script.sql, 'utf8');
  return lint.statements.filter((s) => s.range.start >= start && s.range.start < end);
}

function findingsOf(lint: FileLintResult | undefined, script: Migration['up'], which: 'up' | 'down'): ReportFinding[] {
  if (!lint) return [];
  const start = script.offset;
  const end = start + Buffer.byteLength(script.sql, 'utf8');
  return lint.findings
    .filter((f) => f.range.start >= start && f.range.start <= end)
    .map((f) => ({ rule: f.rule, severity: f.severity, message: f.message, line: lint.source.positionAt(f.range.start).line + 1, help: f.help, script: which }));
}

/** Tables, indexes and views the planned migrations create: locking them blocks nobody. */
function createdRelations(planned: Planned[]): Set<string> {
  const out = new Set<string>();
  for (const p of planned) {
    for (const it of p.items) {
      const n = it.node as unknown as Record<string, { relation?: { relname?: string; schemaname?: string }; view?: { relname?: string; schemaname?: string }; into?: { rel?: { relname?: string; schemaname?: string } } }>;
      const body = Object.values(n)[0];
      const rv = it.analysis.command === 'CREATE TABLE' ? body?.relation : it.analysis.command.startsWith('CREATE VIEW') ? body?.view : body?.into?.rel;
      if (rv?.relname) out.add(formatName({ schema: rv.schemaname || undefined, name: rv.relname }));
    }
  }
  return out;
}

function recommendLockTimeout(s: StatementReport, a: StatementAnalysis): string | null {
  const live = s.locks.filter((l) => !l.isNew && (s.table?.exists ?? true));
  if (a.concurrent) return null;
  if (live.some((l) => l.blocks === 'reads-writes')) return '2s';
  if (live.some((l) => l.blocks === 'writes')) return '5s';
  return null;
}

function mergeIssues(a: PostApplyIssue[], b: PostApplyIssue[]): PostApplyIssue[] {
  const key = (i: PostApplyIssue): string => `${i.kind}|${i.table}|${i.object}`;
  const seen = new Set(b.map(key));
  return [...b, ...a.filter((i) => !seen.has(key(i)))];
}

function lintSection(migrations: MigrationReport[]): Report['lint'] {
  const severities = ['error', 'warning', 'info', 'hint'] as const;
  const counts = { error: 0, warning: 0, info: 0, hint: 0 };
  const all = migrations.flatMap((m) => m.findings.map((f) => ({ ...f, version: m.version, file: f.script === 'down' ? (m.downFile ?? m.file) : m.file })));
  for (const f of all) counts[f.severity]++;
  return { counts, bySeverity: severities.map((severity) => ({ severity, findings: all.filter((f) => f.severity === severity) })).filter((g) => g.findings.length) };
}

function historySchema(req: ReportRequest): string {
  return req.settings?.historySchema ?? req.config.runner.historySchema;
}

function scopeLabel(scope: ReportScope, n: number): string {
  if (scope.kind === 'migration') return `migration ${scope.version}`;
  if (scope.kind === 'pending') return `pending migrations (${n})`;
  return `all migrations (${n})`;
}

function titleOf(scope: ReportScope, migrations: MigrationReport[]): string {
  if (scope.kind === 'migration' && migrations[0]) return `Migration report: ${migrations[0].version} ${migrations[0].name}`;
  return `Migration report: ${scopeLabel(scope, migrations.length)}`;
}

/** '2s' → 2, '500ms' → 0.5 */
function seconds(t: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|min)$/.exec(t);
  if (!m) return Infinity;
  return Number(m[1]) * (m[2] === 'ms' ? 0.001 : m[2] === 'min' ? 60 : 1);
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}

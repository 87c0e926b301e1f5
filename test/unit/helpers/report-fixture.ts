/** A realistic report, built by hand: every section filled, for the renderer and score tests (and the browser test). */
import { describeTarget, targetFromUrl } from '../../../src/core/db/open';
import type { MigrationReport, Report, StatementReport } from '../../../src/core/report/model';
import { scoreReport } from '../../../src/core/report/score';
import { computeTimeline, longestBlock } from '../../../src/core/report/timeline';

export const FIXTURE_PASSWORD = 'S3cret-Pa55word';
export const FIXTURE_URL = `postgres://app:${FIXTURE_PASSWORD}@db.internal:5432/shop`;

function stmt(
  partial: Partial<StatementReport> & Pick<StatementReport, 'sql' | 'command' | 'locks' | 'work'>,
): StatementReport {
  return {
    index: 0,
    line: 1,
    summary: partial.sql.replace(/\s+/g, ' '),
    inTransaction: true,
    workDetail: '',
    estimatedSeconds: null,
    estimate: null,
    lockHoldSeconds: null,
    startsAt: null,
    queueBehind: [],
    recommendedLockTimeout: null,
    ...partial,
  };
}

export function sampleReport(): Report {
  const orders = {
    name: 'public.orders',
    exists: true,
    rows: 5_000_000,
    bytes: 507 * 1024 * 1024,
    totalBytes: 700 * 1024 * 1024,
    indexes: 2,
    rowsSource: 'reltuples' as const,
  };
  const m1: MigrationReport = {
    version: '20260201090000',
    name: 'orders_total_numeric',
    file: '20260201090000_orders_total_numeric.up.sql',
    downFile: '20260201090000_orders_total_numeric.down.sql',
    state: 'pending',
    noTransaction: false,
    inScope: true,
    statements: [
      stmt({
        index: 0,
        line: 1,
        sql: "SET lock_timeout = '2s'",
        command: 'SET',
        locks: [],
        work: 'catalog',
        workDetail: 'changes a session setting',
        estimatedSeconds: 0.005,
        estimate: { low: 0.001, high: 0.025, method: 'catalog', basis: 'changes the catalog only' },
      }),
      stmt({
        index: 1,
        line: 2,
        sql: 'ALTER TABLE orders ALTER COLUMN total_cents TYPE numeric(12, 0)',
        command: 'ALTER TABLE',
        locks: [
          {
            relation: 'orders',
            mode: 'ACCESS EXCLUSIVE',
            blocks: 'reads-writes',
            why: 'rewrites orders <and> its indexes',
          },
        ],
        work: 'rewrite',
        workDetail: 'rewrites orders and rebuilds its indexes',
        table: orders,
        estimatedSeconds: 24.9,
        estimate: {
          low: 15.6,
          high: 39.8,
          method: 'sample',
          basis: 'ran on a 157 000-row sample of public.orders (3.1 %) in 0.61 s',
          rewroteSample: true,
        },
        queueBehind: [
          {
            pid: 4242,
            user: 'app',
            application: 'billing-worker',
            state: 'idle in transaction',
            ageSeconds: 312,
            query: 'SELECT * FROM orders WHERE id = $1',
            holds: 'ACCESS SHARE on orders',
          },
        ],
        recommendedLockTimeout: '2s',
      }),
      stmt({
        index: 2,
        line: 3,
        sql: 'CREATE INDEX orders_placed_at_idx ON orders (placed_at)',
        command: 'CREATE INDEX',
        locks: [
          {
            relation: 'orders',
            mode: 'SHARE',
            blocks: 'writes',
            why: 'builds the index while holding off writes',
          },
        ],
        work: 'index-build',
        workDetail: 'builds index orders_placed_at_idx on orders',
        table: orders,
        estimatedSeconds: 9.3,
        estimate: {
          low: 5.8,
          high: 14,
          method: 'sample',
          basis: 'scaled by rows × log rows, 1 parallel worker',
        },
        recommendedLockTimeout: '5s',
      }),
    ],
    estimatedSeconds: 34.205,
    estimatedRange: { low: 21.4, high: 53.8 },
    longestBlock: null,
    recommendedLockTimeout: '2s',
    findings: [
      {
        rule: 'changing-column-type',
        severity: 'warning',
        message: 'ALTER TABLE orders ALTER COLUMN total_cents TYPE numeric(12,0) rewrites orders',
        line: 2,
        help: '',
        script: 'up',
      },
      {
        rule: 'require-concurrent-index-creation',
        severity: 'warning',
        message: 'CREATE INDEX on orders without CONCURRENTLY',
        line: 3,
        help: '',
        script: 'up',
      },
    ],
  };
  computeTimeline(m1.statements, [1, 1, 1]);
  m1.longestBlock = longestBlock(m1.statements);

  const m2: MigrationReport = {
    version: '20260210090000',
    name: 'orders_shipped_at_index_concurrently',
    file: '20260210090000_orders_shipped_at_index_concurrently.up.sql',
    state: 'pending',
    noTransaction: true,
    inScope: true,
    statements: [
      stmt({
        index: 0,
        line: 2,
        sql: 'ALTER TABLE orders ADD COLUMN shipped_at timestamptz',
        command: 'ALTER TABLE',
        inTransaction: false,
        locks: [
          {
            relation: 'orders',
            mode: 'ACCESS EXCLUSIVE',
            blocks: 'reads-writes',
            why: 'adds column shipped_at (catalog only)',
          },
        ],
        work: 'catalog',
        table: orders,
        estimatedSeconds: 0.005,
        estimate: { low: 0.001, high: 0.025, method: 'catalog', basis: 'changes the catalog only' },
        recommendedLockTimeout: '2s',
      }),
      stmt({
        index: 1,
        line: 3,
        sql: 'CREATE INDEX CONCURRENTLY orders_shipped_at_idx ON orders (shipped_at)',
        command: 'CREATE INDEX CONCURRENTLY',
        inTransaction: false,
        locks: [
          {
            relation: 'orders',
            mode: 'SHARE UPDATE EXCLUSIVE',
            blocks: 'schema-changes',
            why: 'builds the index concurrently',
          },
        ],
        work: 'index-build',
        table: orders,
        estimatedSeconds: 16.4,
        estimate: { low: 10.2, high: 24.6, method: 'sample', basis: 'plus the validation scan' },
      }),
    ],
    estimatedSeconds: 16.405,
    estimatedRange: { low: 10.2, high: 24.6 },
    longestBlock: null,
    recommendedLockTimeout: '2s',
    findings: [
      {
        rule: 'ban-drop-column',
        severity: 'error',
        message: 'DROP COLUMN shipped_at deletes data',
        line: 3,
        help: '',
        script: 'down',
      },
    ],
  };
  computeTimeline(m2.statements, [0, 0]);
  m2.longestBlock = longestBlock(m2.statements);

  const partial: Omit<Report, 'score'> = {
    schemaVersion: 1,
    generatedAt: '2026-11-21T12:00:00.000Z',
    pgshiftVersion: '0.1.0',
    title: 'Migration report: pending migrations (2)',
    scope: { kind: 'pending' },
    scopeLabel: 'pending migrations (2)',
    project: { migrationsDir: '/work/shop/migrations', layout: 'golang-migrate' },
    target: {
      description: describeTarget(targetFromUrl(FIXTURE_URL)),
      kind: 'pg',
      serverVersion: 'PostgreSQL 18.4',
      serverVersionNum: 180004,
    },
    postgresVersion: 18,
    migrations: [m1, m2],
    lint: {
      counts: { error: 1, warning: 2, info: 0, hint: 0 },
      bySeverity: [
        {
          severity: 'error',
          findings: m2.findings.map((f) => ({ ...f, version: m2.version, file: m2.file })),
        },
        {
          severity: 'warning',
          findings: m1.findings.map((f) => ({ ...f, version: m1.version, file: m1.file })),
        },
      ],
    },
    validation: {
      checkedDatabase: true,
      problems: [
        {
          severity: 'error',
          kind: 'modified',
          message: '20260101090000 (create_customers) was edited after it was applied',
          version: '20260101090000',
        },
      ],
      missingDowns: ['20260210090000'],
    },
    reversibility: {
      ran: true,
      where: 'embedded PGlite in a temporary directory',
      results: [
        {
          version: m1.version,
          name: m1.name,
          verdict: 'restored',
          differences: [],
          notes: [],
          durations: { upMs: 12, downMs: 9, reapplyMs: 11 },
        },
        {
          version: m2.version,
          name: m2.name,
          verdict: 'not-restored',
          differences: [
            '+ [indexes] CREATE INDEX orders_shipped_at_idx ON public.orders USING btree (shipped_at)',
          ],
          notes: [],
          durations: { upMs: 20, downMs: 4, reapplyMs: 19 },
        },
      ],
    },
    preflight: {
      ran: true,
      checks: [
        {
          version: m1.version,
          line: 2,
          kind: 'type-cast',
          table: 'orders',
          constraint: 'orders.total_cents TYPE numeric(12,0)',
          status: 'violations',
          violations: 2,
          examples: [
            { id: '17', total_cents: '1234567890123456' },
            { id: '99', total_cents: null },
          ],
          query: 'SELECT count(*) FROM public.orders WHERE …',
          message: '2 rows of orders violate it: the migration fails on this statement',
          ms: 812,
        },
        {
          version: m1.version,
          line: 3,
          kind: 'unique',
          table: 'orders',
          constraint: 'UNIQUE (email)',
          status: 'ok',
          violations: 0,
          examples: [],
          message: 'no row of orders violates it',
          ms: 40,
        },
      ],
    },
    postApply: {
      ran: true,
      issues: [
        {
          kind: 'fk-without-index',
          table: 'public.orders',
          object: 'orders_customer_fk',
          message: 'foreign key orders_customer_fk on public.orders (customer_id) has no index',
          fix: 'CREATE INDEX CONCURRENTLY ON public.orders (customer_id);',
          where: 'after-migrations',
        },
        {
          kind: 'no-primary-key',
          table: 'public.audit_log',
          object: 'public.audit_log',
          message: 'public.audit_log has no primary key',
          where: 'target',
        },
      ],
    },
    performance: {
      ran: true,
      calibration: {
        method: 'scratch table in a rolled-back transaction',
        rows: 100000,
        seqScanMBps: 812,
        sortRowsPerSec: 2_400_000,
        indexBuildRowsPerSec: 950_000,
        rewriteMBps: 95,
        updateRowsPerSec: 61_000,
        parallelSpeedup: 1.4,
        ms: 1830,
      },
      longTransactions: [
        {
          pid: 4242,
          user: 'app',
          application: 'billing-worker',
          state: 'idle in transaction',
          ageSeconds: 312,
          query: 'SELECT * FROM orders WHERE id = $1',
        },
      ],
      settings: { maintenance_work_mem: '65536 kB', max_parallel_maintenance_workers: '2' },
      totalEstimatedSeconds: 50.61,
    },
    // a driver error that slipped a URL through: the renderers must still not print the password
    notes: [`could not sample public.legacy: connection to ${FIXTURE_URL} failed`],
  };
  return { ...partial, score: scoreReport(partial) };
}

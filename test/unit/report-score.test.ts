import { strict as assert } from 'node:assert';
import type { Report, StatementReport } from '../../src/core/report/model';
import { fmtSeconds, gradeOf, scoreReport, SEVERITY_POINTS } from '../../src/core/report/score';
import { computeTimeline, longestBlock } from '../../src/core/report/timeline';
import { sampleReport } from './helpers/report-fixture';

function clean(): Omit<Report, 'score'> {
  const r = sampleReport() as Partial<Report>;
  delete r.score;
  const base = r as Omit<Report, 'score'>;
  return {
    ...base,
    migrations: base.migrations.map((m) => ({
      ...m,
      findings: [],
      statements: m.statements.map((s) => ({ ...s, queueBehind: [], lockHoldSeconds: 0.01 })),
    })),
    validation: { checkedDatabase: true, problems: [], missingDowns: [] },
    reversibility: {
      ran: true,
      results: base.reversibility.results.map((x) => ({ ...x, verdict: 'restored', differences: [] })),
    },
    preflight: { ran: true, checks: [] },
    postApply: { ran: true, issues: [] },
  };
}

describe('report: audit score', () => {
  it('is 100 (A) when nothing is found', () => {
    const s = scoreReport(clean());
    assert.equal(s.score, 100);
    assert.equal(s.grade, 'A');
    assert.deepEqual(s.counts, { critical: 0, high: 0, medium: 0, low: 0 });
    assert.ok(s.breakdown.every((c) => c.deducted === 0 && c.evaluated));
  });

  it('takes points by severity class, and names each item', () => {
    const r = clean();
    r.preflight.checks.push({
      version: '1',
      line: 3,
      kind: 'not-null',
      table: 't',
      constraint: 't.a NOT NULL',
      status: 'violations',
      violations: 12,
      examples: [],
      message: '12 rows of t violate it: the migration fails on this statement',
    });
    r.reversibility.results[0].verdict = 'not-restored';
    r.reversibility.results[0].differences = ['+ [relations] public.t table owner app'];
    r.postApply.issues.push({
      kind: 'fk-without-index',
      table: 't',
      object: 'f',
      message: 'fk f has no index',
      where: 'target',
    });
    const s = scoreReport(r);
    assert.equal(s.score, 100 - SEVERITY_POINTS.critical - SEVERITY_POINTS.high - SEVERITY_POINTS.medium);
    assert.deepEqual(s.counts, { critical: 1, high: 1, medium: 1, low: 0 });
    const pre = s.breakdown.find((c) => c.id === 'preflight')!;
    assert.match(pre.items[0].title, /t\.a NOT NULL: 12 rows of t violate it/);
  });

  it('caps each category, so one noisy category cannot take the whole score', () => {
    const r = clean();
    r.migrations[0].findings = Array.from({ length: 40 }, (_, i) => ({
      rule: 'r',
      severity: 'error' as const,
      message: `m${i}`,
      line: i + 1,
      help: '',
      script: 'up' as const,
    }));
    const s = scoreReport(r);
    const lint = s.breakdown.find((c) => c.id === 'lint')!;
    assert.equal(lint.items.length, 40);
    assert.equal(lint.deducted, lint.cap);
    assert.equal(s.score, 100 - lint.cap);
  });

  it('grades performance by how long a lock on a table with rows blocks reads or writes', () => {
    const r = clean();
    const s = r.migrations[0].statements[1];
    s.lockHoldSeconds = 30;
    const rw = scoreReport(r).breakdown.find((c) => c.id === 'performance')!;
    assert.equal(rw.items[0].severity, 'critical');
    assert.match(rw.items[0].title, /orders blocked for reads and writes for ~30 s/);
    s.lockHoldSeconds = 3;
    assert.equal(scoreReport(r).breakdown.find((c) => c.id === 'performance')!.items[0].severity, 'high');
    s.locks = [{ relation: 'orders', mode: 'SHARE', blocks: 'writes', why: '' }];
    assert.equal(scoreReport(r).breakdown.find((c) => c.id === 'performance')!.items[0].severity, 'medium');
    s.locks = [
      { relation: 'orders', mode: 'ACCESS EXCLUSIVE', blocks: 'reads-writes', why: '', isNew: true },
    ];
    assert.equal(
      scoreReport(r).breakdown.find((c) => c.id === 'performance')!.items.length,
      0,
      'a new table blocks nobody',
    );
  });

  it('does not count what it could not evaluate', () => {
    const r = clean();
    r.preflight = { ran: false, skippedReason: 'no database', checks: [] };
    r.performance = { ...r.performance, ran: false };
    const s = scoreReport(r);
    assert.equal(s.score, 100);
    assert.equal(s.breakdown.find((c) => c.id === 'preflight')!.evaluated, false);
  });

  it('grades and formats', () => {
    assert.deepEqual([95, 85, 75, 65, 10].map(gradeOf), ['A', 'B', 'C', 'D', 'F']);
    assert.deepEqual([0, 0.0004, 0.25, 3.456, 42.4, 312, 7322].map(fmtSeconds), [
      '0 s',
      '1 ms',
      '250 ms',
      '3.5 s',
      '42 s',
      '5 min 12 s',
      '2 h 2 min',
    ]);
  });
});

describe('report: lock timeline', () => {
  const s = (est: number | null, blocks: 'reads-writes' | 'writes' = 'reads-writes'): StatementReport => ({
    index: 0,
    line: 1,
    sql: '',
    command: '',
    summary: '',
    inTransaction: true,
    locks: [{ relation: 't', mode: blocks === 'writes' ? 'SHARE' : 'ACCESS EXCLUSIVE', blocks, why: '' }],
    work: 'catalog',
    workDetail: '',
    estimatedSeconds: est,
    estimate: null,
    lockHoldSeconds: null,
    startsAt: null,
    queueBehind: [],
    recommendedLockTimeout: null,
  });

  it('holds every lock of a transaction until its COMMIT', () => {
    const list = [s(1), s(10, 'writes'), s(2)];
    computeTimeline(list, [1, 1, 1]);
    assert.deepEqual(
      list.map((x) => [x.startsAt, x.lockHoldSeconds]),
      [
        [0, 13],
        [1, 12],
        [11, 2],
      ],
    );
    assert.deepEqual(longestBlock(list), { relation: 't', seconds: 13, blocks: 'reads-writes' });
  });

  it('releases each lock with its statement outside a transaction', () => {
    const list = [s(1), s(10), s(2)];
    computeTimeline(list, [0, 0, 0]);
    assert.deepEqual(
      list.map((x) => x.lockHoldSeconds),
      [1, 10, 2],
    );
  });

  it('leaves the times empty when nothing was estimated', () => {
    const list = [s(null), s(null)];
    computeTimeline(list, [1, 1]);
    assert.deepEqual(
      list.map((x) => [x.startsAt, x.lockHoldSeconds]),
      [
        [null, null],
        [null, null],
      ],
    );
    assert.equal(longestBlock(list), null);
  });
});

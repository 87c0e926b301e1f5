import { strict as assert } from 'node:assert';
import { describeStatement, typeChange, type StatementFacts } from '../../src/core/pg';
import { loadParser } from '../../src/core/sql/parser';
import type { Node } from '@pgsql/types';

async function analyze(
  sql: string,
  postgresVersion = 16,
  extra: Partial<Parameters<typeof describeStatement>[2]> = {},
): Promise<StatementFacts> {
  const parser = await loadParser();
  const parsed = parser.parse(sql);
  assert.ok(parsed.ok, `does not parse: ${sql}`);
  return describeStatement(parsed.statements[0].node as Node, sql, { postgresVersion, ...extra });
}

/** 'mode on relation' for every lock, in order */
function locks(a: StatementFacts): string[] {
  return a.locks.map(
    (l) =>
      `${l.mode} ${l.object === 'indexes' ? 'indexes of ' : ''}${l.relation.schema ? `${l.relation.schema}.` : ''}${l.relation.name}`,
  );
}

// [sql, locks, work]: the lock table of the PostgreSQL manual, per command and ALTER TABLE subcommand
const TABLE: [string, string[], string][] = [
  ['CREATE INDEX i ON t (a)', ['SHARE t'], 'index-build'],
  ['CREATE UNIQUE INDEX CONCURRENTLY i ON s.t (a)', ['SHARE UPDATE EXCLUSIVE s.t'], 'index-build'],
  ['DROP INDEX i', ['ACCESS EXCLUSIVE i'], 'catalog'],
  ['DROP INDEX CONCURRENTLY i', ['SHARE UPDATE EXCLUSIVE i'], 'catalog'],
  // each index ACCESS EXCLUSIVE, the table SHARE (pg_locks shows both: test/db/pg-locks.test.ts)
  ['REINDEX TABLE t', ['ACCESS EXCLUSIVE indexes of t', 'SHARE t'], 'index-build'],
  ['REINDEX INDEX i', ['ACCESS EXCLUSIVE i'], 'index-build'],
  ['REINDEX INDEX CONCURRENTLY i', ['SHARE UPDATE EXCLUSIVE i'], 'index-build'],
  ['ALTER TABLE t ADD COLUMN c int', ['ACCESS EXCLUSIVE t'], 'catalog'],
  ['ALTER TABLE t ADD COLUMN c int DEFAULT 0', ['ACCESS EXCLUSIVE t'], 'catalog'],
  ['ALTER TABLE t ADD COLUMN c float8 DEFAULT random()', ['ACCESS EXCLUSIVE t'], 'rewrite'],
  ['ALTER TABLE t ADD COLUMN c bigserial', ['ACCESS EXCLUSIVE t'], 'rewrite'],
  ['ALTER TABLE t ADD COLUMN c int GENERATED ALWAYS AS (a * 2) STORED', ['ACCESS EXCLUSIVE t'], 'rewrite'],
  [
    'ALTER TABLE t ADD COLUMN c int REFERENCES p (id)',
    ['ACCESS EXCLUSIVE t', 'SHARE ROW EXCLUSIVE p'],
    'catalog',
  ],
  ['ALTER TABLE t DROP COLUMN c', ['ACCESS EXCLUSIVE t'], 'catalog'],
  ['ALTER TABLE t ALTER COLUMN c SET NOT NULL', ['ACCESS EXCLUSIVE t'], 'scan'],
  ['ALTER TABLE t ALTER COLUMN c DROP NOT NULL', ['ACCESS EXCLUSIVE t'], 'catalog'],
  ['ALTER TABLE t ALTER COLUMN c SET DEFAULT 1', ['ACCESS EXCLUSIVE t'], 'catalog'],
  ['ALTER TABLE t ALTER COLUMN c SET STATISTICS 500', ['SHARE UPDATE EXCLUSIVE t'], 'catalog'],
  ['ALTER TABLE t ALTER COLUMN c SET STORAGE EXTERNAL', ['ACCESS EXCLUSIVE t'], 'catalog'],
  ['ALTER TABLE t ALTER COLUMN c TYPE bigint', ['ACCESS EXCLUSIVE t'], 'rewrite'],
  ['ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)', ['ACCESS EXCLUSIVE t'], 'scan'],
  ['ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID', ['ACCESS EXCLUSIVE t'], 'catalog'],
  [
    'ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES p (id)',
    ['SHARE ROW EXCLUSIVE t', 'SHARE ROW EXCLUSIVE p'],
    'scan',
  ],
  [
    'ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES p (id) NOT VALID',
    ['SHARE ROW EXCLUSIVE t', 'SHARE ROW EXCLUSIVE p'],
    'catalog',
  ],
  ['ALTER TABLE t VALIDATE CONSTRAINT c', ['SHARE UPDATE EXCLUSIVE t'], 'scan'],
  ['ALTER TABLE t ADD CONSTRAINT u UNIQUE (a)', ['ACCESS EXCLUSIVE t'], 'index-build'],
  ['ALTER TABLE t ADD PRIMARY KEY USING INDEX i', ['ACCESS EXCLUSIVE t'], 'catalog'],
  ['ALTER TABLE t DROP CONSTRAINT c', ['ACCESS EXCLUSIVE t'], 'catalog'],
  ['ALTER TABLE t SET (fillfactor = 70)', ['SHARE UPDATE EXCLUSIVE t'], 'catalog'],
  ['ALTER TABLE t CLUSTER ON i', ['SHARE UPDATE EXCLUSIVE t'], 'catalog'],
  ['ALTER TABLE t DISABLE TRIGGER ALL', ['SHARE ROW EXCLUSIVE t'], 'catalog'],
  ['ALTER TABLE t SET LOGGED', ['ACCESS EXCLUSIVE t'], 'rewrite'],
  ['ALTER TABLE t OWNER TO bob', ['ACCESS EXCLUSIVE t'], 'catalog'],
  ['ALTER TABLE t ENABLE ROW LEVEL SECURITY', ['ACCESS EXCLUSIVE t'], 'catalog'],
  [
    'ALTER TABLE p ATTACH PARTITION p1 FOR VALUES IN (1)',
    ['SHARE UPDATE EXCLUSIVE p', 'ACCESS EXCLUSIVE p1'],
    'scan',
  ],
  [
    'ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY',
    ['SHARE UPDATE EXCLUSIVE p', 'SHARE UPDATE EXCLUSIVE p1'],
    'catalog',
  ],
  ['ALTER INDEX i RENAME TO j', ['SHARE UPDATE EXCLUSIVE i'], 'catalog'],
  ['ALTER TABLE t RENAME COLUMN a TO b', ['ACCESS EXCLUSIVE t'], 'catalog'],
  ['ALTER TABLE t RENAME TO u', ['ACCESS EXCLUSIVE t'], 'catalog'],
  ['DROP TABLE t', ['ACCESS EXCLUSIVE t'], 'catalog'],
  ['TRUNCATE t', ['ACCESS EXCLUSIVE t'], 'catalog'],
  ['VACUUM FULL t', ['ACCESS EXCLUSIVE t'], 'rewrite'],
  ['VACUUM t', ['SHARE UPDATE EXCLUSIVE t'], 'scan'],
  ['ANALYZE t', ['SHARE UPDATE EXCLUSIVE t'], 'query'],
  ['CLUSTER t USING i', ['ACCESS EXCLUSIVE t'], 'rewrite'],
  [
    'CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()',
    ['SHARE ROW EXCLUSIVE t'],
    'catalog',
  ],
  ['CREATE POLICY p ON t USING (true)', ['ACCESS EXCLUSIVE t'], 'catalog'],
  ['COMMENT ON TABLE t IS $$x$$', ['SHARE UPDATE EXCLUSIVE t'], 'catalog'],
  ['COMMENT ON COLUMN t.c IS $$x$$', ['SHARE UPDATE EXCLUSIVE t'], 'catalog'],
  ['CREATE STATISTICS s ON a, b FROM t', ['SHARE UPDATE EXCLUSIVE t'], 'catalog'],
  ['LOCK TABLE t IN SHARE MODE', ['SHARE t'], 'catalog'],
  ['LOCK TABLE t', ['ACCESS EXCLUSIVE t'], 'catalog'],
  ['REFRESH MATERIALIZED VIEW mv', ['ACCESS EXCLUSIVE mv'], 'query'],
  ['REFRESH MATERIALIZED VIEW CONCURRENTLY mv', ['EXCLUSIVE mv'], 'query'],
  ['CREATE TABLE c (id int REFERENCES p (id))', ['SHARE ROW EXCLUSIVE p'], 'catalog'],
  ['CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1)', ['ACCESS EXCLUSIVE p'], 'catalog'],
  ['UPDATE t SET a = 1 WHERE id < 10', ['ROW EXCLUSIVE t'], 'dml'],
  ['DELETE FROM t', ['ROW EXCLUSIVE t'], 'dml'],
  ['INSERT INTO t SELECT * FROM u', ['ROW EXCLUSIVE t', 'ACCESS SHARE u'], 'dml'],
  ['SELECT * FROM t FOR UPDATE', ['ROW SHARE t'], 'query'],
  ['CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$', [], 'catalog'],
  ['SET lock_timeout = $$2s$$', [], 'catalog'],
];

describe('report: lock taken by each statement', () => {
  for (const [sql, expected, work] of TABLE) {
    it(`${sql} → ${expected.join(', ') || 'no table lock'}; ${work}`, async () => {
      const a = await analyze(sql);
      assert.deepEqual(locks(a), expected);
      assert.equal(a.work, work);
    });
  }

  it('takes the strongest lock of all subcommands, and the heaviest work', async () => {
    const a = await analyze(
      'ALTER TABLE t SET (fillfactor = 70), ALTER COLUMN c TYPE bigint, ALTER COLUMN d SET STATISTICS 100',
    );
    assert.deepEqual(locks(a), ['ACCESS EXCLUSIVE t']);
    assert.equal(a.work, 'rewrite');
    assert.deepEqual(
      a.subcommands.map((s) => [s.action, s.mode]),
      [
        ['SET REL OPTIONS', 'SHARE UPDATE EXCLUSIVE'],
        ['ALTER COLUMN TYPE', 'ACCESS EXCLUSIVE'],
        ['SET STATISTICS', 'SHARE UPDATE EXCLUSIVE'],
      ],
    );
  });

  it('is version-aware: a constant default rewrites before PostgreSQL 11 only', async () => {
    assert.equal((await analyze('ALTER TABLE t ADD COLUMN c int DEFAULT 0', 10)).work, 'rewrite');
    assert.equal((await analyze('ALTER TABLE t ADD COLUMN c int DEFAULT 0', 11)).work, 'catalog');
    assert.equal((await analyze('ALTER TABLE t ADD COLUMN c timestamptz DEFAULT now()', 11)).work, 'catalog');
  });

  it('is version-aware: ATTACH PARTITION locks the parent ACCESS EXCLUSIVE before 12, renaming an index too', async () => {
    assert.deepEqual(locks(await analyze('ALTER TABLE p ATTACH PARTITION p1 FOR VALUES IN (1)', 11)), [
      'ACCESS EXCLUSIVE p',
      'ACCESS EXCLUSIVE p1',
    ]);
    assert.deepEqual(locks(await analyze('ALTER INDEX i RENAME TO j', 11)), ['ACCESS EXCLUSIVE i']);
  });

  it('is version-aware: DETACH CONCURRENTLY needs 14, SET NOT NULL skips its scan from 12 when a CHECK proves it', async () => {
    const detach = await analyze('ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY', 13);
    assert.equal(detach.concurrent, false);
    assert.deepEqual(locks(detach), ['ACCESS EXCLUSIVE p', 'ACCESS EXCLUSIVE p1']);
    const proven = { notNullProven: () => true };
    assert.equal((await analyze('ALTER TABLE t ALTER COLUMN c SET NOT NULL', 12, proven)).work, 'catalog');
    assert.equal((await analyze('ALTER TABLE t ALTER COLUMN c SET NOT NULL', 11, proven)).work, 'scan');
  });

  it('knows which type changes are binary-coercible', async () => {
    const cases: [string | undefined, string, string][] = [
      ['character varying(20)', 'varchar(40)', 'no-rewrite'],
      ['character varying(40)', 'varchar(20)', 'rewrite'],
      ['character varying(20)', 'text', 'no-rewrite'],
      ['text', 'varchar', 'no-rewrite'],
      ['text', 'varchar(10)', 'rewrite'],
      ['numeric(10,2)', 'numeric(12,2)', 'no-rewrite'],
      ['numeric(10,2)', 'numeric(12,3)', 'rewrite'],
      ['numeric(10,2)', 'numeric', 'no-rewrite'],
      ['integer', 'int8', 'rewrite'],
      ['bigint', 'numeric(12,0)', 'rewrite'],
      ['timestamp without time zone', 'timestamptz', 'utc'],
      ['cidr', 'inet', 'no-rewrite'],
      [undefined, 'int8', 'rewrite'],
    ];
    for (const [from, to, verdict] of cases)
      assert.equal(typeChange(from, to, 16), verdict, `${from} → ${to}`);
    const a = await analyze('ALTER TABLE t ALTER COLUMN c TYPE varchar(50)', 16, {
      columnType: () => 'character varying(20)',
    });
    assert.equal(a.work, 'catalog');
    assert.match(a.workDetail, /binary-coercible/);
    const using = await analyze('ALTER TABLE t ALTER COLUMN c TYPE varchar(50) USING lower(c)', 16, {
      columnType: () => 'character varying(20)',
    });
    assert.equal(using.work, 'rewrite');
  });

  it('tells the estimator what to time', async () => {
    assert.deepEqual((await analyze('CREATE INDEX CONCURRENTLY i ON t (a)')).operation, {
      kind: 'create-index',
      concurrent: true,
      unique: false,
    });
    assert.deepEqual(
      (await analyze('ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a, b) REFERENCES p (x, y)')).operation,
      {
        kind: 'validate-fk',
        referenced: { schema: undefined, name: 'p' },
        columns: ['a', 'b'],
        refColumns: ['x', 'y'],
      },
    );
    assert.equal((await analyze('ALTER TABLE t VALIDATE CONSTRAINT c')).subcommands[0].constraint, 'c');
    assert.equal((await analyze('UPDATE t SET a = 1')).operation.kind, 'dml');
  });
});

import { strict as assert } from 'node:assert';
import { describeStatement, lossyTypeChange, type Destroyed } from '../../src/core/pg';
import { loadParser } from '../../src/core/sql/parser';

async function destroys(sql: string, columnType?: string): Promise<Destroyed[]> {
  const parsed = (await loadParser()).parse(sql);
  assert.ok(parsed.ok, sql);
  return describeStatement(parsed.statements[0].node, sql, {
    postgresVersion: 16,
    columnType: columnType ? () => columnType : undefined,
  }).destroys.map((d) => JSON.parse(JSON.stringify(d)) as Destroyed);
}

const t = { name: 't' };

describe('pg: what a statement destroys', () => {
  const cases: [string, Destroyed[], string?][] = [
    ['DROP TABLE t', [{ kind: 'table', relation: t, how: 'drop', cascade: false }]],
    [
      'DROP TABLE IF EXISTS s.a, b CASCADE',
      [
        { kind: 'table', relation: { schema: 's', name: 'a' }, how: 'drop', cascade: true },
        { kind: 'table', relation: { name: 'b' }, how: 'drop', cascade: true },
      ],
    ],
    ['TRUNCATE t', [{ kind: 'table', relation: t, how: 'truncate', cascade: false }]],
    ['DROP VIEW t', [{ kind: 'relation', relation: t, object: 'view' }]],
    ['DROP MATERIALIZED VIEW t', [{ kind: 'relation', relation: t, object: 'materialized view' }]],
    ['DROP SEQUENCE t', [{ kind: 'relation', relation: t, object: 'sequence' }]],
    ['DROP FOREIGN TABLE t', []],
    ['DROP SCHEMA app CASCADE', [{ kind: 'schema', schema: 'app', cascade: true }]],
    [
      'ALTER TABLE t DROP COLUMN c',
      [{ kind: 'column', relation: t, column: 'c', how: 'drop', cascade: false }],
    ],
    [
      'ALTER TABLE t ALTER COLUMN c TYPE int4',
      [{ kind: 'column', relation: t, column: 'c', how: 'type-change', to: 'int4', lossy: 'yes' }],
      'bigint',
    ],
    ['ALTER TABLE t ALTER COLUMN c TYPE bigint', [], 'integer'],
    ['ALTER TABLE t ALTER COLUMN c TYPE text', [], 'varchar(20)'],
    [
      'ALTER TABLE t ALTER COLUMN c TYPE varchar(10)',
      [{ kind: 'column', relation: t, column: 'c', how: 'type-change', to: 'varchar(10)', lossy: 'yes' }],
      'varchar(50)',
    ],
    [
      'ALTER TABLE t ALTER COLUMN c TYPE int4',
      [{ kind: 'column', relation: t, column: 'c', how: 'type-change', to: 'int4', lossy: 'maybe' }],
    ],
    [
      'ALTER TABLE t ALTER COLUMN c TYPE bigint USING c::bigint * 2',
      [{ kind: 'column', relation: t, column: 'c', how: 'type-change', to: 'int8', lossy: 'maybe' }],
      'integer',
    ],
    ['UPDATE t SET a = 1 WHERE b IS NULL', [{ kind: 'rows', relation: t, how: 'update', where: true }]],
    ['DELETE FROM t', [{ kind: 'rows', relation: t, how: 'delete', where: false }]],
    ['ALTER TABLE t ADD COLUMN c int', []],
    ['CREATE INDEX ON t (a)', []],
    ['INSERT INTO t VALUES (1)', []],
  ];
  for (const [sql, want, from] of cases) {
    it(`${sql}${from ? ` (from ${from})` : ''}`, async () => {
      assert.deepEqual(await destroys(sql, from), want);
    });
  }

  it('knows which type changes can lose data', () => {
    const table: [string | undefined, string, 'yes' | 'no' | 'maybe'][] = [
      ['int8', 'int4', 'yes'],
      ['int2', 'int8', 'no'],
      ['numeric(12,2)', 'numeric(10,2)', 'yes'],
      ['numeric(10,2)', 'numeric(12,2)', 'no'],
      ['numeric(10,4)', 'numeric(10,2)', 'yes'],
      ['numeric', 'int4', 'yes'],
      ['float8', 'float4', 'yes'],
      ['int4', 'numeric', 'no'],
      ['text', 'varchar(10)', 'yes'],
      ['varchar(5)', 'varchar(10)', 'no'],
      ['timestamptz', 'date', 'yes'],
      ['timestamptz', 'timestamp', 'yes'],
      ['date', 'timestamptz', 'no'],
      ['int4', 'text', 'no'],
      ['jsonb', 'text', 'no'],
      ['text', 'jsonb', 'maybe'],
      [undefined, 'int4', 'maybe'],
    ];
    for (const [from, to, want] of table) assert.equal(lossyTypeChange(from, to), want, `${from} → ${to}`);
  });
});

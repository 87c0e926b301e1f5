import { strict as assert } from 'node:assert';
import type { Node } from '@pgsql/types';
import { Client } from 'pg';
import { analyzeStatement } from '../../src/core/report/locks-by-statement';
import { normalizeLockMode, LOCK_MODES } from '../../src/core/lint/locks';
import { loadParser } from '../../src/core/sql/parser';
import { createScratchDatabase, type ScratchDatabase } from './server';

/*
 * The static lock table against the truth: each statement runs in a transaction on a real server,
 * pg_locks of our own backend is read, and the strongest lock on each table the analysis names must
 * be exactly the one it predicted. Then the transaction is rolled back.
 */
const STATEMENTS = [
  'CREATE INDEX ON lk_parent (s)',
  'ALTER TABLE lk_parent ADD COLUMN n int',
  'ALTER TABLE lk_parent ADD COLUMN n float8 DEFAULT random()',
  'ALTER TABLE lk_parent ALTER COLUMN v SET NOT NULL',
  'ALTER TABLE lk_parent ALTER COLUMN v DROP NOT NULL',
  'ALTER TABLE lk_parent ALTER COLUMN v SET DEFAULT 1',
  'ALTER TABLE lk_parent ALTER COLUMN v SET STATISTICS 100',
  'ALTER TABLE lk_parent ALTER COLUMN v TYPE bigint',
  'ALTER TABLE lk_parent ADD CONSTRAINT c2 CHECK (v > 0)',
  'ALTER TABLE lk_parent ADD CONSTRAINT c2 CHECK (v > 0) NOT VALID',
  'ALTER TABLE lk_parent VALIDATE CONSTRAINT lk_chk',
  'ALTER TABLE lk_parent ADD CONSTRAINT u2 UNIQUE (id, v)',
  'ALTER TABLE lk_child ADD CONSTRAINT fk2 FOREIGN KEY (pid) REFERENCES lk_parent (id)',
  'ALTER TABLE lk_child ADD CONSTRAINT fk2 FOREIGN KEY (pid) REFERENCES lk_parent (id) NOT VALID',
  'ALTER TABLE lk_child VALIDATE CONSTRAINT lk_fk',
  'ALTER TABLE lk_parent SET (fillfactor = 70)',
  'ALTER TABLE lk_parent CLUSTER ON lk_idx',
  'ALTER TABLE lk_parent DISABLE TRIGGER ALL',
  'ALTER TABLE lk_parent ENABLE ROW LEVEL SECURITY',
  'ALTER TABLE lk_parent RENAME COLUMN s TO s2',
  'ALTER TABLE lk_parent DROP COLUMN s',
  'CREATE TRIGGER t BEFORE INSERT ON lk_parent FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()',
  'CREATE POLICY p ON lk_parent USING (true)',
  'COMMENT ON TABLE lk_parent IS $$x$$',
  'CREATE STATISTICS lk_st ON v, s FROM lk_parent',
  'TRUNCATE lk_child',
  'LOCK TABLE lk_parent IN SHARE ROW EXCLUSIVE MODE',
  'UPDATE lk_parent SET v = v',
  'SELECT * FROM lk_parent FOR UPDATE',
  'CREATE TABLE lk_new (id int REFERENCES lk_parent (id))',
  'CLUSTER lk_parent USING lk_idx',
];

describe('report: static lock table agrees with pg_locks', function () {
  let db: ScratchDatabase;
  let c: Client;
  before(async () => {
    db = await createScratchDatabase('report_locks');
    c = new Client({ connectionString: db.url });
    await c.connect();
    await c.query(`
      CREATE TABLE lk_parent (id int PRIMARY KEY, v int, s text);
      CREATE TABLE lk_child (id int PRIMARY KEY, pid int);
      INSERT INTO lk_parent SELECT g, g, 'x' FROM generate_series(1, 10) g;
      INSERT INTO lk_child SELECT g, g FROM generate_series(1, 10) g;
      ALTER TABLE lk_child ADD CONSTRAINT lk_fk FOREIGN KEY (pid) REFERENCES lk_parent (id) NOT VALID;
      ALTER TABLE lk_parent ADD CONSTRAINT lk_chk CHECK (v > 0) NOT VALID;
      CREATE INDEX lk_idx ON lk_parent (v);`);
  });
  after(async () => {
    await c?.end();
    await db?.drop();
  });

  for (const sql of STATEMENTS) {
    it(sql, async () => {
      const parser = await loadParser();
      const parsed = parser.parse(sql);
      assert.ok(parsed.ok);
      const version = Number((await c.query('SHOW server_version_num')).rows[0].server_version_num) / 10000;
      const predicted = analyzeStatement(parsed.statements[0].node as Node, sql, {
        postgresVersion: Math.floor(version),
      });
      await c.query('BEGIN');
      try {
        await c.query(sql);
        const r = await c.query<{ rel: string; mode: string }>(
          `SELECT c.relname AS rel, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
            WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND c.relkind IN ('r', 'p')`,
        );
        const strongest = new Map<string, number>();
        for (const row of r.rows) {
          const m = LOCK_MODES.indexOf(normalizeLockMode(row.mode)!);
          strongest.set(row.rel, Math.max(strongest.get(row.rel) ?? -1, m));
        }
        for (const l of predicted.locks) {
          if (!l.relation.name.startsWith('lk_') || l.relation.name === 'lk_new') continue;
          const actual = strongest.get(l.relation.name);
          assert.ok(actual !== undefined, `${l.relation.name} was not locked at all`);
          assert.equal(LOCK_MODES[actual], l.mode, `lock on ${l.relation.name}`);
        }
      } finally {
        await c.query('ROLLBACK');
      }
    });
  }
});

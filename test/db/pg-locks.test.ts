import { strict as assert } from 'node:assert';
import { describeStatement, describedKinds, LOCK_MODES, normalizeLockMode } from '../../src/core/pg';
import type { Driver } from '../../src/core/db/driver';
import { DbError } from '../../src/core/db/driver';
import { openDriver } from '../../src/core/db/open';
import { nodeKind } from '../../src/core/lint/ast';
import { loadParser } from '../../src/core/sql/parser';
import { createScratchDatabase, pgliteScratchDir, type ScratchDatabase } from './server';

/*
 * src/core/pg's answer against the truth, on a real server and on PGlite. Each statement runs in a
 * transaction, pg_locks of our own backend is read, and the strongest lock on every relation the
 * answer names (tables, views, sequences, an index, every index of a table) must be exactly the mode
 * it predicted; then the transaction is rolled back. The statements it says cannot run in a
 * transaction must be refused there with SQLSTATE 25001 and the command spelled as PostgreSQL does.
 */
const SETUP = `
  CREATE SCHEMA lk_s;
  CREATE TABLE lk_parent (id int PRIMARY KEY, v int, s text);
  CREATE TABLE lk_child (id int PRIMARY KEY, pid int);
  INSERT INTO lk_parent SELECT g, g, 'x' FROM generate_series(1, 10) g;
  INSERT INTO lk_child SELECT g, g FROM generate_series(1, 10) g;
  ALTER TABLE lk_child ADD CONSTRAINT lk_fk FOREIGN KEY (pid) REFERENCES lk_parent (id) NOT VALID;
  ALTER TABLE lk_parent ADD CONSTRAINT lk_chk CHECK (v > 0) NOT VALID;
  CREATE INDEX lk_idx ON lk_parent (v);
  CREATE VIEW lk_view AS SELECT id, v FROM lk_parent;
  CREATE MATERIALIZED VIEW lk_mv AS SELECT id FROM lk_parent;
  CREATE SEQUENCE lk_seq;
  CREATE TABLE lk_part (k int, x int) PARTITION BY RANGE (k);
  CREATE TABLE lk_p0 PARTITION OF lk_part FOR VALUES FROM (0) TO (10);
  CREATE TABLE lk_loose (k int, x int);
  CREATE INDEX lk_part_idx ON ONLY lk_part (x);
  CREATE INDEX lk_p0_idx ON lk_p0 (x);
  CREATE FUNCTION lk_noop() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
  CREATE TRIGGER lk_trg BEFORE INSERT ON lk_parent FOR EACH ROW EXECUTE FUNCTION lk_noop();
  CREATE POLICY lk_pol ON lk_parent USING (true);
  CREATE RULE lk_rule AS ON UPDATE TO lk_child DO ALSO NOTHING;
  CREATE DOMAIN lk_dom AS int;`;

const STATEMENTS = [
  'CREATE INDEX ON lk_parent (s)',
  'ALTER TABLE lk_parent ADD COLUMN n int',
  'ALTER TABLE lk_parent ADD COLUMN n float8 DEFAULT random()',
  'ALTER TABLE lk_parent ADD COLUMN r int REFERENCES lk_child (id)',
  'ALTER TABLE lk_parent ALTER COLUMN v SET NOT NULL',
  'ALTER TABLE lk_parent ALTER COLUMN v DROP NOT NULL',
  'ALTER TABLE lk_parent ALTER COLUMN v SET DEFAULT 1',
  'ALTER TABLE lk_parent ALTER COLUMN v SET STATISTICS 100',
  'ALTER TABLE lk_parent ALTER COLUMN s SET STORAGE EXTERNAL',
  'ALTER TABLE lk_parent ALTER COLUMN s TYPE varchar(10)',
  'ALTER TABLE lk_parent ADD CONSTRAINT c2 CHECK (v > 0)',
  'ALTER TABLE lk_parent ADD CONSTRAINT c2 CHECK (v > 0) NOT VALID',
  'ALTER TABLE lk_parent VALIDATE CONSTRAINT lk_chk',
  'ALTER TABLE lk_parent ADD CONSTRAINT u2 UNIQUE (id, v)',
  'ALTER TABLE lk_child ADD CONSTRAINT fk2 FOREIGN KEY (pid) REFERENCES lk_parent (id)',
  'ALTER TABLE lk_child ADD CONSTRAINT fk2 FOREIGN KEY (pid) REFERENCES lk_parent (id) NOT VALID',
  'ALTER TABLE lk_child VALIDATE CONSTRAINT lk_fk',
  'ALTER TABLE lk_child DROP CONSTRAINT lk_fk',
  'ALTER TABLE lk_parent SET (fillfactor = 70)',
  'ALTER TABLE lk_parent RESET (autovacuum_enabled)',
  'ALTER TABLE lk_view SET (security_barrier = true)',
  'ALTER TABLE lk_parent CLUSTER ON lk_idx',
  'ALTER TABLE lk_parent DISABLE TRIGGER ALL',
  'ALTER TABLE lk_parent ENABLE ROW LEVEL SECURITY',
  'ALTER TABLE lk_parent REPLICA IDENTITY FULL',
  'ALTER TABLE lk_loose SET UNLOGGED',
  'ALTER TABLE lk_parent RENAME COLUMN s TO s2',
  'ALTER TABLE lk_parent RENAME TO lk_parent2',
  'ALTER VIEW lk_view RENAME TO lk_view2',
  'ALTER INDEX lk_idx RENAME TO lk_idx2',
  'ALTER INDEX lk_idx SET (fillfactor = 70)',
  'ALTER INDEX lk_part_idx ATTACH PARTITION lk_p0_idx',
  'ALTER TABLE lk_parent DROP COLUMN s',
  'ALTER TABLE lk_parent SET SCHEMA lk_s',
  'ALTER TABLE lk_part ATTACH PARTITION lk_loose FOR VALUES FROM (10) TO (20)',
  'ALTER TABLE lk_part DETACH PARTITION lk_p0',
  'CREATE TABLE lk_kid () INHERITS (lk_parent)',
  'CREATE TABLE lk_p1 PARTITION OF lk_part FOR VALUES FROM (20) TO (30)',
  'CREATE TABLE lk_new (id int REFERENCES lk_parent (id))',
  'CREATE TABLE lk_like (LIKE lk_parent)',
  'CREATE TABLE lk_ctas AS SELECT * FROM lk_parent',
  'CREATE VIEW lk_v2 AS SELECT * FROM lk_child',
  'CREATE OR REPLACE VIEW lk_view AS SELECT id, v FROM lk_parent',
  'REFRESH MATERIALIZED VIEW lk_mv',
  'CREATE TRIGGER t BEFORE INSERT ON lk_child FOR EACH ROW EXECUTE FUNCTION lk_noop()',
  'DROP TRIGGER lk_trg ON lk_parent',
  'CREATE POLICY p ON lk_parent USING (true)',
  'ALTER POLICY lk_pol ON lk_parent USING (false)',
  'DROP POLICY lk_pol ON lk_parent',
  'CREATE RULE r AS ON INSERT TO lk_child DO ALSO NOTHING',
  'DROP RULE lk_rule ON lk_child',
  'COMMENT ON TABLE lk_parent IS $$x$$',
  'COMMENT ON COLUMN lk_parent.v IS $$x$$',
  'CREATE STATISTICS lk_st ON v, s FROM lk_parent',
  'REINDEX TABLE lk_parent',
  'REINDEX INDEX lk_idx',
  'CLUSTER lk_parent USING lk_idx',
  'ANALYZE lk_parent',
  'TRUNCATE lk_child',
  'DROP INDEX lk_idx',
  'DROP TABLE lk_child',
  'DROP VIEW lk_view',
  'DROP MATERIALIZED VIEW lk_mv',
  'DROP SEQUENCE lk_seq',
  'LOCK TABLE lk_parent IN SHARE ROW EXCLUSIVE MODE',
  'LOCK TABLE lk_child IN ACCESS SHARE MODE NOWAIT',
  // not into lk_child: its foreign key's check would add ROW SHARE on lk_parent, which no parse tree shows
  'INSERT INTO lk_loose SELECT id, v FROM lk_parent',
  'UPDATE lk_parent SET v = v',
  'DELETE FROM lk_child USING lk_parent WHERE lk_child.pid = lk_parent.id',
  'MERGE INTO lk_loose c USING lk_parent p ON c.k = p.id WHEN MATCHED THEN UPDATE SET x = p.v',
  'COPY lk_parent FROM STDIN',
  'SELECT * FROM lk_parent FOR UPDATE',
  'SELECT count(*) FROM lk_view',
  'ALTER DOMAIN lk_dom ADD CONSTRAINT lk_dc CHECK (VALUE > 0)',
  'SET lock_timeout = 1000',
  'SAVEPOINT lk_sp',
];

// What the answer says PostgreSQL refuses inside a transaction block; the server must agree.
const REFUSED = [
  'CREATE INDEX CONCURRENTLY ON lk_parent (v)',
  'CREATE UNIQUE INDEX CONCURRENTLY ON lk_parent (id)',
  'DROP INDEX CONCURRENTLY lk_idx',
  'REINDEX TABLE CONCURRENTLY lk_parent',
  'REINDEX SCHEMA lk_s',
  'REINDEX DATABASE',
  'VACUUM lk_parent',
  'VACUUM (FULL) lk_parent',
  'CLUSTER',
  'ALTER TABLE lk_part DETACH PARTITION lk_p0 CONCURRENTLY',
  'CREATE DATABASE lk_db',
  'DROP DATABASE lk_db',
  'ALTER SYSTEM SET work_mem = 4096',
  'CREATE TABLESPACE lk_ts LOCATION $$/nonexistent$$',
  'DROP TABLESPACE lk_ts',
  'DISCARD ALL',
];

// COPY FROM STDIN would wait for data: its lock is read with the rows given inline instead
const RUNNABLE: Record<string, string> = {
  'COPY lk_parent FROM STDIN': 'INSERT INTO lk_parent VALUES (1000, 1, null)',
};

// Names are read before the statement runs: a renamed or dropped relation keeps its oid in pg_locks.
const RELATIONS = `
  SELECT c.oid::int8::text AS oid, c.relname AS rel, i.indrelid::regclass::text AS index_of
    FROM pg_class c LEFT JOIN pg_index i ON i.indexrelid = c.oid
   WHERE c.relname LIKE 'lk\\_%'`;
const LOCKS = `
  SELECT l.relation::int8::text AS oid, l.mode FROM pg_locks l
   WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation'`;

function lockContract(open: () => Promise<{ driver: Driver; close: () => Promise<void> }>): void {
  let driver: Driver;
  let close: () => Promise<void>;
  let version = 0;
  before(async function () {
    this.timeout(120_000);
    ({ driver, close } = await open());
    await driver.exec(SETUP);
    version = (await driver.serverVersion()).major;
  });
  after(async () => close?.());

  it('covers every statement kind the answer knows', async () => {
    const parser = await loadParser();
    const kinds = new Set(
      [...STATEMENTS, ...REFUSED].map((sql) => {
        const parsed = parser.parse(sql);
        assert.ok(parsed.ok, sql);
        return nodeKind(parsed.statements[0].node);
      }),
    );
    assert.deepEqual(
      describedKinds().filter((k) => !kinds.has(k)),
      [],
      'statement kinds without a case here',
    );
  });

  for (const sql of STATEMENTS) {
    it(sql, async () => {
      const parser = await loadParser();
      const parsed = parser.parse(sql);
      assert.ok(parsed.ok);
      const facts = describeStatement(parsed.statements[0].node, sql, { postgresVersion: version });
      assert.equal(facts.transaction.kind === 'no-transaction', false, 'runs in a transaction');
      await driver.exec('BEGIN');
      try {
        const relations = (
          await driver.query<{ oid: string; rel: string; index_of: string | null }>(RELATIONS)
        ).rows;
        await driver.exec(RUNNABLE[sql] ?? sql);
        const held = new Map(
          (await driver.query<{ oid: string; mode: string }>(LOCKS)).rows.map((r) => [r.oid, r.mode]),
        );
        const rows = relations
          .filter((r) => held.has(r.oid))
          .map((r) => ({ ...r, mode: held.get(r.oid)!, index_of: r.index_of?.replace(/^.*\./, '') ?? null }));
        const strongest = (match: (r: (typeof rows)[number]) => boolean): string | undefined => {
          const modes = rows.filter(match).map((r) => LOCK_MODES.indexOf(normalizeLockMode(r.mode)!));
          return modes.length ? LOCK_MODES[Math.max(...modes)] : undefined;
        };
        for (const l of facts.locks) {
          const name = l.relation.name;
          if (!name.startsWith('lk_') || /^lk_(new|like|ctas|v2|kid|p1|st)$/.test(name)) continue;
          if (l.object === 'indexes') {
            const indexes = rows.filter((r) => r.index_of === name);
            assert.ok(indexes.length > 0, `no index of ${name} was locked`);
            for (const r of indexes)
              assert.equal(normalizeLockMode(r.mode), l.mode, `lock on index ${r.rel}`);
            continue;
          }
          const actual = strongest((r) => r.rel === name);
          assert.ok(actual !== undefined, `${name} was not locked at all (locks: ${JSON.stringify(rows)})`);
          assert.equal(actual, l.mode, `lock on ${name}`);
        }
      } finally {
        await driver.exec('ROLLBACK');
      }
    });
  }

  for (const sql of REFUSED) {
    it(`refuses in a transaction: ${sql}`, async () => {
      const parser = await loadParser();
      const parsed = parser.parse(sql);
      assert.ok(parsed.ok);
      const rule = describeStatement(parsed.statements[0].node, sql, {
        postgresVersion: version,
      }).transaction;
      assert.equal(rule.kind, 'no-transaction');
      await driver.exec('BEGIN');
      try {
        const err = await driver.exec(sql).then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(err instanceof DbError, 'the server ran it');
        assert.equal(err.code, '25001', err.message);
        assert.ok(
          err.message.includes(
            `${rule.kind === 'no-transaction' ? rule.command : ''} cannot run inside a transaction block`,
          ),
          `${err.message} (predicted: ${rule.kind === 'no-transaction' ? rule.command : ''})`,
        );
        assert.ok(rule.kind === 'no-transaction' && rule.marker.test(sql), 'the marker finds the words');
      } finally {
        await driver.exec('ROLLBACK');
      }
    });
  }
}

describe('pg: locks and transaction rules agree with the server', function () {
  describe('on a real server', () => {
    let db: ScratchDatabase;
    lockContract(async () => {
      db = await createScratchDatabase('pg_locks');
      const driver = await openDriver({ kind: 'url', url: db.url });
      return {
        driver,
        close: async () => {
          await driver.close();
          await db.drop();
        },
      };
    });
  });

  describe('on PGlite', () => {
    lockContract(async () => {
      const driver = await openDriver({ kind: 'embedded', dataDir: pgliteScratchDir() });
      return { driver, close: () => driver.close() };
    });
  });
});

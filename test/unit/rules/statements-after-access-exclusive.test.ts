import assert from 'node:assert/strict';
import { findingsOf, ruleCases } from '../helpers/rule-cases';

const ID = 'statements-after-access-exclusive';

ruleCases(ID, {
  valid: [
    'ALTER TABLE orders ADD COLUMN note text;',
    {
      sql: "UPDATE orders SET status = 'x' WHERE id < 10;\nALTER TABLE orders ADD COLUMN note text;",
      why: 'the ACCESS EXCLUSIVE statement comes last',
    },
    {
      sql: "ALTER TABLE orders ADD COLUMN note text;\nALTER TABLE orders ALTER COLUMN note SET DEFAULT '';\nCOMMENT ON COLUMN orders.note IS 'x';",
      why: 'further quick changes to the same table',
    },
    {
      sql: "ALTER TABLE orders ADD COLUMN note text;\nSET lock_timeout = '1s';\nSELECT 1;",
      why: 'settings and selects without a table',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN note text;\nCREATE TABLE audit (id bigint);\nCREATE INDEX audit_id ON audit (id);',
      why: 'creating new tables and their indexes waits for nothing',
    },
    {
      sql: 'CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN b int;\nUPDATE t SET b = 1;',
      why: 'the locked table was created in the file',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN note text;\nUPDATE items SET x = 1;',
      options: { transactionMode: 'none' },
      why: 'no transaction: each statement commits and releases its lock',
    },
    {
      sql: 'BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nCOMMIT;\nUPDATE items SET x = 1;',
      why: 'the later work runs after COMMIT',
    },
    {
      sql: 'ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES users NOT VALID;\nUPDATE items SET x = 1;',
      why: 'a foreign key takes SHARE ROW EXCLUSIVE, not ACCESS EXCLUSIVE',
    },
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ DROP TABLE t; UPDATE u SET a = 1 $$;',
      why: 'function bodies are not linted',
    },
  ],
  invalid: [
    {
      sql: "ALTER TABLE orders ADD COLUMN note text;\nUPDATE orders SET note = '' WHERE note IS NULL;",
      count: 1,
      message:
        /^UPDATE runs while this transaction holds ACCESS EXCLUSIVE on orders \(taken by ALTER TABLE at line 1\): reads and writes of orders stay blocked until COMMIT/,
      flagged: "UPDATE orders SET note = '' WHERE note IS NULL",
      why: 'a backfill under the lock',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN a int;\nALTER TABLE items ADD COLUMN b int;\nALTER TABLE users ADD COLUMN c int;',
      count: 1,
      message: /^ALTER TABLE runs while this transaction holds ACCESS EXCLUSIVE on orders/,
      flagged: 'ALTER TABLE items ADD COLUMN b int',
      why: 'another table: reported once per transaction',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN user_id bigint;\nCREATE INDEX orders_user_idx ON orders (user_id);',
      message: /^CREATE INDEX runs while/,
      why: 'an index build on the locked table now blocks reads too',
    },
    {
      sql: 'ALTER TABLE orders ADD CONSTRAINT c CHECK (a > 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c;',
      why: 'VALIDATE scans under the ADD CONSTRAINT lock',
    },
    {
      sql: 'DROP INDEX orders_old_idx;\nINSERT INTO log VALUES (1);',
      message: /the table of index orders_old_idx/,
    },
    {
      sql: 'TRUNCATE staging;\nINSERT INTO staging SELECT * FROM source;',
      message: /^INSERT INTO runs while .* staging/,
    },
    { sql: 'LOCK TABLE orders;\nSELECT count(*) FROM orders;', message: /^SELECT runs while/ },
    {
      sql: 'ALTER TABLE orders ADD COLUMN a int;\nWITH s AS (SELECT 1 AS v) UPDATE orders SET a = s.v FROM s;',
      message: /^UPDATE runs while/,
      why: 'a data-changing WITH is named by what it does',
    },
    {
      sql: 'BEGIN;\nALTER TABLE a ADD COLUMN x int;\nUPDATE b SET y = 1;\nCOMMIT;\nBEGIN;\nALTER TABLE c ADD COLUMN x int;\nUPDATE d SET y = 1;\nCOMMIT;',
      count: 2,
      why: 'once per transaction',
    },
    {
      sql: 'DO $$ BEGIN ALTER TABLE orders ADD COLUMN a int; UPDATE orders SET a = 1; END $$;',
      options: { transactionMode: 'none' },
      flagged: 'UPDATE orders SET a = 1',
      why: 'a DO block is one transaction',
    },
    {
      sql: 'ALTER TABLE "tablé" ADD COLUMN a int;\nUPDATE "tablé" SET a = 1;',
      flagged: 'UPDATE "tablé" SET a = 1',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});

describe(`rule ${ID}: help`, () => {
  it('shows the reordered transaction with the ACCESS EXCLUSIVE statement last', async () => {
    const [f] = await findingsOf(ID, 'ALTER TABLE orders ADD COLUMN a int;\nUPDATE items SET b = 1;');
    assert.match(
      f.help,
      /UPDATE items SET b = 1;\n-- the ACCESS EXCLUSIVE statement last[^\n]*\nALTER TABLE orders ADD COLUMN a int;/,
    );
  });
});

import assert from 'node:assert/strict';
import { lint } from '../../../src/core/lint/engine';
import { ruleCases } from '../helpers/rule-cases';

const T = 'CREATE TABLE orders (id bigint PRIMARY KEY, currency text, email text);\n';

ruleCases('batch-directive', {
  valid: [
    {
      sql: "-- pgshift:batch size=5000 key=id delay=10ms\nUPDATE orders SET currency = 'EUR';",
      why: 'unknown table: the runner reads its key',
    },
    {
      sql: `${T}-- pgshift:batch\nUPDATE orders SET currency = 'EUR' WHERE currency IS NULL;`,
      why: 'primary key',
    },
    {
      sql: `${T}-- pgshift:batch size=auto target=100ms\nDELETE FROM orders WHERE currency = 'X';`,
      why: 'DELETE, size=auto',
    },
    {
      sql: 'CREATE TABLE e (a int NOT NULL UNIQUE, b int);\n-- pgshift:batch\nUPDATE e SET b = 1;',
      why: 'a unique NOT NULL column is a key',
    },
    {
      sql: 'CREATE TABLE e (a int NOT NULL, b int);\nCREATE UNIQUE INDEX e_a ON e (a);\n-- pgshift:batch key=a\nUPDATE e SET b = 1;',
      why: 'a unique index added later',
    },
    {
      sql: 'CREATE TABLE e (a int, b int);\nALTER TABLE e ADD PRIMARY KEY (a);\n-- pgshift:batch\nUPDATE e SET b = 1;',
      why: 'a primary key added by ALTER TABLE',
    },
    {
      sql: 'CREATE TABLE e (a int NOT NULL, b int);\nCREATE UNIQUE INDEX e_a ON e (a);\nALTER TABLE e ADD CONSTRAINT e_pk PRIMARY KEY USING INDEX e_a;\n-- pgshift:batch\nUPDATE e SET b = 1;',
      why: 'PRIMARY KEY USING INDEX',
    },
    {
      sql: 'CREATE TABLE c (LIKE orders);\n-- pgshift:batch\nUPDATE c SET currency = 1;',
      why: 'LIKE: the model does not see the whole table',
    },
    {
      sql: `${T}CREATE TABLE archive (id bigint, currency text);\n-- pgshift:batch\nINSERT INTO archive SELECT id, currency FROM orders WHERE currency = 'X';`,
      why: 'INSERT … SELECT keyed on the source table',
    },
    {
      sql: `${T}-- pgshift:batch\nUPDATE orders SET currency = 'EUR';\n-- pgshift:batch\nUPDATE orders SET email = lower(email);`,
      why: 'two directives, two statements',
    },
    { sql: '-- pgshift:no-transaction\nUPDATE t SET a = 1;', why: 'no directive' },
  ],
  invalid: [
    {
      sql: '-- pgshift:batch size=lots\nUPDATE t SET a = 1;',
      count: 1,
      message: /^pgshift:batch: size=lots: write a row count \(size=5000\) or size=auto$/,
      flagged: '-- pgshift:batch size=lots',
    },
    { sql: '-- pgshift:batch speed=9\nUPDATE t SET a = 1;', message: /unknown option "speed=9"/ },
    { sql: 'UPDATE t SET a = 1;\n-- pgshift:batch\n', message: /no statement follows it/ },
    {
      sql: '-- pgshift:batch\nALTER TABLE t ADD COLUMN c int;',
      message: /goes before one UPDATE, DELETE or INSERT … SELECT; this is AlterTableStmt/,
    },
    {
      sql: '-- pgshift:batch\nWITH x AS (SELECT 1) UPDATE t SET a = 1;',
      message: /UPDATE cannot be batched: it has a WITH clause/,
    },
    {
      sql: '-- pgshift:batch\nUPDATE t SET a = u.a FROM u WHERE u.id = t.id;',
      message: /joins other tables/,
    },
    { sql: '-- pgshift:batch\nDELETE FROM t USING u WHERE u.id = t.id;', message: /DELETE … USING/ },
    { sql: '-- pgshift:batch\nUPDATE t SET a = 1 RETURNING id;', message: /RETURNING/ },
    { sql: '-- pgshift:batch\nINSERT INTO t VALUES (1);', message: /INSERT … VALUES cannot be batched/ },
    {
      sql: '-- pgshift:batch\nINSERT INTO t SELECT a, count(*) FROM u GROUP BY a;',
      message: /groups or de-duplicates/,
    },
    {
      sql: 'CREATE TABLE e (a int, b int);\n-- pgshift:batch\nUPDATE e SET b = 1;',
      count: 1,
      message:
        /^pgshift:batch: e has no single-column primary key or unique NOT NULL column to batch by: add key=<column> naming one$/,
    },
    {
      sql: 'CREATE TABLE e (a int UNIQUE, b int);\n-- pgshift:batch key=a\nUPDATE e SET b = 1;',
      message: /key=a: e has no unique index on a alone, or the column may be NULL/,
      why: 'unique but nullable',
    },
    {
      sql: 'CREATE TABLE e (a int, b int, PRIMARY KEY (a, b));\n-- pgshift:batch\nUPDATE e SET b = 1;',
      message: /no single-column primary key/,
      why: 'a two-column primary key',
    },
    {
      sql: `${T}-- pgshift:batch key=uuid\nUPDATE orders SET currency = 1;`,
      message: /key=uuid: orders has no column uuid/,
    },
    {
      sql: `${T}-- pgshift:batch\n-- pgshift:batch\nUPDATE orders SET currency = 1;`,
      count: 1,
      message: /a second directive before the same statement/,
    },
    {
      sql: `BEGIN;\n-- pgshift:batch\nUPDATE t SET a = 1;\nCOMMIT;`,
      message: /inside the file's own BEGIN … COMMIT/,
    },
  ],
});

describe('rule batch-directive: with the schema of earlier migrations', () => {
  it('knows the key of a table an earlier migration created, and the file runs outside a transaction', async () => {
    const first = await lint(
      'CREATE TABLE users (id uuid PRIMARY KEY, email text);\nCREATE TABLE logs (at timestamptz, msg text);',
    );
    const opts = { priorSchema: first.schemaAfter };
    const ok = await lint('-- pgshift:batch\nUPDATE users SET email = lower(email);', opts);
    assert.deepEqual(
      ok.findings.filter((f) => f.rule === 'batch-directive'),
      [],
    );
    assert.equal(ok.statements[0].inTransaction, false, 'a file holding a batch runs statement by statement');
    const bad = await lint('-- pgshift:batch\nDELETE FROM logs WHERE at < now();', opts);
    assert.match(
      bad.findings.find((f) => f.rule === 'batch-directive')?.message ?? '',
      /logs has no single-column primary key/,
    );
  });

  it('a batch in a dbmate up section makes that section, not the down, run outside a transaction', async () => {
    const res = await lint(
      '-- migrate:up\n-- pgshift:batch\nUPDATE t SET a = 1;\nALTER TABLE t ADD COLUMN c int;\n-- migrate:down\nALTER TABLE t DROP COLUMN c;\nUPDATE t SET a = 0;',
    );
    assert.deepEqual(
      res.statements.map((s) => s.inTransaction),
      [false, false, true, true],
    );
  });
});

import { ruleCases } from '../helpers/rule-cases';

ruleCases('duplicate-column', {
  valid: [
    'UPDATE t SET a = 1, b = 2;',
    {
      sql: 'UPDATE t SET pos.x = 1, pos.y = 2;',
      why: 'fields of one composite column may be set separately',
    },
    { sql: 'UPDATE t SET pos.x = 1, pos.x = 2;', why: 'two field assignments: PostgreSQL allows them' },
    { sql: "UPDATE t SET tags[1] = 'a', tags[2] = 'b';", why: 'array elements may be set separately' },
    { sql: 'UPDATE t SET a = 1, "A" = 2;', why: 'quoted "A" and bare a are different columns' },
    { sql: 'INSERT INTO t (id, pos.x, pos.y) VALUES (1, 2, 3);', why: 'INSERT into fields of one column' },
    { sql: 'CREATE TABLE t (a int, "A" text);', why: 'quoted "A" and bare a are different columns' },
    { sql: 'CREATE TABLE t (a int, b int, UNIQUE (a, b), UNIQUE (b, a));', why: 'each key names a once' },
    { sql: 'CREATE TABLE t (a int PRIMARY KEY, b int) INHERITS (parent);', why: 'inherited columns merge' },
    {
      sql: 'ALTER TABLE t ADD COLUMN z int, ADD COLUMN IF NOT EXISTS z text;',
      why: 'IF NOT EXISTS skips the second one with a notice',
    },
    { sql: 'ALTER TABLE t DROP COLUMN a, ADD COLUMN a text;', why: 'drops run before adds' },
    { sql: 'CREATE INDEX t_a_a ON t (a, a);', why: 'an index may repeat a column' },
    { sql: 'ALTER TABLE t ADD CONSTRAINT k UNIQUE (a) INCLUDE (a);', why: 'INCLUDE is not part of the key' },
    {
      sql: 'CREATE VIEW v (x_id, y_id) AS SELECT x.id, y.id FROM x, y;',
      why: 'the column list renames them',
    },
    { sql: 'CREATE VIEW v AS SELECT x.id AS x_id, y.id FROM x, y;', why: 'an alias renames one' },
    { sql: 'CREATE VIEW v AS SELECT a FROM t UNION SELECT a FROM t;', why: 'UNION branches are not columns' },
    { sql: 'CREATE VIEW v AS SELECT *, a FROM t;', why: 'what * expands to is unknown: not compared' },
    {
      sql: "CREATE VIEW v AS SELECT current_date::text, 'x'::text;",
      why: 'current_date::text is named current_date, not text: unmodelled names are not compared',
    },
    { sql: "UPDATE t SET a = 'x' || 'a = 1, a = 2';", why: 'text in a literal' },
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ UPDATE t SET a = 1, a = 2 $$;',
      why: 'function bodies are not run by the migration',
    },
    {
      sql: 'CREATE RULE r AS ON INSERT TO t DO INSTEAD UPDATE t SET a = 1, a = 2;',
      why: 'PostgreSQL accepts the rule; it fails only when it fires',
    },
    { sql: 'ANALYZE t (a, "A");', why: 'different columns' },
  ],
  invalid: [
    {
      sql: 'UPDATE accounts SET status = 1, plan = 2, status = 3;',
      count: 1,
      message:
        /^UPDATE accounts assigns column status twice: .*"multiple assignments to same column "status""/,
      flagged: 'status',
    },
    {
      sql: 'UPDATE t SET b = 0, (a, b) = (1, 2);',
      flagged: 'b',
      why: 'a row assignment counts each of its columns',
    },
    { sql: 'UPDATE t SET (a, a) = (1, 2);', count: 1 },
    { sql: 'UPDATE t SET pos = NULL, pos.x = 2;', flagged: 'pos.x', why: 'a whole and a part of one column' },
    { sql: 'UPDATE t SET a = 1, A = 2;', flagged: 'A', why: 'bare A is folded to a' },
    {
      sql: 'UPDATE t SET a = 1, a = 2, a = 3, b = 1, b = 2;',
      count: 2,
      why: 'one finding per column',
    },
    {
      sql: 'INSERT INTO accounts (id, email, email) VALUES (1, 2, 3);',
      count: 1,
      message: /^INSERT INTO accounts lists column email twice: .*"column "email" specified more than once"/,
    },
    { sql: 'INSERT INTO t (id, pos, pos.y) VALUES (1, NULL, 3);', flagged: 'pos.y' },
    {
      sql: 'INSERT INTO t (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET a = 1, a = 2;',
      message: /ON CONFLICT DO UPDATE assigns column a twice/,
    },
    {
      sql: 'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = 1, a = 2 WHEN NOT MATCHED THEN INSERT (a, a) VALUES (1, 2);',
      count: 2,
    },
    {
      sql: 'WITH u AS (UPDATE t SET a = 1, a = 2 RETURNING id) SELECT * FROM u;',
      why: 'a data-modifying WITH',
    },
    {
      sql: 'CREATE TABLE accounts (id bigint, Email text, email text);',
      count: 1,
      message:
        /^CREATE TABLE accounts defines column email twice: .*"column "email" specified more than once"/,
      flagged: 'email',
    },
    {
      sql: 'CREATE TABLE accounts (id bigint);\nALTER TABLE accounts ADD COLUMN a int, ADD COLUMN a text;',
      message:
        /ALTER TABLE accounts adds column a twice: .*"column "a" of relation "accounts" already exists"/,
      why: 'a table created earlier in the file: still fails',
    },
    {
      sql: 'ALTER TABLE s.t ADD COLUMN IF NOT EXISTS z int, ADD z text;',
      message: /relation "t" already exists/,
      why: 'the second ADD has no IF NOT EXISTS',
    },
    {
      sql: 'CREATE TABLE p1 PARTITION OF p (b WITH OPTIONS NOT NULL, b WITH OPTIONS DEFAULT 1) FOR VALUES IN (1);',
      count: 1,
    },
    {
      sql: 'CREATE FOREIGN TABLE f (a int, a text) SERVER s;',
      count: 1,
    },
    {
      sql: 'CREATE TABLE t (a int, b int, PRIMARY KEY (a, "a"));',
      message: /PRIMARY KEY on t lists column a twice: .*appears twice in primary key constraint/,
      flagged: '"a"',
    },
    {
      sql: 'ALTER TABLE t ADD CONSTRAINT t_key UNIQUE NULLS NOT DISTINCT (a, b, a);',
      message: /appears twice in unique constraint/,
      flagged: 'a',
    },
    {
      sql: 'COPY t (a, b, a) FROM stdin;',
      message: /^COPY t lists column a twice/,
      flagged: 'a',
    },
    {
      sql: 'ANALYZE t (a, b, A);',
      message: /"column "a" of relation "t" appears more than once"/,
      flagged: 'A',
    },
    {
      sql: 'CREATE VIEW owners AS SELECT accounts.id, users.id FROM accounts JOIN users ON true;',
      count: 1,
      message:
        /^CREATE VIEW owners would have two columns named id: .*"column "id" specified more than once"/,
      flagged: 'users.id',
    },
    {
      sql: 'CREATE VIEW v (id) AS SELECT x.id, y.id FROM x, y;',
      flagged: 'y.id',
      why: 'the column list renames only the first column',
    },
    { sql: 'CREATE VIEW v (a, a) AS SELECT 1, 2;', message: /named a:/ },
    { sql: 'CREATE MATERIALIZED VIEW m AS SELECT count(*), count(a) FROM t;', message: /named count:/ },
    {
      sql: 'CREATE TABLE x AS SELECT a, b AS a FROM t;',
      message: /^CREATE TABLE x AS would have two columns/,
    },
    { sql: "CREATE VIEW v AS SELECT 1::int, 2::int4, 'x'::text;", message: /named int4:/ },
    { sql: 'CREATE VIEW v AS SELECT a::text, a FROM t;', message: /named a:/ },
    { sql: 'SELECT a, a INTO x FROM t;', message: /^SELECT \.\.\. INTO x would have two columns named a/ },
    {
      sql: `UPDATE t SET ${'a'.repeat(63)}x = 1, ${'a'.repeat(63)}y = 2;`,
      count: 1,
      why: 'PostgreSQL truncates names to 63 bytes: both are the same column',
    },
    {
      sql: 'DO $$ BEGIN UPDATE t SET a = 1, a = 2; END $$;',
      flagged: 'a',
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: 'SELECT 1;\nUPDATE tablé SET é = 1, É = 2, é = 3;',
      count: 1,
      flagged: 'é',
      why: 'non-ASCII names are not case-folded; byte ranges',
    },
    {
      sql: 'SELECT 1;\nCREATE TABLE t (id int, "é" int, PRIMARY KEY (é, "é"));',
      flagged: '"é"',
      why: 'non-ASCII key lists: byte ranges',
    },
    {
      sql: '-- pgshift:no-transaction\nUPDATE t SET a = 1, a = 2;',
      options: { transactionMode: 'none' },
      why: 'fails outside a transaction too',
    },
  ],
});

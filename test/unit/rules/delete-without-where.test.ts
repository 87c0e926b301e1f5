import { ruleCases } from '../helpers/rule-cases';

ruleCases('delete-without-where', {
  valid: [
    {
      sql: '-- pgshift:batch\nDELETE FROM accounts;',
      why: 'batched on purpose: no row stays locked past its batch',
    },
    "DELETE FROM sessions WHERE expires_at < now() - interval '30 days';",
    'DELETE FROM s USING u WHERE s.uid = u.id;',
    { sql: 'DELETE FROM t WHERE CURRENT OF c;', why: 'WHERE CURRENT OF names one row' },
    {
      sql: 'CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);\nDELETE FROM t;',
      why: 'table created earlier in the same file',
    },
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ DELETE FROM t $$;',
      why: 'function bodies do not run at migration time',
    },
    'UPDATE t SET a = 1 WHERE id = 2;',
  ],
  invalid: [
    {
      sql: 'SELECT 1;\nDELETE FROM accounts;',
      output: 'SELECT 1;\n-- pgshift:batch\nDELETE FROM accounts;',
      why: 'the quick fix batches it',
    },
    {
      sql: 'DELETE FROM sessions;',
      count: 1,
      message:
        /^DELETE FROM sessions has no WHERE: it deletes every row of sessions and keeps each one locked until the transaction ends$/,
      flagged: 'sessions',
    },
    { sql: 'DELETE FROM sessions USING users;', why: 'USING without a join condition' },
    { sql: 'DELETE FROM ONLY app."Sessions" s WHERE true;', flagged: 'app."Sessions"', why: 'WHERE true' },
    {
      sql: 'WITH gone AS (DELETE FROM t RETURNING *) INSERT INTO t_archive SELECT * FROM gone;',
      flagged: 't',
      why: 'data-modifying CTE',
    },
    {
      sql: 'CREATE TABLE s.t (a int);\nDELETE FROM other.t;',
      why: 'same table name in another schema is not new',
    },
    {
      sql: 'DELETE FROM t;',
      options: { transactionMode: 'none' },
      why: 'no transaction does not make it safe',
    },
    {
      sql: 'DO $$ BEGIN DELETE FROM sessions; END $$;',
      flagged: 'sessions',
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: 'SELECT 1;\nDELETE FROM sitzungen_ö;',
      flagged: 'sitzungen_ö',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});

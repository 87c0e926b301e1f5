import { ruleCases } from '../helpers/rule-cases';

ruleCases('ban-truncate', {
  valid: [
    { sql: 'CREATE TABLE t (a int);\nTRUNCATE t;', why: 'table created earlier in the same file' },
    { sql: 'TRUNCATE orders CASCADE;', why: 'reported by ban-truncate-cascade' },
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ TRUNCATE t $$;',
      why: 'function bodies do not run at migration time',
    },
    'DELETE FROM t WHERE id = 1;',
  ],
  invalid: [
    {
      sql: 'TRUNCATE sessions;',
      count: 1,
      message:
        /^TRUNCATE sessions deletes every row of sessions and takes an ACCESS EXCLUSIVE lock on it: reads and writes wait until the transaction ends$/,
      flagged: 'sessions',
    },
    {
      sql: 'CREATE TABLE t (a int);\nTRUNCATE TABLE t, ONLY app."Cache" RESTART IDENTITY;',
      count: 1,
      flagged: 'app."Cache"',
      why: 'only the existing tables',
    },
    { sql: 'TRUNCATE a, b;', count: 2 },
    { sql: 'CREATE TABLE s.t (a int);\nTRUNCATE other.t;', why: 'same name in another schema is not new' },
    { sql: 'TRUNCATE t;', options: { transactionMode: 'none' }, why: 'no transaction does not make it safe' },
    {
      sql: 'DO $$ BEGIN TRUNCATE sessions; END $$;',
      flagged: 'sessions',
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: 'SELECT 1;\nTRUNCATE sitzungsdaten_ä;',
      flagged: 'sitzungsdaten_ä',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});

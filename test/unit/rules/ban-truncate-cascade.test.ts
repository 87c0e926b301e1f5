import { ruleCases } from '../helpers/rule-cases';

ruleCases('ban-truncate-cascade', {
  valid: [
    'TRUNCATE customers, orders;',
    {
      sql: 'CREATE TABLE c (id int PRIMARY KEY);\nCREATE TABLE o (c int REFERENCES c);\nTRUNCATE c CASCADE;',
      why: 'table created earlier in the same file',
    },
    {
      sql: 'CREATE TABLE c (id int PRIMARY KEY);\nALTER TABLE c ADD CONSTRAINT self FOREIGN KEY (id) REFERENCES c;\nTRUNCATE c CASCADE;',
      why: 'a foreign key between new tables',
    },
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ TRUNCATE t CASCADE $$;',
      why: 'function bodies do not run at migration time',
    },
  ],
  invalid: [
    {
      sql: 'TRUNCATE customers CASCADE;',
      count: 1,
      message:
        /^TRUNCATE customers CASCADE also empties every table with a foreign key to customers, and every table referencing those/,
      flagged: 'CASCADE',
    },
    {
      sql: 'CREATE TABLE c (id int PRIMARY KEY);\nALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (c) REFERENCES c;\nTRUNCATE c CASCADE;',
      why: 'an existing table was given a foreign key to the new table',
    },
    {
      sql: 'CREATE TABLE t (a int);\nTRUNCATE t, u CASCADE;',
      message: /^TRUNCATE t, u CASCADE/,
      why: 'any existing table',
    },
    {
      sql: 'TRUNCATE t CASCADE;',
      options: { transactionMode: 'none' },
      why: 'no transaction does not make it safe',
    },
    {
      sql: 'DO $$ BEGIN TRUNCATE customers CASCADE; END $$;',
      flagged: 'CASCADE',
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: 'SELECT 1;\nTRUNCATE "Kündigungen" CASCADE;',
      flagged: 'CASCADE',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});

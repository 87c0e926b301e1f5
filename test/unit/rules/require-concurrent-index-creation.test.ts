import { ruleCases } from '../helpers/rule-cases';

ruleCases('require-concurrent-index-creation', {
  valid: [
    '-- pgshift:no-transaction\nCREATE INDEX CONCURRENTLY orders_user_idx ON orders (user_id);',
    {
      sql: 'CREATE TABLE t (a int);\nCREATE INDEX t_a ON t (a);',
      why: 'table created earlier in the same file is empty',
    },
    { sql: 'CREATE TABLE s.t (a int);\nCREATE INDEX t_a ON s.t (a);', why: 'schema-qualified new table' },
  ],
  invalid: [
    {
      sql: 'CREATE INDEX orders_user_idx ON orders (user_id);',
      count: 1,
      message: /SHARE lock: writes to orders wait/,
      flagged: 'orders',
      output: '-- pgshift:no-transaction\nCREATE INDEX CONCURRENTLY orders_user_idx ON orders (user_id);',
    },
    {
      sql: '-- pgshift:no-transaction\nCREATE UNIQUE INDEX u ON "Orders" (id);',
      output: '-- pgshift:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY u ON "Orders" (id);',
      flagged: '"Orders"',
    },
    {
      sql: 'CREATE TABLE t (a int);\nCREATE INDEX o ON other.t (a);',
      why: 'same name in another schema is not new',
    },
    {
      sql: 'DO $$ BEGIN CREATE INDEX i ON big (a); END $$;',
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: 'SELECT 1;\nCREATE INDEX é_idx ON é (a);',
      flagged: 'é',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});

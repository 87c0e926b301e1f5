import { ruleCases } from '../helpers/rule-cases';

ruleCases('uncommitted-transaction', {
  valid: [
    'BEGIN;\nALTER TABLE t ADD COLUMN a int;\nCOMMIT;',
    'BEGIN;\nSELECT 1;\nROLLBACK;',
    'START TRANSACTION;\nSELECT 1;\nEND;',
    { sql: 'ALTER TABLE t ADD COLUMN a int;', why: 'the runner wraps and commits the file' },
    { sql: 'DO $$ BEGIN PERFORM 1; END $$;', why: 'a PL/pgSQL BEGIN is not a transaction' },
    {
      sql: '-- migrate:up\nBEGIN;\nSELECT 1;\nCOMMIT;\n-- migrate:down\nBEGIN;\nSELECT 2;\nCOMMIT;',
      why: 'each dbmate section commits',
    },
  ],
  invalid: [
    {
      sql: 'BEGIN;\nALTER TABLE orders ADD COLUMN note text;\n',
      count: 1,
      message:
        /^BEGIN on line 1 is never committed: the transaction is still open at the end of the file, and PostgreSQL rolls back everything in it when the connection closes$/,
      flagged: 'BEGIN',
      output: 'BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nCOMMIT;\n',
    },
    {
      sql: 'BEGIN;\nSELECT 1;\nCOMMIT;\nstart transaction;\nSELECT 2 -- no semicolon',
      flagged: 'start transaction',
      output: 'BEGIN;\nSELECT 1;\nCOMMIT;\nstart transaction;\nSELECT 2;\nCOMMIT; -- no semicolon',
      why: 'a second transaction left open; the last statement has no semicolon',
    },
    {
      sql: 'BEGIN;\nSELECT 1;\nCOMMIT AND CHAIN;\nSELECT 2;',
      message: /^COMMIT AND CHAIN on line 3 is never committed/,
      output: 'BEGIN;\nSELECT 1;\nCOMMIT AND CHAIN;\nSELECT 2;\nCOMMIT;',
    },
    {
      sql: '-- migrate:up\nBEGIN;\nSELECT 1;\n\n-- migrate:down\nSELECT 2;\n',
      count: 1,
      message: /at the end of the section/,
      output: '-- migrate:up\nBEGIN;\nSELECT 1;\nCOMMIT;\n\n-- migrate:down\nSELECT 2;\n',
      why: 'dbmate up section left open',
    },
    {
      sql: "SELECT 'ä';\nBEGIN;\nSELECT 'ö';",
      flagged: 'BEGIN',
      output: "SELECT 'ä';\nBEGIN;\nSELECT 'ö';\nCOMMIT;",
      why: 'non-ASCII text: byte ranges',
    },
  ],
});

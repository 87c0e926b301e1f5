import { ruleCases } from '../helpers/rule-cases';

ruleCases('commit-without-begin', {
  valid: [
    'BEGIN;\nSELECT 1;\nCOMMIT;',
    'START TRANSACTION;\nSELECT 1;\nROLLBACK;\nBEGIN;\nSELECT 2;\nEND;',
    {
      sql: 'BEGIN;\nSELECT 1;\nCOMMIT AND CHAIN;\nSELECT 2;\nCOMMIT;',
      why: 'COMMIT AND CHAIN opens the next transaction',
    },
    {
      sql: 'DO $$ BEGIN PERFORM 1; COMMIT; END $$;',
      why: 'COMMIT inside a DO block is PL/pgSQL, not a file statement',
    },
    {
      sql: '-- migrate:up\nBEGIN;\nSELECT 1;\n-- migrate:down\nSELECT 2;',
      why: 'a section without COMMIT is uncommitted-transaction, not this rule',
    },
  ],
  invalid: [
    {
      sql: 'ALTER TABLE orders ADD COLUMN note text;\nALTER TABLE orders ADD COLUMN tag text;\nCOMMIT;\n',
      count: 1,
      message:
        /^COMMIT with no open transaction: PostgreSQL only warns "there is no transaction in progress", and the 2 statements before it ran without a transaction, each committed on its own$/,
      flagged: 'COMMIT',
      output: 'ALTER TABLE orders ADD COLUMN note text;\nALTER TABLE orders ADD COLUMN tag text;\n',
    },
    {
      sql: 'BEGIN;\nSELECT 1;\nCOMMIT;\nCOMMIT ;  \nSELECT 2;',
      count: 1,
      message: /^COMMIT with no open transaction: the transaction already ended on line 3;/,
      output: 'BEGIN;\nSELECT 1;\nCOMMIT;\nSELECT 2;',
      why: 'a second COMMIT',
    },
    {
      sql: 'SELECT 1;\nABORT;',
      message: /^ABORT with no open transaction: .* the statement before it ran/,
      flagged: 'ABORT',
    },
    {
      sql: '-- pgshift:no-transaction\nEND;',
      message: /^END with no open transaction: PostgreSQL only warns "there is no transaction in progress"$/,
    },
    {
      sql: "SELECT 'ü';\nrollback",
      flagged: 'rollback',
      output: "SELECT 'ü';\n",
      why: 'non-ASCII text before: byte ranges; no semicolon',
    },
  ],
});

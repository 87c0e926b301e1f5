import { ruleCases } from '../helpers/rule-cases';

ruleCases('transaction-nesting', {
  valid: [
    'BEGIN;\nALTER TABLE t ADD COLUMN a int;\nCOMMIT;',
    'BEGIN;\nSELECT 1;\nCOMMIT;\nSTART TRANSACTION;\nSELECT 2;\nROLLBACK;',
    'BEGIN;\nSAVEPOINT s;\nSELECT 1;\nROLLBACK TO SAVEPOINT s;\nRELEASE SAVEPOINT s;\nCOMMIT;',
    {
      sql: 'BEGIN;\nSELECT 1;\nCOMMIT AND CHAIN;\nSAVEPOINT s;\nCOMMIT;',
      why: 'COMMIT AND CHAIN opens the next transaction at once',
    },
    { sql: 'ALTER TABLE t ADD COLUMN a int;', why: 'the runner wraps the file' },
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN BEGIN PERFORM 1; END; END $$;',
      why: 'PL/pgSQL BEGIN blocks are not transactions',
    },
    {
      sql: 'DO $$ BEGIN BEGIN PERFORM 1; EXCEPTION WHEN others THEN NULL; END; END $$;',
      why: 'DO block sub-blocks are not transactions',
    },
    {
      sql: '-- migrate:up\nBEGIN;\nSELECT 1;\nCOMMIT;\n-- migrate:down\nBEGIN;\nSELECT 2;\nCOMMIT;',
      why: 'dbmate sections are replayed separately',
    },
  ],
  invalid: [
    {
      sql: 'BEGIN;\nALTER TABLE t ADD COLUMN a int;\nBEGIN;\nUPDATE t SET a = 1 WHERE id = 1;\nCOMMIT;\nCOMMIT;',
      count: 1,
      message:
        /^BEGIN inside the transaction opened on line 1: PostgreSQL only warns "there is already a transaction in progress", so the next COMMIT commits everything since line 1$/,
      flagged: 'BEGIN',
    },
    {
      sql: 'BEGIN;\nSTART TRANSACTION ISOLATION LEVEL SERIALIZABLE;\nCOMMIT;',
      message: /^START inside the transaction opened on line 1/,
      flagged: 'START TRANSACTION ISOLATION LEVEL SERIALIZABLE',
    },
    {
      sql: 'ALTER TABLE t ADD COLUMN a int;\nSAVEPOINT s;\nCOMMIT;',
      message:
        /^SAVEPOINT outside a transaction block fails: "SAVEPOINT can only be used in transaction blocks"$/,
      flagged: 'SAVEPOINT s',
    },
    {
      sql: 'BEGIN;\nCOMMIT;\nROLLBACK TO SAVEPOINT s;',
      message: /^ROLLBACK TO SAVEPOINT outside a transaction block fails/,
      why: 'after the transaction ended',
    },
    {
      sql: '-- pgshift:no-transaction\nRELEASE SAVEPOINT s;',
      message: /^RELEASE SAVEPOINT outside/,
      why: 'no-transaction file',
    },
    {
      sql: '-- migrate:up\nBEGIN;\nBEGIN;\nCOMMIT;\n-- migrate:down\nSELECT 1;',
      count: 1,
      flagged: 'BEGIN',
      why: 'inside a dbmate section',
    },
    {
      sql: "SELECT 'é';\nBEGIN;\nbegin;\nCOMMIT;",
      flagged: 'begin',
      message: /opened on line 2/,
      why: 'non-ASCII text before: byte ranges',
    },
  ],
});

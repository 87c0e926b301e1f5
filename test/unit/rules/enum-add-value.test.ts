import { ruleCases } from '../helpers/rule-cases';

const add = "ALTER TYPE mood ADD VALUE 'happy';";

ruleCases('enum-add-value', {
  valid: [
    { sql: add, why: 'PG 12+: ADD VALUE may run in a transaction' },
    {
      sql: `${add}\nALTER TYPE mood ADD VALUE 'sad' AFTER 'happy';`,
      why: 'naming the new value as a neighbour is not a use; no ordering hint',
    },
    {
      sql: add,
      options: { postgresVersion: 11, transactionMode: 'none' },
      why: 'PG 11 outside a transaction',
    },
    {
      sql: `-- pgshift:no-transaction\n${add}`,
      options: { postgresVersion: 11 },
      why: 'PG 11, no-transaction file',
    },
    {
      sql: "CREATE TYPE mood AS ENUM ('ok');\nALTER TYPE mood ADD VALUE 'happy';",
      options: { postgresVersion: 11 },
      why: 'PG 11 allows it when the type was created in the same transaction',
    },
    {
      sql: `-- pgshift:no-transaction\n${add}\nUPDATE people SET mood = 'happy' WHERE id = 1;`,
      why: 'each statement commits on its own',
    },
    { sql: `BEGIN;\n${add}\nCOMMIT;\nUPDATE people SET mood = 'happy';`, why: 'used after the COMMIT' },
    { sql: `${add}\nSELECT 'happy'::text;`, why: 'cast to another type is not a use of the enum' },
    {
      sql: "CREATE TYPE mood AS ENUM ('ok');\nALTER TYPE mood ADD VALUE 'happy';\nSELECT 'happy'::mood;",
      options: { postgresVersion: 17 },
      why: 'PG 17+: values of a type created in the same transaction are usable',
    },
    {
      sql: "CREATE TYPE mood AS ENUM ('ok');\nALTER TYPE mood RENAME VALUE 'ok' TO 'fine';",
      why: 'renaming a value of a type created in this file',
    },
    {
      sql: "CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ ALTER TYPE mood RENAME VALUE 'ok' TO 'fine' $$;",
      why: 'function bodies do not run at migration time',
    },
  ],
  invalid: [
    {
      sql: `${add}\nUPDATE people SET mood = 'happy'::mood WHERE id = 1;`,
      count: 1,
      message:
        /^'happy'::mood is used in the same transaction that added 'happy' to mood: PostgreSQL fails with "unsafe use of new value" until the ADD VALUE commits$/,
      flagged: "'happy'",
      output: `-- pgshift:no-transaction\n${add}\nUPDATE people SET mood = 'happy'::mood WHERE id = 1;`,
    },
    {
      sql: `BEGIN;\n${add}\nALTER TABLE people ALTER COLUMN mood SET DEFAULT 'happy';\nCOMMIT;`,
      count: 1,
      message: /where it is read as a mood value, PostgreSQL fails/,
      why: 'an untyped literal in an explicit transaction',
    },
    {
      sql: "CREATE TYPE mood AS ENUM ('ok');\nALTER TYPE mood ADD VALUE 'happy';\nSELECT 'happy'::mood;",
      options: { postgresVersion: 16 },
      why: 'PG 12-16: even when the type was created in the same transaction',
    },
    {
      sql: "DO $$ BEGIN ALTER TYPE mood ADD VALUE 'happy'; INSERT INTO people (mood) VALUES ('happy'); END $$;",
      count: 1,
      why: 'a DO block is one transaction',
    },
    {
      sql: add,
      options: { postgresVersion: 11 },
      count: 1,
      message: /^ALTER TYPE mood ADD VALUE 'happy' fails inside a transaction block on PostgreSQL 11/,
      flagged: 'ADD VALUE',
      output: `-- pgshift:no-transaction\n${add}`,
    },
    {
      sql: `-- pgshift:no-transaction\nBEGIN;\n${add}\nCOMMIT;`,
      options: { postgresVersion: 10 },
      why: 'PG 10 inside an explicit BEGIN',
    },
    {
      sql: "DO $$ BEGIN ALTER TYPE mood ADD VALUE 'happy'; END $$;",
      options: { postgresVersion: 11, transactionMode: 'none' },
      message: /fails inside a DO block/,
    },
    {
      sql: "ALTER TYPE public.mood RENAME VALUE 'ok' TO 'fine';",
      count: 1,
      message:
        /^ALTER TYPE public.mood RENAME VALUE 'ok' TO 'fine' breaks every client that still reads or writes 'ok'/,
      flagged: 'RENAME VALUE',
    },
    {
      sql: "SELECT 1;\nALTER TYPE é ADD VALUE 'ü';\nINSERT INTO t VALUES ('ü');",
      flagged: "'ü'",
      why: 'non-ASCII values: byte ranges',
    },
  ],
});

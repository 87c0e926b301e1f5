import { ruleCases } from '../helpers/rule-cases';

ruleCases('ban-create-enum', {
  valid: [
    'CREATE TABLE order_status (name text PRIMARY KEY);',
    { sql: 'CREATE TYPE point2 AS (x int, y int);', why: 'a composite type is not an enum' },
    { sql: 'CREATE DOMAIN positive AS int CHECK (VALUE > 0);', why: 'domains are another rule' },
    {
      sql: "ALTER TYPE order_status ADD VALUE 'refunded';",
      why: 'changing an existing enum is another rule',
    },
    {
      sql: "CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ CREATE TYPE e AS ENUM ('a') $$;",
      why: 'function bodies are not run by the migration',
    },
  ],
  invalid: [
    {
      sql: "CREATE TYPE order_status AS ENUM ('pending', 'paid');",
      count: 1,
      message:
        /^enum order_status cannot lose or reorder values later: PostgreSQL has no ALTER TYPE \.\.\. DROP VALUE/,
      flagged: 'order_status',
    },
    {
      sql: 'CREATE TYPE app."OrderStatus" AS ENUM (\'a\');',
      message: /^enum app\."OrderStatus" /,
      flagged: 'app."OrderStatus"',
    },
    {
      sql: "CREATE TYPE mood AS ENUM ('sad', 'happy');",
      options: { postgresVersion: 11 },
      message: /on PostgreSQL 11 even ADD VALUE cannot run inside a transaction block/,
      why: 'before PostgreSQL 12 ADD VALUE cannot run in a transaction',
    },
    {
      sql: "CREATE TYPE mood AS ENUM ('sad');",
      options: { postgresVersion: 16 },
      message: /^(?!.*even ADD VALUE)/,
      why: 'PostgreSQL 12+: no transaction note in the message',
    },
    {
      sql: "-- pgshift:no-transaction\nCREATE TYPE mood AS ENUM ('sad');",
      count: 1,
      why: 'outside a transaction the type is just as hard to change',
    },
    {
      sql: "CREATE TYPE mood AS ENUM ('sad');\nCREATE TABLE person (id int, mood mood);",
      count: 1,
      why: 'a type created in the same file is flagged: evolving it later is the problem',
    },
    {
      sql: "DO $$ BEGIN CREATE TYPE mood AS ENUM ('sad'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;",
      flagged: 'mood',
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: "SELECT 1;\nCREATE TYPE humör AS ENUM ('glad');",
      flagged: 'humör',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});

import { ruleCases } from '../helpers/rule-cases';

ruleCases('adding-field-with-default', {
  valid: [
    "ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';",
    {
      sql: 'ALTER TABLE orders ADD COLUMN created_at timestamptz DEFAULT now();',
      why: 'now() is STABLE: evaluated once on PG 11+',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN created_at timestamptz DEFAULT CURRENT_TIMESTAMP;',
      why: 'CURRENT_TIMESTAMP is STABLE',
    },
    {
      sql: "ALTER TABLE orders ADD COLUMN created_at timestamp DEFAULT (now() AT TIME ZONE 'utc');",
      why: 'AT TIME ZONE is timezone(), IMMUTABLE/STABLE',
    },
    { sql: "ALTER TABLE orders ADD COLUMN meta jsonb DEFAULT '{}'::jsonb;", why: 'a cast literal' },
    {
      sql: "ALTER TABLE orders ADD COLUMN year text DEFAULT to_char(now(), 'YYYY');",
      why: 'to_char is STABLE',
    },
    { sql: 'ALTER TABLE orders ADD COLUMN tags int[] DEFAULT ARRAY[1, 2];', why: 'an array constructor' },
    {
      sql: 'ALTER TABLE orders ADD COLUMN note text DEFAULT NULL;',
      options: { postgresVersion: 10 },
      why: 'DEFAULT NULL never rewrites',
    },
    {
      sql: 'CREATE FUNCTION next_code() RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT 1 $$;\nALTER TABLE orders ADD COLUMN code int DEFAULT next_code();',
      why: 'a function declared IMMUTABLE earlier in the file',
    },
    {
      sql: 'CREATE TABLE orders (id bigint);\nALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();',
      why: 'table created earlier in the same file is empty',
    },
    { sql: 'ALTER TABLE orders ADD COLUMN id2 bigserial;', why: 'serial is the add-column-rewrite rule' },
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ ALTER TABLE orders ADD COLUMN t uuid DEFAULT gen_random_uuid() $$;',
      why: 'function bodies do not run at migration time',
    },
  ],
  invalid: [
    {
      sql: 'ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();',
      count: 1,
      message:
        /ADD COLUMN token with DEFAULT gen_random_uuid\(\) rewrites orders under an ACCESS EXCLUSIVE lock \(gen_random_uuid\(\) is volatile\): reads and writes wait/,
      flagged: 'gen_random_uuid',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN r float8 DEFAULT random() * 10 NOT NULL;',
      message: /DEFAULT random\(\) \* 10 rewrites/,
    },
    { sql: 'ALTER TABLE orders ADD COLUMN t timestamptz DEFAULT clock_timestamp();' },
    {
      sql: "ALTER TABLE orders ADD COLUMN n bigint DEFAULT nextval('orders_n_seq');",
      message: /nextval\(\) is volatile/,
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN code int DEFAULT make_code();',
      message: /make_code\(\) may be volatile/,
      why: 'an unknown function: VOLATILE unless declared otherwise',
    },
    {
      sql: "ALTER TABLE orders ADD COLUMN status text DEFAULT 'new';",
      options: { postgresVersion: 10 },
      message: /PostgreSQL 10 writes every default into each row/,
      flagged: 'DEFAULT',
      why: 'before PG 11 any default rewrites',
    },
    {
      sql: '-- pgshift:no-transaction\nALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();',
      why: 'no transaction does not avoid the rewrite',
    },
    {
      sql: 'DO $$ BEGIN ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid(); END $$;',
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: 'SELECT 1;\nALTER TABLE é ADD COLUMN ü uuid DEFAULT gen_random_uuid();',
      flagged: 'gen_random_uuid',
      message: /ALTER TABLE é ADD COLUMN ü/,
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});

import assert from 'node:assert/strict';
import { lint } from '../../../src/core/lint/engine';
import { findingsOf, ruleCases } from '../helpers/rule-cases';

ruleCases('adding-primary-key', {
  valid: [
    {
      sql: 'ALTER TABLE orders ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX orders_pkey;',
      why: 'USING INDEX, columns unknown',
    },
    {
      sql: '-- pgshift:no-transaction\nALTER TABLE orders ADD COLUMN id bigint NOT NULL DEFAULT 0;\nCREATE UNIQUE INDEX CONCURRENTLY orders_pkey ON orders (id);\nALTER TABLE orders ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX orders_pkey;',
      why: 'USING INDEX on a NOT NULL column',
    },
    {
      sql: 'CREATE TABLE orders (id bigint);\nALTER TABLE orders ADD PRIMARY KEY (id);',
      why: 'table created earlier in the same file is empty',
    },
    { sql: 'ALTER TABLE orders ADD CONSTRAINT u UNIQUE (code);', why: 'UNIQUE is another rule' },
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ ALTER TABLE orders ADD PRIMARY KEY (id) $$;',
      why: 'function bodies do not run at migration time',
    },
  ],
  invalid: [
    {
      sql: 'ALTER TABLE orders ADD PRIMARY KEY (id);',
      count: 1,
      message:
        /^ALTER TABLE orders ADD PRIMARY KEY builds its index under an ACCESS EXCLUSIVE lock: reads and writes on orders wait until it finishes$/,
      flagged: 'PRIMARY KEY (id)',
      output:
        '-- pgshift:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS orders_pkey ON orders (id);\nALTER TABLE orders ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX orders_pkey;',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN id bigint;\nALTER TABLE orders ADD CONSTRAINT orders_pk PRIMARY KEY (id);',
      message: /builds its index under an ACCESS EXCLUSIVE lock, after scanning every row to set id NOT NULL/,
      why: 'a nullable key column is set NOT NULL with a scan',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN id bigint;\nALTER TABLE orders ADD CONSTRAINT c CHECK (id IS NOT NULL);\nALTER TABLE orders ADD CONSTRAINT orders_pk PRIMARY KEY (id);',
      message: /^ALTER TABLE orders ADD PRIMARY KEY builds its index under an ACCESS EXCLUSIVE lock: reads/,
      why: 'PG 12+: a validated CHECK spares the NOT NULL scan, not the index build',
    },
    {
      sql: '-- pgshift:no-transaction\nALTER TABLE orders ADD COLUMN id bigint;\nCREATE UNIQUE INDEX CONCURRENTLY orders_id_idx ON orders (id);\nALTER TABLE orders ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX orders_id_idx;',
      count: 1,
      message:
        /PRIMARY KEY USING INDEX sets id NOT NULL, scanning every row of orders under an ACCESS EXCLUSIVE lock/,
      why: 'USING INDEX on a nullable column still scans (eugene W14, Atlas PG304)',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN id bigserial PRIMARY KEY;',
      count: 1,
      message: /ADD COLUMN id ... PRIMARY KEY builds a primary key index over every row of orders/,
      flagged: 'PRIMARY',
    },
    {
      sql: 'ALTER TABLE orders ADD PRIMARY KEY (id), ADD COLUMN x int;',
      why: 'several subcommands: flagged, no rewrite offered',
    },
    {
      sql: 'DO $$ BEGIN ALTER TABLE orders ADD PRIMARY KEY (id); END $$;',
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: '-- pgshift:no-transaction\nALTER TABLE orders ADD PRIMARY KEY (id);',
      options: { postgresVersion: 11 },
      why: 'any version, any transaction mode',
    },
    {
      sql: 'SELECT 1;\nALTER TABLE é ADD PRIMARY KEY (ü);',
      flagged: 'PRIMARY KEY (ü)',
      output:
        '-- pgshift:no-transaction\nSELECT 1;\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "é_pkey" ON "é" ("ü");\nALTER TABLE "é" ADD CONSTRAINT "é_pkey" PRIMARY KEY USING INDEX "é_pkey";',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});

describe('rule adding-primary-key with the schema of earlier migrations', () => {
  it('says the implicit NOT NULL scans when the key column is known nullable', async () => {
    const { schemaAfter } = await lint('CREATE TABLE orders (id bigint, total int);');
    const found = await findingsOf('adding-primary-key', 'ALTER TABLE orders ADD PRIMARY KEY (id);', {
      priorSchema: schemaAfter,
    });
    assert.equal(found.length, 1);
    assert.match(found[0].message, /after scanning every row to set id NOT NULL/);
  });
  it('stays quiet about NOT NULL when the key column already is', async () => {
    const { schemaAfter } = await lint('CREATE TABLE orders (id bigint NOT NULL, total int);');
    const found = await findingsOf('adding-primary-key', 'ALTER TABLE orders ADD PRIMARY KEY (id);', {
      priorSchema: schemaAfter,
    });
    assert.equal(found.length, 1);
    assert.doesNotMatch(found[0].message, /NOT NULL/);
    assert.doesNotMatch(found[0].help, /\*\*NOT NULL:\*\*/);
  });
});

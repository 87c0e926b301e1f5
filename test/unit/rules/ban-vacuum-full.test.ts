import assert from 'node:assert/strict';
import { findingsOf, ruleCases } from '../helpers/rule-cases';

ruleCases('ban-vacuum-full', {
  valid: [
    '-- pgshift:no-transaction\nVACUUM orders;',
    '-- pgshift:no-transaction\nVACUUM (ANALYZE, FREEZE) orders;',
    { sql: '-- pgshift:no-transaction\nVACUUM (FULL false) orders;', why: 'FULL false is a plain VACUUM' },
    { sql: 'CREATE TABLE t (a int);\nVACUUM FULL t;', why: 'table created earlier in the same file' },
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ VACUUM FULL t $$;',
      why: 'function bodies are not linted',
    },
  ],
  invalid: [
    {
      sql: '-- pgshift:no-transaction\nVACUUM FULL orders;',
      count: 1,
      message: /^VACUUM FULL rewrites orders under an ACCESS EXCLUSIVE lock: reads and writes wait/,
      flagged: 'orders',
    },
    {
      sql: 'VACUUM (FULL, ANALYZE) app.orders, items;',
      message: /rewrites app\.orders, items/,
      flagged: 'app.orders',
    },
    {
      sql: 'CREATE TABLE t (a int);\nVACUUM FULL t, orders;',
      message: /rewrites orders under/,
      flagged: 'orders',
      why: 'only the existing tables',
    },
    {
      sql: 'VACUUM FULL;',
      message: /every table of the database/,
      flagged: 'FULL',
      why: 'the whole database',
    },
    { sql: 'VACUUM (FULL true) orders;', why: 'FULL true' },
    { sql: 'SELECT 1;\nVACUUM FULL "tablé";', flagged: '"tablé"', why: 'non-ASCII identifiers: byte ranges' },
    { sql: 'DO $$ BEGIN VACUUM FULL t; END $$;', flagged: 't', why: 'SQL inside a DO block is linted' },
  ],
});

describe('rule ban-vacuum-full: version notes', () => {
  it('names REPACK (CONCURRENTLY) as the way on PostgreSQL 19', async () => {
    const [f] = await findingsOf('ban-vacuum-full', 'VACUUM FULL orders;', { postgresVersion: 19 });
    assert.match(f.help, /REPACK \(CONCURRENTLY\) orders;/);
  });
  it('says REPACK needs PostgreSQL 19 on older versions', async () => {
    const [f] = await findingsOf('ban-vacuum-full', 'VACUUM FULL orders;', { postgresVersion: 16 });
    assert.match(f.help, /From PostgreSQL 19/);
  });
});

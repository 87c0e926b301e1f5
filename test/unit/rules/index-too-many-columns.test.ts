import assert from 'node:assert/strict';
import { findingsOf, ruleCases } from '../helpers/rule-cases';

ruleCases('index-too-many-columns', {
  valid: [
    'CREATE INDEX events_idx ON events (account_id, kind, source);',
    {
      sql: 'CREATE INDEX events_idx ON events (account_id, kind, source) INCLUDE (created_at, id);',
      why: 'INCLUDE columns are not key columns',
    },
    { sql: 'CREATE UNIQUE INDEX m_key ON memberships (a, b, c, d);', why: 'UNIQUE needs every column' },
    {
      sql: '-- pgshift:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY m_key ON memberships (a, b, c, d);',
      why: 'UNIQUE, concurrently',
    },
    { sql: 'CREATE INDEX docs_gin ON docs USING gin (a, b, c, d);', why: 'gin is not searched by a prefix' },
    { sql: 'CREATE INDEX docs_gist ON docs USING gist (a, b, c, d);', why: 'gist' },
    { sql: 'CREATE INDEX docs_brin ON docs USING brin (a, b, c, d);', why: 'brin' },
    {
      sql: 'CREATE INDEX feed_idx ON posts (community_id, featured DESC, published DESC, id DESC);',
      why: 'DESC: shaped for an ORDER BY, where every column counts',
    },
    {
      sql: 'CREATE INDEX feed_idx ON posts (a, b, c, d NULLS FIRST);',
      why: 'NULLS FIRST: shaped for an ORDER BY',
    },
    { sql: 'ALTER TABLE t ADD CONSTRAINT t_key UNIQUE (a, b, c, d);', why: 'a constraint, not CREATE INDEX' },
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ CREATE INDEX i ON t (a, b, c, d) $$;',
      why: 'function bodies are not run by the migration',
    },
  ],
  invalid: [
    {
      sql: 'CREATE INDEX events_idx ON events (account_id, kind, source, created_at);',
      count: 1,
      message:
        /^index events_idx on events has 4 key columns \(account_id, kind, source, created_at\): a non-unique btree index rarely gains from more than 3/,
      flagged: 'created_at',
    },
    {
      sql: '-- pgshift:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS e ON app.events USING btree (a, (lower(b)), c, d, e) WHERE d > 0;',
      message: /has 5 key columns \(a, \(lower\(b\)\), c, d, e\)/,
      flagged: 'd, e',
      why: 'CONCURRENTLY, explicit btree, an expression counted as a column',
    },
    { sql: 'CREATE INDEX ON t (a, b, c, (d + 1));', flagged: '(d + 1)', message: /^the index on t has 4/ },
    {
      sql: 'CREATE INDEX e ON events (a, b, c, d) INCLUDE (x);',
      message: /has 4 key columns/,
      why: 'INCLUDE does not make the key shorter',
    },
    {
      sql: 'CREATE TABLE events (a int, b int, c int, d int);\nCREATE INDEX e ON events (a, b, c, d);',
      why: 'a table created in the same file: the index is just as wide',
    },
    {
      sql: 'DO $$ BEGIN CREATE INDEX e ON events (a, b, c, d); END $$;',
      flagged: 'd',
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: 'SELECT 1;\nCREATE INDEX ON tablé (é, "Ç,", c, ü);',
      flagged: 'ü',
      message: /\(é, "Ç,", c, ü\)/,
      why: 'non-ASCII identifiers and a comma inside a quoted name: byte ranges',
    },
  ],
});

describe('rule index-too-many-columns help', () => {
  it('shows the statement with the surplus plain columns moved to INCLUDE', async () => {
    const [f] = await findingsOf(
      'index-too-many-columns',
      '-- pgshift:no-transaction\nCREATE INDEX CONCURRENTLY e ON events (a, b DESC NULLS LAST, c, d, e) WHERE d > 0;',
    );
    assert.equal(f, undefined, 'an ORDER BY shaped index is not flagged');
    const [g] = await findingsOf(
      'index-too-many-columns',
      'CREATE INDEX CONCURRENTLY e ON events (a, b, c, d, e) WHERE d > 0;',
    );
    assert.match(g.help, /CREATE INDEX CONCURRENTLY e ON events \(a, b, c\) INCLUDE \(d, e\) WHERE d > 0;/);
  });
  it('does not offer INCLUDE before PostgreSQL 11, nor for expressions', async () => {
    const [old] = await findingsOf('index-too-many-columns', 'CREATE INDEX e ON events (a, b, c, d);', {
      postgresVersion: 10,
    });
    assert.doesNotMatch(old.help, /```sql/);
    assert.match(old.help, /From PostgreSQL 11/);
    const [expr] = await findingsOf(
      'index-too-many-columns',
      'CREATE INDEX e ON events (a, b, c, lower(d));',
    );
    assert.doesNotMatch(expr.help, /```sql/);
  });
});

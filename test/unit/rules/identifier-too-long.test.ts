import assert from 'node:assert/strict';
import { findingsOf, ruleCases } from '../helpers/rule-cases';

const long = 'order_line_items_' + 'x'.repeat(50); // 67 bytes
const cut = long.slice(0, 63);
const exact = 'y'.repeat(63);
const accents = 'é'.repeat(32); // 64 bytes in UTF-8, 32 characters

ruleCases('identifier-too-long', {
  valid: [
    `CREATE TABLE ${exact} (${exact} int);`,
    { sql: `CREATE TABLE "${'é'.repeat(31)}" (a int);`, why: '31 é = 62 bytes' },
    { sql: `DROP TABLE ${long};`, why: 'references are truncated the same way and still match' },
    {
      sql: `ALTER TABLE ${long} ADD COLUMN note text;\nSELECT ${long}.note FROM ${long};`,
      why: 'references only',
    },
    {
      sql: `COMMENT ON TABLE t IS '${long}';\n-- ${long}\nSELECT 1; /* ${long} */`,
      why: 'string literals and comments',
    },
    {
      sql: `CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ CREATE TABLE ${long} (a int) $$;`,
      why: 'function bodies are not run by the migration',
    },
    { sql: `SELECT E'it''s ${long}', $tag$ ${long} $tag$;`, why: 'escaped and dollar-quoted strings' },
  ],
  invalid: [
    {
      sql: `CREATE TABLE ${long} (id bigint);`,
      count: 1,
      message:
        /^table name "order_line_ite…xxxxxxxxxxxx" is 67 bytes, over PostgreSQL's 63-byte limit: it is silently truncated to "order_line_items_x+"$/,
      flagged: long,
      output: `CREATE TABLE ${cut} (id bigint);`,
    },
    {
      sql: `CREATE INDEX ${long} ON ${long} (a);`,
      count: 1,
      message: /^index name/,
      flagged: long,
      why: 'the definition is flagged, not the reference that truncates the same way',
    },
    {
      sql: `ALTER TABLE t ADD COLUMN ${long.toUpperCase()} int;`,
      message: new RegExp(`^column name .* truncated to "${cut}"`),
      why: 'unquoted names fold to lower case',
    },
    { sql: `ALTER TABLE t ADD CONSTRAINT ${long} CHECK (a > 0);`, message: /^constraint name/ },
    { sql: `ALTER TABLE t RENAME COLUMN a TO ${long};`, message: /^column name/ },
    {
      sql: `CREATE TABLE "${accents}" (a int);`,
      message: new RegExp(`is 64 bytes.*truncated to "${'é'.repeat(31)}"`),
      flagged: `"${accents}"`,
      output: `CREATE TABLE "${'é'.repeat(31)}" (a int);`,
      why: 'bytes, not characters: 32 é are 64 bytes, and a character is never cut in half',
    },
    {
      sql: `CREATE TABLE "${'😀'.repeat(16)}" (a int);`,
      message: new RegExp(`is 64 bytes.*truncated to "${'😀'.repeat(15)}"`),
      output: `CREATE TABLE "${'😀'.repeat(15)}" (a int);`,
      why: '4-byte characters: 16 emoji are 64 bytes and become 15 (60 bytes)',
    },
    {
      sql: `CREATE TABLE "Mixed""${long}" (a int);`,
      flagged: `"Mixed""${long}"`,
      output: `CREATE TABLE "Mixed""${long.slice(0, 57)}" (a int);`,
      why: 'quoted names keep their quotes and escapes',
    },
    {
      sql: `CREATE INDEX ${cut}_by_customer ON orders (customer_id);\nCREATE INDEX ${cut}_by_product ON orders (product_id);`,
      count: 2,
      message: /index name/,
      why: 'two names sharing their first 63 bytes collide (the second message says so)',
    },
    {
      sql: `DO $$ BEGIN CREATE TABLE ${long} (a int); END $$;`,
      flagged: long,
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: `-- pgshift:no-transaction\nCREATE SEQUENCE ${long};`,
      options: { transactionMode: 'none' },
      message: /^sequence name/,
      why: 'transaction mode does not matter',
    },
  ],
});

describe('rule identifier-too-long: collisions', () => {
  it('says which earlier name the second one collides with, and offers no truncation', async () => {
    const sql = `CREATE INDEX ${cut}_by_customer ON orders (customer_id);\nCREATE INDEX ${cut}_by_product ON orders (product_id);`;
    const [first, second] = await findingsOf('identifier-too-long', sql);
    assert.doesNotMatch(first.message, /same name/);
    assert.ok(first.suggestions?.length);
    assert.match(second.message, /; "order_line_ite…_by_customer" on line 1 truncates to the same name/);
    assert.equal(second.suggestions, undefined);
  });
});

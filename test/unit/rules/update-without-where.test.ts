import assert from 'node:assert/strict';
import { lint } from '../../../src/core/lint/engine';
import { findingsOf, ruleCases } from '../helpers/rule-cases';

ruleCases('update-without-where', {
  valid: [
    {
      sql: '-- pgshift:batch\nUPDATE accounts SET plan = 1;',
      why: 'batched on purpose: no row stays locked past its batch',
    },
    "UPDATE accounts SET plan = 'free' WHERE plan IS NULL;",
    'UPDATE t SET a = u.a FROM u WHERE u.id = t.id;',
    { sql: 'UPDATE t SET a = 1 WHERE 1 = 2;', why: 'a constant comparison that is false' },
    {
      sql: 'CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);\nUPDATE t SET a = 2;',
      why: 'table created earlier in the same file (seeding)',
    },
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ UPDATE t SET a = 1 $$;',
      why: 'function bodies do not run at migration time',
    },
    'DELETE FROM t;',
  ],
  invalid: [
    {
      sql: 'SELECT 1;\nUPDATE accounts SET plan = 1;',
      output: 'SELECT 1;\n-- pgshift:batch\nUPDATE accounts SET plan = 1;',
      why: 'the quick fix batches it',
    },
    {
      sql: "UPDATE accounts SET plan = 'free';",
      count: 1,
      message:
        /^UPDATE accounts has no WHERE: it rewrites every row of accounts and keeps each one locked until the transaction ends$/,
      flagged: 'accounts',
    },
    {
      sql: 'UPDATE ONLY app."Accounts" AS a SET plan = 1 WHERE true;',
      flagged: 'app."Accounts"',
      why: 'WHERE true',
    },
    { sql: "UPDATE t SET a = 1 WHERE 't'::boolean;", why: "WHERE 't'::boolean" },
    { sql: 'UPDATE t SET a = 1 WHERE 1 = 1;', why: 'WHERE 1 = 1' },
    { sql: 'UPDATE t SET a = u.a FROM u;', why: 'UPDATE ... FROM without a join condition' },
    {
      sql: 'WITH moved AS (UPDATE t SET a = 1 RETURNING id) SELECT count(*) FROM moved;',
      flagged: 't',
      why: 'data-modifying CTE',
    },
    {
      sql: 'CREATE TABLE s.t (a int);\nUPDATE other.t SET a = 1;',
      why: 'same table name in another schema is not new',
    },
    {
      sql: 'UPDATE t SET a = 1;',
      options: { transactionMode: 'none' },
      why: 'no transaction does not make it safe',
    },
    {
      sql: 'DO $$ BEGIN UPDATE accounts SET plan = 1; END $$;',
      flagged: 'accounts',
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: 'SELECT 1;\nUPDATE konten_ü SET a = 1;',
      flagged: 'konten_ü',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});

describe('rule update-without-where: help by version', () => {
  it('offers a DO loop that commits between batches only from PostgreSQL 11', async () => {
    const [pg10] = await findingsOf('update-without-where', 'UPDATE t SET a = 1;', { postgresVersion: 10 });
    const [pg15] = await findingsOf('update-without-where', 'UPDATE t SET a = 1;', { postgresVersion: 15 });
    assert.doesNotMatch(pg10.help, /COMMIT/);
    assert.match(pg10.help, /repeat until it affects 0 rows/);
    assert.match(pg15.help, /EXIT WHEN n = 0;\n {4}COMMIT;/);
  });
});

describe('rule update-without-where: the batch suggestion where the runner could batch it', () => {
  it('is not offered for a table the migrations show without a key (batch-directive would refuse it)', async () => {
    const { schemaAfter } = await lint(
      'CREATE TABLE logs (at timestamptz, msg text);\nCREATE TABLE users (id bigint PRIMARY KEY, email text);',
    );
    const opts = { priorSchema: schemaAfter };
    const [keyless] = await findingsOf('update-without-where', "UPDATE logs SET msg = '';", opts);
    assert.ok(keyless, 'still reported');
    assert.equal(keyless.suggestions, undefined);
    const [keyed] = await findingsOf('update-without-where', 'UPDATE users SET email = lower(email);', opts);
    assert.equal(keyed.suggestions?.[0].edits[0].newText, '-- pgshift:batch\n');
    const directive = await lint('-- pgshift:batch\nUPDATE users SET email = lower(email);', opts);
    assert.deepEqual(
      directive.findings.filter((f) => f.rule === 'batch-directive'),
      [],
      'the suggestion it offers is one the runner accepts',
    );
  });
});

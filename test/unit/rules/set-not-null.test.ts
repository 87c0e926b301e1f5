import assert from 'node:assert/strict';
import { lint } from '../../../src/core/lint/engine';
import { findingsOf, ruleCases } from '../helpers/rule-cases';

const setNotNull = 'ALTER TABLE orders ALTER COLUMN total SET NOT NULL;';

ruleCases('set-not-null', {
  valid: [
    {
      sql: 'CREATE TABLE orders (id bigint, total int);\nALTER TABLE orders ALTER COLUMN total SET NOT NULL;',
      why: 'table created earlier in the same file',
    },
    {
      sql: `ALTER TABLE orders VALIDATE CONSTRAINT orders_total_not_null;\n${setNotNull}\nALTER TABLE orders DROP CONSTRAINT orders_total_not_null;`,
      why: 'the last step of the safe sequence: the CHECK was added NOT VALID by an earlier migration',
    },
    {
      sql: `${setNotNull}\nALTER TABLE orders DROP CONSTRAINT orders_total_not_null;`,
      why: 'the CHECK was validated by an earlier migration and is dropped after SET NOT NULL',
    },

    {
      sql: `-- pgshift:no-transaction\nALTER TABLE orders ADD CONSTRAINT orders_total_not_null CHECK (total IS NOT NULL) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_total_not_null;\n${setNotNull}\nALTER TABLE orders DROP CONSTRAINT orders_total_not_null;`,
      why: 'PG 12+: a validated CHECK (col IS NOT NULL) lets SET NOT NULL skip the scan',
    },
    {
      sql: `ALTER TABLE orders ADD CONSTRAINT c CHECK (total > 0 AND total IS NOT NULL);\n${setNotNull}`,
      why: 'a CHECK validated when added, AND-ed conditions',
    },
    {
      sql: `ALTER TABLE orders ADD COLUMN total int NOT NULL DEFAULT 0;\n${setNotNull}`,
      why: 'already NOT NULL: a no-op',
    },
    {
      sql: `ALTER TABLE orders ADD CONSTRAINT n NOT NULL total NOT VALID;`,
      options: { postgresVersion: 18 },
      why: 'PG 18 NOT NULL ... NOT VALID does not scan',
    },
    {
      sql: `ALTER TABLE orders ADD CONSTRAINT n NOT NULL total NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT n;\n${setNotNull}`,
      options: { postgresVersion: 18 },
      why: 'PG 18: the validated NOT NULL constraint already made the column NOT NULL',
    },
    {
      sql: `CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ ${setNotNull} $$;`,
      why: 'function bodies do not run at migration time',
    },
  ],
  invalid: [
    {
      sql: setNotNull,
      count: 1,
      message:
        /ALTER TABLE orders ALTER COLUMN total SET NOT NULL scans every row of orders under an ACCESS EXCLUSIVE lock: reads and writes wait until the scan finishes/,
      flagged: 'ALTER COLUMN total SET NOT NULL',
    },
    {
      sql: `ALTER TABLE orders ADD CONSTRAINT orders_total_not_null CHECK (total IS NOT NULL) NOT VALID;\n${setNotNull}`,
      count: 1,
      why: 'a NOT VALID CHECK proves nothing until validated',
    },
    {
      sql: `ALTER TABLE orders ADD CONSTRAINT c CHECK (total IS NOT NULL);\n${setNotNull}`,
      options: { postgresVersion: 11 },
      count: 1,
      why: 'PG 11 and older always scan',
    },
    {
      sql: `ALTER TABLE orders ADD CONSTRAINT c CHECK (total IS NOT NULL);\nALTER TABLE orders DROP CONSTRAINT c;\n${setNotNull}`,
      why: 'the proving CHECK was dropped',
    },
    {
      sql: `ALTER TABLE orders ADD CONSTRAINT c CHECK (total IS NOT NULL OR id > 0);\n${setNotNull}`,
      why: 'an OR does not prove NOT NULL',
    },
    {
      sql: `ALTER TABLE orders VALIDATE CONSTRAINT orders_total_not_null;\n${setNotNull}`,
      options: { postgresVersion: 11 },
      why: 'PG 11: even a validated CHECK does not spare the scan',
    },
    {
      sql: `${setNotNull}\n${setNotNull}`,
      count: 1,
      why: 'the second SET NOT NULL is a no-op',
    },
    {
      sql: `ALTER TABLE orders ADD CONSTRAINT c CHECK (total > 0);\nALTER TABLE orders DROP CONSTRAINT c;\n${setNotNull}\nALTER TABLE orders DROP CONSTRAINT c2;`,
      options: { postgresVersion: 11 },
      why: 'PG 11: the shape of the safe sequence does not matter',
    },
    {
      sql: `ALTER TABLE orders ADD COLUMN total int;\n${setNotNull}`,
      count: 1,
      why: 'a column added to an existing table: the table is still big',
    },
    {
      sql: 'ALTER TABLE orders ALTER total SET NOT NULL, ALTER "Note" SET NOT NULL;',
      count: 2,
      flagged: 'ALTER total SET NOT NULL',
    },
    {
      sql: 'ALTER TABLE orders ADD CONSTRAINT orders_total_nn NOT NULL total;',
      options: { postgresVersion: 18 },
      message: /ADD CONSTRAINT orders_total_nn NOT NULL total scans every row/,
      output: 'ALTER TABLE orders ADD CONSTRAINT orders_total_nn NOT NULL total NOT VALID;',
      why: 'PG 18 table-constraint syntax',
    },
    { sql: `-- pgshift:no-transaction\n${setNotNull}`, why: 'no transaction does not avoid the scan' },
    { sql: `DO $$ BEGIN ${setNotNull} END $$;`, why: 'SQL inside a DO block runs at migration time' },
    {
      sql: 'SELECT 1;\nALTER TABLE é ALTER COLUMN ü SET NOT NULL;',
      flagged: 'ALTER COLUMN ü SET NOT NULL',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});

describe('rule set-not-null with the schema of earlier migrations', () => {
  it('a column declared NOT NULL by an earlier migration: SET NOT NULL is a no-op', async () => {
    const { schemaAfter } = await lint('CREATE TABLE orders (id int, total int NOT NULL, note text);');
    assert.deepEqual(
      await findingsOf('set-not-null', 'ALTER TABLE orders ALTER COLUMN total SET NOT NULL;', {
        priorSchema: schemaAfter,
      }),
      [],
    );
    const found = await findingsOf('set-not-null', 'ALTER TABLE orders ALTER COLUMN note SET NOT NULL;', {
      priorSchema: schemaAfter,
    });
    assert.equal(
      found.length,
      1,
      'a table from an earlier migration is not new: the nullable column is flagged',
    );
  });
});

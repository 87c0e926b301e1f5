import assert from 'node:assert/strict';
import { lint } from '../../../src/core/lint/engine';
import { findingsOf, ruleCases } from '../helpers/rule-cases';
import type { LintOptions } from '../../../src/core/lint/types';

// The table as an earlier statement of the file declares it; the ALTER follows on a table that is not new.
function after(columns: string, alter: string): string {
  return `ALTER TABLE orders ADD COLUMN ${columns};\n${alter}`;
}
const pg11: LintOptions = { postgresVersion: 11 };

ruleCases('changing-column-type', {
  valid: [
    {
      sql: after('code varchar(10)', 'ALTER TABLE orders ALTER COLUMN code TYPE varchar(20);'),
      why: 'varchar widened',
    },
    {
      sql: after('code varchar(10)', 'ALTER TABLE orders ALTER COLUMN code TYPE varchar;'),
      why: 'varchar limit removed',
    },
    {
      sql: after('code character varying(10)', 'ALTER TABLE orders ALTER COLUMN code TYPE text;'),
      why: 'varchar to text',
    },
    {
      sql: after('code text', 'ALTER TABLE orders ALTER COLUMN code TYPE varchar;'),
      why: 'text to varchar without limit',
    },
    {
      sql: after('total numeric(10,2)', 'ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2);'),
      why: 'numeric precision widened, same scale',
    },
    {
      sql: after('total numeric(10,2)', 'ALTER TABLE orders ALTER COLUMN total TYPE numeric;'),
      why: 'numeric unconstrained',
    },
    {
      sql: after('total numeric(5)', 'ALTER TABLE orders ALTER COLUMN total TYPE decimal(7);'),
      why: 'numeric(p) widened',
    },
    { sql: after('net cidr', 'ALTER TABLE orders ALTER COLUMN net TYPE inet;'), why: 'cidr to inet' },
    {
      sql: after('flags bit(5)', 'ALTER TABLE orders ALTER COLUMN flags TYPE bit varying;'),
      why: 'bit to varbit',
    },
    {
      sql: after('flags varbit(5)', 'ALTER TABLE orders ALTER COLUMN flags TYPE varbit(8);'),
      why: 'varbit widened',
    },
    {
      sql: after('at timestamp(3)', 'ALTER TABLE orders ALTER COLUMN at TYPE timestamp(6);'),
      why: 'timestamp precision widened',
    },
    {
      sql: after('at timestamptz(3)', 'ALTER TABLE orders ALTER COLUMN at TYPE timestamp with time zone;'),
      why: 'timestamptz precision removed',
    },
    { sql: after('doc xml', 'ALTER TABLE orders ALTER COLUMN doc TYPE text;'), why: 'xml to text' },
    {
      sql: after('code varchar(10)', 'ALTER TABLE orders ALTER COLUMN code TYPE varchar(20) USING code;'),
      why: 'USING the column itself',
    },
    {
      sql: after('code varchar(10)', 'ALTER TABLE orders ALTER COLUMN code TYPE text USING code::text;'),
      why: 'USING a plain cast of the column',
    },
    { sql: after('total int', 'ALTER TABLE orders ALTER COLUMN total TYPE integer;'), why: 'same type' },
    {
      sql: 'CREATE TABLE orders (id int);\nALTER TABLE orders ALTER COLUMN id TYPE bigint;',
      why: 'table created earlier in the same file is empty',
    },
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ ALTER TABLE orders ALTER COLUMN id TYPE bigint $$;',
      why: 'function bodies do not run at migration time',
    },
  ],
  invalid: [
    {
      sql: after('id int', 'ALTER TABLE orders ALTER COLUMN id TYPE bigint;'),
      count: 1,
      message:
        /ALTER TABLE orders ALTER COLUMN id TYPE bigint \(from integer\) rewrites orders and all its indexes under an ACCESS EXCLUSIVE lock: reads and writes wait until the rewrite finishes/,
      flagged: 'bigint',
    },
    {
      sql: 'ALTER TABLE orders ALTER COLUMN code TYPE varchar(20);',
      count: 1,
      message:
        /unless the change from the current type is binary-coercible \(pgshift does not know the current type of code\)/,
      flagged: 'varchar',
      why: 'current type unknown: flagged with the list of free changes',
    },
    {
      sql: after('code varchar(20)', 'ALTER TABLE orders ALTER COLUMN code TYPE varchar(10);'),
      message: /from varchar\(20\)/,
      why: 'shorter varchar',
    },
    {
      sql: after('code text', 'ALTER TABLE orders ALTER COLUMN code TYPE varchar(50);'),
      why: 'text to limited varchar',
    },
    {
      sql: after('code char(5)', 'ALTER TABLE orders ALTER COLUMN code TYPE text;'),
      why: 'char(n) to text strips padding: rewrite',
    },
    {
      sql: after('code char(5)', 'ALTER TABLE orders ALTER COLUMN code TYPE varchar;'),
      why: 'char(n) to varchar: rewrite',
    },
    {
      sql: after('total numeric(10,2)', 'ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,3);'),
      why: 'scale changed',
    },
    {
      sql: after('total numeric', 'ALTER TABLE orders ALTER COLUMN total TYPE numeric(20,2);'),
      why: 'numeric constrained',
    },
    {
      sql: after('flags bit(5)', 'ALTER TABLE orders ALTER COLUMN flags TYPE varbit(8);'),
      why: 'bit(n) to varbit(m) rewrites (checked on PostgreSQL 15)',
    },
    { sql: after('meta json', 'ALTER TABLE orders ALTER COLUMN meta TYPE jsonb;'), why: 'json to jsonb' },
    {
      sql: after('tags varchar(5)[]', 'ALTER TABLE orders ALTER COLUMN tags TYPE varchar(10)[];'),
      why: 'arrays are converted element by element',
    },
    {
      sql: after('at timestamp', 'ALTER TABLE orders ALTER COLUMN at TYPE timestamp(2);'),
      why: 'lower precision',
    },
    {
      sql: after('at timestamp', 'ALTER TABLE orders ALTER COLUMN at TYPE timestamptz;'),
      message:
        /rewrites orders under an ACCESS EXCLUSIVE lock unless the session time zone is UTC, and rebuilds the indexes on at either way/,
      why: 'PG 12+: timestamp to timestamptz depends on the time zone',
    },
    {
      sql: after('at timestamp', 'ALTER TABLE orders ALTER COLUMN at TYPE timestamptz;'),
      options: pg11,
      message: /rewrites orders and all its indexes/,
      why: 'PG 11: always a rewrite',
    },
    {
      sql: after('code varchar(10)', 'ALTER TABLE orders ALTER COLUMN code TYPE text USING lower(code);'),
      message: /\(the USING expression is computed for every row\)/,
      why: 'a USING expression rewrites',
    },
    {
      sql: after('code text', 'ALTER TABLE orders ALTER COLUMN code TYPE text COLLATE "C";'),
      message:
        /rebuilds every index on code under an ACCESS EXCLUSIVE lock \(the table itself is not rewritten\)/,
      why: 'a collation change rebuilds the indexes',
    },
    {
      sql: after(
        'a int, ADD COLUMN b int',
        'ALTER TABLE orders ALTER COLUMN a TYPE bigint, ALTER COLUMN b TYPE bigint;',
      ),
      count: 2,
    },
    {
      sql: 'ALTER TABLE orders ALTER COLUMN id TYPE bigint;',
      options: { priorSchema: undefined },
      why: 'no prior schema: unknown current type',
    },
    {
      sql: '-- pgshift:no-transaction\nALTER TABLE orders ALTER COLUMN id TYPE bigint;',
      why: 'no transaction does not avoid the rewrite',
    },
    {
      sql: 'DO $$ BEGIN ALTER TABLE orders ALTER COLUMN id TYPE bigint; END $$;',
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: 'SELECT 1;\nALTER TABLE é ALTER COLUMN ü TYPE bigint;',
      flagged: 'bigint',
      message: /ALTER TABLE é ALTER COLUMN ü/,
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});

describe('rule changing-column-type with the schema of earlier migrations', () => {
  const priorSchema = async (ddl: string) => (await lint(ddl)).schemaAfter;
  it('knows the current type from an earlier migration: a widened varchar is free', async () => {
    const options = { priorSchema: await priorSchema('CREATE TABLE orders (id int, code varchar(10));') };
    assert.deepEqual(
      await findingsOf(
        'changing-column-type',
        'ALTER TABLE orders ALTER COLUMN code TYPE varchar(40);',
        options,
      ),
      [],
    );
  });
  it('names the old type when the change rewrites', async () => {
    const options = { priorSchema: await priorSchema('CREATE TABLE orders (id int, code varchar(10));') };
    const found = await findingsOf(
      'changing-column-type',
      'ALTER TABLE orders ALTER COLUMN id TYPE bigint;',
      options,
    );
    assert.equal(found.length, 1);
    assert.match(found[0].message, /TYPE bigint \(from integer\) rewrites orders/);
  });
});

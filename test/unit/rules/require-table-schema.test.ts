import assert from 'node:assert/strict';
import { lint } from '../../../src/core/lint/engine';
import { findingsOf, ruleCases } from '../helpers/rule-cases';
import type { LintOptions } from '../../../src/core/lint/types';

const on: LintOptions = { rules: { 'require-table-schema': 'warning' } };
const enabled = (sql: string, why?: string): { sql: string; options: LintOptions; why?: string } => ({
  sql,
  options: on,
  why,
});

ruleCases('require-table-schema', {
  valid: [
    { sql: 'CREATE TABLE orders (id bigint);', why: 'opt-in: off by default' },
    { sql: 'DROP TABLE orders;', why: 'opt-in: off by default' },
    enabled('CREATE TABLE public.orders (id bigint REFERENCES public.customers (id));'),
    enabled('CREATE INDEX orders_idx ON app.orders (a);'),
    enabled('ALTER TABLE app."Orders" ADD COLUMN note text;'),
    enabled('DROP TABLE IF EXISTS public.a, app.b;'),
    enabled('CREATE TEMP TABLE scratch (id int);', 'temporary tables live in pg_temp'),
    enabled('CREATE TEMPORARY TABLE scratch AS SELECT 1 AS id;', 'temporary CREATE TABLE AS'),
    enabled(
      'CREATE TEMP TABLE scratch (id int);\nALTER TABLE scratch ADD b int;\nCREATE INDEX ON scratch (id);\nDROP TABLE scratch;',
      'later statements on a temporary table of the file',
    ),
    enabled('SET search_path = app;\nALTER TABLE orders ADD COLUMN note text;', 'the file pins search_path'),
    enabled(
      'BEGIN;\nSET LOCAL search_path = app;\nCREATE TABLE orders (id int);\nCOMMIT;',
      'SET LOCAL in the same transaction',
    ),
    enabled('ALTER INDEX orders_idx RENAME TO orders_id_idx;', 'indexes live in their table schema'),
    enabled('DROP VIEW v;', 'views are not tables'),
    enabled('UPDATE orders SET a = 1;', 'data statements are not checked'),
    enabled(
      'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ DROP TABLE orders $$;',
      'function bodies are not run by the migration',
    ),
  ],
  invalid: [
    {
      sql: 'CREATE TABLE orders (id bigint);',
      options: on,
      count: 1,
      message:
        /^CREATE TABLE orders names no schema: the table goes into the first existing schema of search_path, so the result depends on the search_path/,
      flagged: 'orders',
      output: 'CREATE TABLE public.orders (id bigint);',
    },
    {
      sql: 'CREATE TABLE orders (id bigint, customer_id bigint REFERENCES customers (id), LIKE tpl) INHERITS (base);',
      options: on,
      count: 4,
      why: 'REFERENCES, LIKE and INHERITS tables resolve through search_path too',
    },
    {
      sql: 'CREATE TABLE tree (id int PRIMARY KEY, parent int REFERENCES tree);',
      options: on,
      count: 1,
      why: 'a reference to the table itself finds the table the statement creates',
    },
    {
      sql: 'CREATE TABLE public.tree (id int PRIMARY KEY, parent int REFERENCES tree);',
      options: on,
      count: 1,
      flagged: 'tree',
      why: 'the unqualified reference may find a tree in an earlier schema of search_path',
    },
    {
      sql: 'ALTER TABLE public.orders ADD COLUMN customer_id bigint REFERENCES customers (id);',
      options: on,
      count: 1,
      message:
        /^REFERENCES customers names no schema: it refers to the first customers found along search_path/,
      flagged: 'customers',
      output: 'ALTER TABLE public.orders ADD COLUMN customer_id bigint REFERENCES public.customers (id);',
    },
    {
      sql: 'CREATE TABLE orders (id int);\nALTER TABLE orders ADD COLUMN note text;',
      options: on,
      count: 2,
      why: 'tables created in the same file are flagged: it is about search_path, not locks',
    },
    {
      sql: 'DROP TABLE IF EXISTS public.notes, archive, "Ärchive" CASCADE;',
      options: on,
      count: 2,
      message: /^DROP TABLE (archive|"Ärchive") names no schema: it drops the first/,
      flagged: 'archive',
    },
    {
      sql: '-- pgshift:no-transaction\nCREATE INDEX CONCURRENTLY orders_idx ON orders (a);',
      options: on,
      message: /^CREATE INDEX ON orders names no schema/,
      flagged: 'orders',
    },
    {
      sql: 'ALTER TABLE orders RENAME TO purchases;',
      options: on,
      message: /^ALTER TABLE orders /,
      count: 1,
    },
    { sql: 'ALTER TABLE orders RENAME COLUMN a TO b;', options: on, count: 1 },
    { sql: 'ALTER TABLE orders SET SCHEMA archive;', options: on, count: 1 },
    {
      sql: 'ALTER TABLE public.events ATTACH PARTITION events_2024 FOR VALUES IN (2024);',
      options: on,
      message: /^ATTACH PARTITION events_2024 /,
    },
    {
      sql: 'CREATE TABLE public.events_2024 PARTITION OF events FOR VALUES IN (2024);',
      options: on,
      message: /^PARTITION OF events /,
    },
    { sql: 'CREATE TABLE summary AS SELECT 1 AS n;', options: on, message: /^CREATE TABLE summary AS names/ },
    { sql: 'SELECT 1 AS n INTO summary;', options: on, message: /^SELECT \.\.\. INTO summary names/ },
    { sql: 'DROP FOREIGN TABLE remote_orders;', options: on, message: /^DROP FOREIGN TABLE remote_orders/ },
    {
      sql: 'SET search_path = "$user", public;\nCREATE TABLE orders (id int);',
      options: on,
      why: 'a search_path with "$user" still depends on the role',
    },
    {
      sql: 'SET search_path = app;\nRESET search_path;\nCREATE TABLE orders (id int);',
      options: on,
      why: 'RESET undoes the file setting',
    },
    {
      sql: 'BEGIN;\nSET LOCAL search_path = app;\nCOMMIT;\nCREATE TABLE orders (id int);',
      options: on,
      why: 'SET LOCAL ends with its transaction',
    },
    {
      sql: 'DO $$ BEGIN ALTER TABLE orders ADD COLUMN b int; END $$;',
      options: on,
      flagged: 'orders',
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: 'SELECT 1;\nALTER TABLE bestellungen_ä ADD COLUMN b int;',
      options: { ...on, transactionMode: 'none' },
      flagged: 'bestellungen_ä',
      output: 'SELECT 1;\nALTER TABLE public.bestellungen_ä ADD COLUMN b int;',
      why: 'non-ASCII identifiers: byte ranges; transaction mode does not matter',
    },
    {
      sql: 'ALTER TABLE orders ADD COLUMN b int;',
      options: { rules: { 'require-table-schema': 'error' } },
      why: 'enabled with another severity',
    },
  ],
});

describe('rule require-table-schema is opt-in', () => {
  it('is silent by default and fires with the severity the config gives it', async () => {
    const sql = 'ALTER TABLE orders ADD COLUMN note text;';
    assert.deepEqual(await findingsOf('require-table-schema', sql), []);
    assert.deepEqual(
      await findingsOf('require-table-schema', sql, { rules: { 'require-table-schema': 'off' } }),
      [],
    );
    const [warning] = await findingsOf('require-table-schema', sql, on);
    assert.equal(warning.severity, 'warning');
    const [error] = await findingsOf('require-table-schema', sql, {
      rules: { 'require-table-schema': 'error' },
    });
    assert.equal(error.severity, 'error');
  });

  it('an ignore comment naming it is not reported as unused while the rule is off', async () => {
    const sql =
      '-- pgshift-ignore require-table-schema: tables live in public\nALTER TABLE orders ADD COLUMN note text;';
    const res = await lint(sql);
    assert.deepEqual(
      res.findings.filter((f) => f.rule === 'unused-ignore' || f.rule === 'require-table-schema'),
      [],
    );
  });
});

import { ruleCases } from '../helpers/rule-cases';

ruleCases('require-concurrent-refresh', {
  valid: [
    'REFRESH MATERIALIZED VIEW CONCURRENTLY daily_totals;',
    {
      sql: 'REFRESH MATERIALIZED VIEW daily_totals WITH NO DATA;',
      why: 'WITH NO DATA cannot be concurrent and only empties the view',
    },
    {
      sql: 'CREATE MATERIALIZED VIEW mv AS SELECT 1 AS a WITH NO DATA;\nREFRESH MATERIALIZED VIEW mv;',
      why: 'view created earlier in the same file',
    },
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ REFRESH MATERIALIZED VIEW mv $$;',
      why: 'function bodies do not run at migration time',
    },
  ],
  invalid: [
    {
      sql: 'REFRESH MATERIALIZED VIEW daily_totals;',
      count: 1,
      message:
        /^REFRESH MATERIALIZED VIEW daily_totals without CONCURRENTLY takes an ACCESS EXCLUSIVE lock: every read of daily_totals waits/,
      flagged: 'daily_totals',
      output: 'REFRESH MATERIALIZED VIEW CONCURRENTLY daily_totals;',
    },
    {
      sql: 'refresh materialized view reports.daily WITH DATA;',
      flagged: 'reports.daily',
      output: 'refresh materialized view CONCURRENTLY reports.daily WITH DATA;',
    },
    {
      sql: 'CREATE MATERIALIZED VIEW s.mv AS SELECT 1;\nREFRESH MATERIALIZED VIEW other.mv;',
      why: 'same name in another schema is not new',
    },
    {
      sql: 'REFRESH MATERIALIZED VIEW mv;',
      options: { transactionMode: 'none' },
      why: 'no transaction does not make it safe',
    },
    {
      sql: 'DO $$ BEGIN REFRESH MATERIALIZED VIEW mv; END $$;',
      flagged: 'mv',
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: 'SELECT 1;\nREFRESH MATERIALIZED VIEW "vué";',
      flagged: '"vué"',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});

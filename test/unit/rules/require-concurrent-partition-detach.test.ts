import assert from 'node:assert/strict';
import { findingsOf, ruleCases } from '../helpers/rule-cases';

ruleCases('require-concurrent-partition-detach', {
  valid: [
    '-- pgshift:no-transaction\nALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;',
    {
      sql: 'ALTER TABLE events DETACH PARTITION events_2020 FINALIZE;',
      why: 'FINALIZE completes a concurrent detach',
    },
    {
      sql: "CREATE TABLE events (at date) PARTITION BY RANGE (at);\nCREATE TABLE events_2020 PARTITION OF events FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');\nALTER TABLE events DETACH PARTITION events_2020;",
      why: 'partitioned table created earlier in the same file',
    },
    'ALTER TABLE events ATTACH PARTITION events_2020 FOR VALUES IN (1);',
  ],
  invalid: [
    {
      sql: 'ALTER TABLE events DETACH PARTITION events_2020;',
      count: 1,
      message:
        /^DETACH PARTITION events_2020 without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on events and events_2020: reads and writes/,
      flagged: 'events_2020',
      output: '-- pgshift:no-transaction\nALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;',
    },
    {
      sql: 'ALTER TABLE app.events DETACH PARTITION app.events_2020;',
      options: { transactionMode: 'none' },
      output: 'ALTER TABLE app.events DETACH PARTITION app.events_2020 CONCURRENTLY;',
      why: 'runner without transactions: no directive needed',
    },
    {
      sql: 'ALTER TABLE events DETACH PARTITION events_2020;',
      options: { postgresVersion: 13 },
      why: 'PostgreSQL 13: flagged, no concurrent form',
    },
    {
      sql: 'BEGIN;\nALTER TABLE events DETACH PARTITION events_2020;\nCOMMIT;',
      why: 'explicit transaction: flagged without suggestion',
    },
    {
      sql: 'DO $$ BEGIN ALTER TABLE events DETACH PARTITION p1; END $$;',
      flagged: 'p1',
      why: 'SQL inside a DO block is linted',
    },
    {
      sql: 'SELECT 1;\nALTER TABLE évents DETACH PARTITION "évents_1";',
      flagged: '"évents_1"',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});

describe('rule require-concurrent-partition-detach: version and context', () => {
  it('PostgreSQL 13: no suggestion, help says there is no concurrent form', async () => {
    const [f] = await findingsOf('require-concurrent-partition-detach', 'ALTER TABLE e DETACH PARTITION p;', {
      postgresVersion: 13,
    });
    assert.equal(f.suggestions, undefined);
    assert.match(f.help, /No concurrent form before PostgreSQL 14/);
  });
  it('explicit transaction block: no suggestion', async () => {
    const [f] = await findingsOf(
      'require-concurrent-partition-detach',
      'BEGIN;\nALTER TABLE e DETACH PARTITION p;\nCOMMIT;',
    );
    assert.equal(f.suggestions, undefined);
  });
});

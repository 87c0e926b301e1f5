import assert from 'node:assert/strict';
import { findingsOf, ruleCases } from '../helpers/rule-cases';

ruleCases('partition-attach', {
  valid: [
    {
      sql: "CREATE TABLE events_2024 (LIKE events);\nALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
      why: 'partition created earlier in the same file is empty',
    },
    {
      sql: "ALTER TABLE events_2024 ADD CONSTRAINT b CHECK (at IS NOT NULL AND at >= '2024-01-01' AND at < '2025-01-01') NOT VALID;\nALTER TABLE events_2024 VALIDATE CONSTRAINT b;\nALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
      why: 'a CHECK added NOT VALID then validated proves the bound',
    },
    {
      sql: "ALTER TABLE app.events_2024 ADD CONSTRAINT b CHECK (at >= '2024-01-01' AND at < '2025-01-01');\nALTER TABLE app.events ATTACH PARTITION app.events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
      why: 'a CHECK added with validation proves the bound',
    },
    'ALTER TABLE events DETACH PARTITION events_2020;',
  ],
  invalid: [
    {
      sql: "ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
      count: 1,
      message: /^ATTACH PARTITION events_2024 scans every row of events_2024 under an ACCESS EXCLUSIVE lock/,
      flagged: 'events_2024',
    },
    {
      sql: "ALTER TABLE events_2024 ADD CONSTRAINT b CHECK (at >= '2024-01-01') NOT VALID;\nALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
      why: 'a NOT VALID CHECK that was never validated does not prove anything',
    },
    {
      sql: "ALTER TABLE other_2024 ADD CONSTRAINT b CHECK (at >= '2024-01-01');\nALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES IN (1);",
      why: 'a CHECK on another table',
    },
    {
      sql: 'ALTER TABLE events ATTACH PARTITION events_old DEFAULT;',
      why: 'a default partition is scanned too',
    },
    {
      sql: 'ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES IN (1);',
      options: { postgresVersion: 11 },
      message: /takes an ACCESS EXCLUSIVE lock on events and scans/,
      why: 'before PostgreSQL 12 the parent is locked too',
    },
    {
      sql: 'DO $$ BEGIN ALTER TABLE e ATTACH PARTITION p1 FOR VALUES IN (1); END $$;',
      flagged: 'p1',
      why: 'SQL inside a DO block is linted',
    },
    {
      sql: 'SELECT 1;\nALTER TABLE e ATTACH PARTITION "é_1" FOR VALUES IN (1);',
      flagged: '"é_1"',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});

describe('rule partition-attach: help', () => {
  it('shows the CHECK NOT VALID / VALIDATE / ATTACH / DROP sequence', async () => {
    const [f] = await findingsOf('partition-attach', 'ALTER TABLE e ATTACH PARTITION p FOR VALUES IN (1);');
    assert.match(
      f.help,
      /NOT VALID;[\s\S]*VALIDATE CONSTRAINT p_bound;[\s\S]*ATTACH PARTITION p[\s\S]*DROP CONSTRAINT p_bound/,
    );
    assert.match(f.help, /SHARE UPDATE EXCLUSIVE on `e`/);
  });
});

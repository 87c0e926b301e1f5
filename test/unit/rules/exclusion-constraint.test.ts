import { ruleCases } from '../helpers/rule-cases';

ruleCases('exclusion-constraint', {
  valid: [
    {
      sql: 'CREATE TABLE bookings (room int, during tstzrange);\nALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);',
      why: 'table created earlier in the same file is empty',
    },
    {
      sql: 'CREATE TABLE bookings (room int, during tstzrange, EXCLUDE USING gist (room WITH =, during WITH &&));',
      why: 'declared in CREATE TABLE',
    },
    { sql: 'ALTER TABLE bookings ADD CONSTRAINT u UNIQUE (room);', why: 'UNIQUE is another rule' },
    {
      sql: 'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ ALTER TABLE bookings ADD EXCLUDE USING gist (during WITH &&) $$;',
      why: 'function bodies do not run at migration time',
    },
  ],
  invalid: [
    {
      sql: 'ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);',
      count: 1,
      message:
        /ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE builds its gist index and checks every row under an ACCESS EXCLUSIVE lock: reads and writes on bookings wait until it finishes, and there is no NOT VALID or concurrent form/,
      flagged: 'CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&)',
    },
    {
      sql: 'ALTER TABLE bookings ADD EXCLUDE (room WITH =) WHERE (active);',
      message: /bookings_excl EXCLUDE builds its btree index/,
    },
    {
      sql: '-- pgshift:no-transaction\nALTER TABLE bookings ADD EXCLUDE USING gist (during WITH &&);',
      why: 'any transaction mode',
    },
    {
      sql: 'ALTER TABLE bookings ADD EXCLUDE USING gist (during WITH &&);',
      options: { runnerSetsLockTimeout: false },
      why: 'help adapts to lock_timeout',
    },
    {
      sql: 'DO $$ BEGIN ALTER TABLE bookings ADD EXCLUDE USING gist (during WITH &&); END $$;',
      why: 'SQL inside a DO block runs at migration time',
    },
    {
      sql: 'SELECT 1;\nALTER TABLE é ADD CONSTRAINT ü EXCLUDE USING gist (ç WITH &&);',
      flagged: 'CONSTRAINT ü EXCLUDE USING gist (ç WITH &&)',
      why: 'non-ASCII identifiers: byte ranges',
    },
  ],
});

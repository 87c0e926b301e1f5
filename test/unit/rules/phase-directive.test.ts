import assert from 'node:assert/strict';
import { parsePhaseWords, phaseDirectives } from '../../../src/core/sql/directives';
import { splitStatements } from '../../../src/core/sql/splitter';
import { ruleCases } from '../helpers/rule-cases';

ruleCases('phase-directive', {
  valid: [
    {
      sql: '-- pgshift:phase expand group=rename_users_email\nALTER TABLE users ADD COLUMN email_address text;',
      why: 'a phase and a group',
    },
    {
      sql: '-- pgshift:phase CONTRACT group=g.1-x\nSELECT 1;',
      why: 'case of the phase, dots and dashes in the group',
    },
    { sql: 'SELECT 1;', why: 'no directive' },
  ],
  invalid: [
    {
      sql: '-- pgshift:phase shrink group=g\nSELECT 1;',
      count: 1,
      message: /^pgshift:phase: unknown word "shrink"/,
      flagged: '-- pgshift:phase shrink group=g',
    },
    { sql: '-- pgshift:phase contract\nSELECT 1;', message: /no group=/ },
    { sql: '-- pgshift:phase group=g\nSELECT 1;', message: /no phase/ },
    { sql: '-- pgshift:phase expand contract group=g\nSELECT 1;', message: /two phases/ },
    { sql: '-- pgshift:phase expand group=a;b\nSELECT 1;', message: /a group name is letters/ },
    {
      sql: '-- pgshift:phase expand group=g\nSELECT 1;\n-- pgshift:phase contract group=g\nSELECT 2;',
      count: 1,
      message: /a second phase directive/,
    },
  ],
});

describe('phase directive parsing', () => {
  it('reads the phase and group, and says what to write when it cannot', () => {
    assert.deepEqual(parsePhaseWords(' backfill  group=users_1 '), { phase: 'backfill', group: 'users_1' });
    assert.match(parsePhaseWords('').error ?? '', /no phase: write -- pgshift:phase expand\|backfill/);
    const c = splitStatements(Buffer.from('-- pgshift:phase validate group=x\n-- other\nSELECT 1;')).comments;
    const d = phaseDirectives(c);
    assert.equal(d.length, 1);
    assert.equal(d[0].phase, 'validate');
    assert.equal(d[0].group, 'x');
    assert.equal(d[0].start, 0);
  });
});

import assert from 'node:assert/strict';
import { identifierTokens, mayHoldLongToken } from '../../src/core/lint/rules/identifier-too-long';

const overLimit = (sql: string): boolean =>
  identifierTokens(sql).some((t) => Buffer.byteLength(t.value, 'utf8') > 63);

describe('mayHoldLongToken (identifier-too-long reads only the statements it lets through)', () => {
  it('lets through a bare or quoted name over 63 bytes', () => {
    assert.ok(mayHoldLongToken(`CREATE TABLE ${'a'.repeat(64)} (id int)`));
    assert.ok(mayHoldLongToken(`CREATE TABLE t (${'é'.repeat(32)} int)`));
    assert.ok(mayHoldLongToken(`CREATE TABLE "${'a b '.repeat(16)}" (id int)`));
    assert.ok(mayHoldLongToken(`CREATE TABLE "${'a""'.repeat(32)}" (id int)`));
    assert.ok(
      mayHoldLongToken(`CREATE INDEX ON t (x); -- ${'z'.repeat(70)}`),
      'a word in a comment is still a run',
    );
  });
  it('stops statements whose names are all short, even with long stretches between quoted names', () => {
    assert.ok(!mayHoldLongToken(`CREATE TABLE ${'a'.repeat(63)} (id int)`));
    assert.ok(!mayHoldLongToken(`CREATE TABLE t (${'é'.repeat(21)} int)`));
    const gap = ' integer NOT NULL, b integer NOT NULL, c integer NOT NULL, d integer NOT NULL, ';
    assert.ok(!mayHoldLongToken(`CREATE TABLE "t" ("a"${gap}"e" text)`));
    assert.ok(!mayHoldLongToken('ALTER TABLE "x""y" ADD COLUMN "z" int'));
  });
  it('lets through a quote that a string, comment or dollar quote may hide', () => {
    for (const sql of [
      `SELECT '"' AS q, "a" FROM t`,
      `SELECT "a" -- "\nFROM t`,
      `SELECT "a" /* " */ FROM t`,
      `SELECT $x$"$x$, "a"`,
    ])
      assert.ok(mayHoldLongToken(sql), sql);
  });
  it('never stops a statement that holds a token over 63 bytes (generated statements)', () => {
    let seed = 42;
    const random = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pieces = [
      'a',
      'Z',
      '_',
      '$',
      '1',
      ' ',
      '"',
      '""',
      "'",
      '--',
      '/*',
      '*/',
      '\n',
      'é',
      '中',
      '😀',
      'U&',
      'E',
      '(',
      '.',
      ',',
    ];
    let flagged = 0;
    const missed: string[] = [];
    for (let n = 0; n < 4000; n++) {
      let sql = '';
      while (sql.length < 120) {
        const p = pieces[Math.floor(random() * pieces.length)];
        sql += random() < 0.15 ? p.repeat(10 + Math.floor(random() * 60)) : p;
      }
      if (overLimit(sql)) {
        flagged++;
        if (!mayHoldLongToken(sql)) missed.push(sql);
      }
    }
    assert.ok(flagged > 100, `only ${flagged} generated statements hold a long token`);
    assert.deepEqual(missed, []);
  });
});

import assert from 'node:assert/strict';
import { identPattern, bareOrQuotedPattern } from '../../src/core/lint/rules/_relations';
import {
  BARE_OR_QUOTED_NAME,
  canonicalize,
  firstMatch,
  matchRange,
  NAME,
  namePattern,
  nameRange,
  optional,
} from '../../src/core/lint/rules/_name-range';
import type { Range, Stmt } from '../../src/core/lint/types';

/** A statement that starts `before` bytes into its file (`before` may hold multi-byte characters). */
function stmtIn(before: string, text: string, located = true): Stmt {
  const start = Buffer.byteLength(before, 'utf8');
  const end = start + Buffer.byteLength(text, 'utf8') + (located ? 0 : 7);
  return {
    index: 0,
    node: {} as Stmt['node'],
    kind: 'AlterTableStmt',
    range: { start, end },
    text,
    inTransaction: true,
    txId: 1,
    origin: located ? 'top' : 'do-block',
  };
}

/** The text a byte range covers in the file `before + text`. */
function covered(before: string, text: string, range: Range | undefined): string | undefined {
  return range && Buffer.from(before + text, 'utf8').toString('utf8', range.start, range.end);
}

const DROP_COLUMN = namePattern([/\bDROP\s+/, optional(/COLUMN\s+/), optional(/IF\s+EXISTS\s+/), NAME]);
const DROP_TABLE = namePattern([/\bTABLE\s+/, optional(/IF\s+EXISTS\s+/), NAME], [/,\s*/, NAME]);
const RENAME_COLUMN = namePattern([/\bRENAME\s+/, optional(/COLUMN\s+/), NAME, /\s+TO\b/]);
const SET_NOT_NULL = namePattern([
  /ALTER\s+/,
  optional(/COLUMN\s+/),
  BARE_OR_QUOTED_NAME,
  /\s+SET\s+NOT\s+NULL/,
]);

describe('nameRange', () => {
  const flagged = (text: string, name: string | string[], before = ''): string | undefined =>
    covered(
      before,
      text,
      nameRange(stmtIn(before, text), DROP_COLUMN, typeof name === 'string' ? [name] : name),
    );

  it('finds a bare name in any letter case, as PostgreSQL folds it', () => {
    assert.equal(flagged('ALTER TABLE orders DROP COLUMN NoTe', 'note'), 'NoTe');
    assert.equal(flagged('alter table orders drop note cascade', 'note'), 'note');
  });
  it('finds a quoted name exactly, with "" for a quote inside it', () => {
    assert.equal(flagged('ALTER TABLE t DROP COLUMN "a""b", DROP x', 'a"b'), '"a""b"');
    assert.equal(flagged('ALTER TABLE t DROP COLUMN IF EXISTS "Total"', 'Total'), '"Total"');
  });
  it('does not take a name that needs quotes for its bare spelling', () => {
    assert.equal(flagged('ALTER TABLE t DROP COLUMN TOTAL, DROP COLUMN "Total"', 'Total'), '"Total"');
    assert.equal(flagged('ALTER TABLE t DROP COLUMN total', 'Total'), undefined);
  });
  it('skips a longer word that starts with the name', () => {
    assert.equal(flagged('ALTER TABLE t DROP COLUMN identity, DROP COLUMN id', 'id'), 'id');
    const range = nameRange(stmtIn('', 'ALTER TABLE t DROP COLUMN ids, DROP id'), DROP_COLUMN, ['id']);
    assert.deepEqual(range, { start: 36, end: 38 });
  });
  it('counts UTF-8 bytes for non-ASCII names and for what comes before them', () => {
    const before = '-- ünïcödé\n';
    const text = 'ALTER TABLE tëst DROP COLUMN café, DROP COLUMN "Straße"';
    assert.equal(flagged(text, 'café', before), 'café');
    assert.equal(flagged(text, 'Straße', before), '"Straße"');
    assert.deepEqual(nameRange(stmtIn(before, text), DROP_COLUMN, ['café']), {
      start: Buffer.byteLength(before + 'ALTER TABLE tëst DROP COLUMN '),
      end: Buffer.byteLength(before + 'ALTER TABLE tëst DROP COLUMN café'),
    });
    // non-ASCII letters are compared as a case-insensitive regex compares them
    assert.equal(flagged('ALTER TABLE t DROP COLUMN CAFÉ', 'café'), 'CAFÉ');
  });
  it('tries the optional keywords the way the regex backtracks: a column named like a keyword', () => {
    assert.equal(flagged('ALTER TABLE t DROP COLUMN IF EXISTS if', 'if'), 'if');
    assert.deepEqual(nameRange(stmtIn('', 'ALTER TABLE t DROP COLUMN IF EXISTS if'), DROP_COLUMN, ['if']), {
      start: 36,
      end: 38,
    });
    assert.equal(flagged('ALTER TABLE t DROP column', 'column'), 'column');
    const text = 'ALTER TABLE t RENAME COLUMN column TO c';
    assert.equal(covered('', text, nameRange(stmtIn('', text), RENAME_COLUMN, ['column'])), 'column');
  });
  it('needs what follows the name', () => {
    const text = 'ALTER TABLE t RENAME a TO b, RENAME COLUMN a TO c';
    assert.deepEqual(nameRange(stmtIn('', text), RENAME_COLUMN, ['a']), { start: 21, end: 22 });
    assert.equal(nameRange(stmtIn('', 'ALTER TABLE t RENAME a'), RENAME_COLUMN, ['a']), undefined);
  });
  it('finds a qualified name after either alternative', () => {
    const text = 'DROP TABLE IF EXISTS a, "S" . "T", s.u';
    assert.equal(covered('', text, nameRange(stmtIn('', text), DROP_TABLE, ['S', 'T'])), '"S" . "T"');
    assert.equal(covered('', text, nameRange(stmtIn('', text), DROP_TABLE, ['s', 'u'])), 's.u');
    assert.equal(covered('', text, nameRange(stmtIn('', text), DROP_TABLE, ['a'])), 'a');
  });
  it('gives nothing for text that is not where the statement is in the file', () => {
    assert.equal(nameRange(stmtIn('', 'ALTER TABLE t DROP a', false), DROP_COLUMN, ['a']), undefined);
  });
  it('takes a name that starts with a space character through the regex (it may share the space before it)', () => {
    const name = '\u00a0x';
    // `\s+` after COLUMN takes ' ' and the U+00A0 first, then gives the U+00A0 back to the name
    const text = 'ALTER TABLE t DROP COLUMN \u00a0x';
    assert.equal(flagged(text, name), '\u00a0x');
  });
});

describe('namePattern', () => {
  it('refuses a step that starts with white space anywhere but right after the name', () => {
    assert.throws(
      () => namePattern([/\bDROP\s+/, optional(/\s*COLUMN\s+/), NAME]),
      /starts with white space/,
    );
    assert.doesNotThrow(() => namePattern([/\bRENAME\s+/, NAME, /\s+TO\b/]));
  });
});

describe('matchRange', () => {
  it('covers the whole match, with the name bare as written or quoted', () => {
    const text = 'ALTER TABLE t ALTER COLUMN "Foo" SET NOT NULL, ALTER bar SET NOT NULL';
    assert.equal(
      covered('x', text, matchRange(stmtIn('x', text), SET_NOT_NULL, ['Foo'])),
      'ALTER COLUMN "Foo" SET NOT NULL',
    );
    assert.equal(
      covered('', text, matchRange(stmtIn('', text), SET_NOT_NULL, ['bar'])),
      'ALTER bar SET NOT NULL',
    );
  });
  it('compares quoted names case-insensitively as well, as the regexes with the i flag did', () => {
    const text = 'ALTER TABLE t ALTER COLUMN "FOO" SET NOT NULL';
    assert.equal(
      covered('', text, matchRange(stmtIn('', text), SET_NOT_NULL, ['Foo'])),
      'ALTER COLUMN "FOO" SET NOT NULL',
    );
  });
  it('takes a bare name even inside a longer word, as bareOrQuotedPattern did', () => {
    const text = 'ALTER TABLE t ALTER COLUMN a SET NOT NULL';
    assert.equal(matchRange(stmtIn('', text), SET_NOT_NULL, ['b']), undefined);
    assert.equal(
      covered('', text, matchRange(stmtIn('', text), SET_NOT_NULL, ['a'])),
      'ALTER COLUMN a SET NOT NULL',
    );
  });
});

describe('canonicalize', () => {
  const regexEqual = (a: number, b: number): boolean =>
    new RegExp(`^\\u${a.toString(16).padStart(4, '0')}$`, 'i').test(String.fromCharCode(b));
  it('says two code units are equal exactly when a case-insensitive regex does', () => {
    // ASCII, Latin-1, and the letters whose case mappings are special (ſ, K, ß, µ, İ, ı, ǅ, σ/ς, Ω, ẞ)
    const units = [
      ...Array.from({ length: 0x250 }, (_, i) => i),
      0x17f, 0x212a, 0xdf, 0xb5, 0x3bc, 0x39c, 0x130, 0x131, 0x1c4, 0x1c5, 0x1c6, 0x3c3, 0x3c2, 0x3a3,
      0x2126, 0x3a9, 0x3c9, 0x1e9e, 0xfb00, 0xd800, 0xdc00, 0x4e00,
    ]; // prettier-ignore
    const mismatches: string[] = [];
    for (const a of units) {
      if (!regexEqual(a, canonicalize(a))) mismatches.push(a.toString(16));
      for (const b of [0x53, 0x73, 0x4b, 0x6b, 0xdf, 0x3a3, 0x3c3, 0x3c2, 0x1c4, 0x130, 0x49, 0x69])
        if (regexEqual(a, b) !== (canonicalize(a) === canonicalize(b)))
          mismatches.push(`${a.toString(16)}/${b.toString(16)}`);
    }
    assert.deepEqual(mismatches, []);
  });
});

// The regexes the rules built per finding before the scan replaced them.
const OLD: {
  pattern: ReturnType<typeof namePattern>;
  regex: (parts: string[]) => RegExp;
  whole?: boolean;
}[] = [
  {
    pattern: DROP_COLUMN,
    regex: ([c]) => new RegExp(`\\bDROP\\s+(?:COLUMN\\s+)?(?:IF\\s+EXISTS\\s+)?(${identPattern(c)})`, 'id'),
  },
  {
    pattern: namePattern([/\bALTER\s+/, optional(/COLUMN\s+/), NAME, /\s+DROP\s+NOT\s+NULL\b/]),
    regex: ([c]) =>
      new RegExp(`\\bALTER\\s+(?:COLUMN\\s+)?(${identPattern(c)})\\s+DROP\\s+NOT\\s+NULL\\b`, 'id'),
  },
  {
    pattern: namePattern([/\bSCHEMA\s+/, optional(/IF\s+EXISTS\s+/), NAME], [/,\s*/, NAME]),
    regex: ([s]) => new RegExp(`(?:\\bSCHEMA\\s+(?:IF\\s+EXISTS\\s+)?|,\\s*)(${identPattern(s)})`, 'id'),
  },
  {
    pattern: RENAME_COLUMN,
    regex: ([c]) => new RegExp(`\\bRENAME\\s+(?:COLUMN\\s+)?(${identPattern(c)})\\s+TO\\b`, 'id'),
  },
  {
    pattern: DROP_TABLE,
    regex: (parts) =>
      new RegExp(
        `(?:\\bTABLE\\s+(?:IF\\s+EXISTS\\s+)?|,\\s*)(${parts.map(identPattern).join('\\s*\\.\\s*')})`,
        'id',
      ),
  },
  {
    pattern: SET_NOT_NULL,
    regex: ([c]) =>
      new RegExp(`ALTER\\s+(?:COLUMN\\s+)?${bareOrQuotedPattern(c)}\\s+SET\\s+NOT\\s+NULL`, 'id'),
    whole: true,
  },
];

describe('firstMatch agrees with the regex built around the name', () => {
  // a small deterministic generator (mulberry32)
  let seed = 0x5eed;
  const random = (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const NAMES = [
    'id',
    'if',
    'column',
    'Total',
    'a"b',
    'café',
    'CAFÉ',
    'x$1',
    'to',
    's',
    'ſ',
    'k',
    '\u212a',
    ' x',
    'a b',
    '\u00a0x',
  ];
  const WORDS = [
    'ALTER', 'alter', 'TABLE', 'DROP', 'drop', 'COLUMN', 'IF', 'EXISTS', 'SCHEMA', 'RENAME', 'TO', 'SET', 'NOT',
    'NULL', 'DROP NOT NULL', 'SET NOT NULL', ',', '.', '(', 'ids', 'identity', 'S', 'idx', 'ß',
  ]; // prettier-ignore
  const SPACES = [' ', ' ', '  ', '\n', '\t', '', '\u00a0'];
  const spell = (name: string): string => {
    const r = random();
    if (r < 0.35) return `"${name.replace(/"/g, '""')}"`;
    if (r < 0.55) return name.toUpperCase();
    if (r < 0.7) return `${name}x`;
    return name;
  };

  it('on generated statements, for every pattern the rules use', () => {
    const failures: string[] = [];
    for (let n = 0; n < 3000; n++) {
      const parts = random() < 0.2 ? [pick(NAMES), pick(NAMES)] : [pick(NAMES)];
      const tokens: string[] = [];
      for (let k = 0, len = 3 + Math.floor(random() * 10); k < len; k++)
        tokens.push(random() < 0.3 ? spell(pick(parts)) : pick(WORDS));
      const text = tokens.map((t) => t + pick(SPACES)).join('');
      for (const { pattern, regex, whole } of OLD) {
        if (parts.length > 1 && pattern !== DROP_TABLE) continue;
        const m = regex(parts).exec(text);
        const at = whole ? m && [m.index, m.index + m[0].length] : m?.indices?.[1];
        const expected = at ? `${at[0]}-${at[1]}` : 'none';
        const found = firstMatch(text, pattern, parts);
        const span = found && (whole ? found.match : found.name);
        const actual = span ? `${span.start}-${span.end}` : 'none';
        if (actual !== expected)
          failures.push(`${JSON.stringify(text)} ${JSON.stringify(parts)}: ${actual} != ${expected}`);
      }
    }
    assert.deepEqual(failures.slice(0, 5), []);
  });
});

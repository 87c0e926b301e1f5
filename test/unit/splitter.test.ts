import assert from 'node:assert/strict';
import { splitStatements } from '../../src/core/sql/splitter';
import { SourceText } from '../../src/core/sql/source';

function split(sql: string): string[] {
  const b = Buffer.from(sql, 'utf8');
  return splitStatements(b).statements.map((s) => b.toString('utf8', s.start, s.end));
}

describe('splitStatements', () => {
  it('splits on semicolons and trims comments and whitespace', () => {
    assert.deepEqual(split('  -- c\nSELECT 1;\n/* x */ SELECT 2 ;'), ['SELECT 1', 'SELECT 2']);
  });
  it('keeps semicolons inside strings, identifiers, comments and dollar quotes; ends at the last token', () => {
    const sql = `SELECT 'a;b', "c;d" /* e; */ -- f;\n;\nCREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;\nDO $$ BEGIN PERFORM 1; END $$;`;
    assert.deepEqual(split(sql), [
      `SELECT 'a;b', "c;d"`,
      'CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql',
      'DO $$ BEGIN PERFORM 1; END $$',
    ]);
  });
  it('does not treat $1 or identifiers with $ as dollar quotes', () => {
    assert.deepEqual(split('SELECT $1, a$b$c FROM t; SELECT 2;'), ['SELECT $1, a$b$c FROM t', 'SELECT 2']);
  });
  it("handles E'' strings with backslash escapes and '' doubling", () => {
    assert.deepEqual(split(`SELECT E'it\\'s;', 'don''t;'; SELECT 3;`), [
      `SELECT E'it\\'s;', 'don''t;'`,
      'SELECT 3',
    ]);
  });
  it('keeps CREATE RULE actions in parentheses and BEGIN ATOMIC bodies together', () => {
    const sql =
      'CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));\n' +
      'CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 1 END; END;\nSELECT 4;';
    assert.equal(split(sql).length, 3);
    assert.match(split(sql)[1], /END$/);
  });
  it('treats nested block comments and unterminated quotes without throwing', () => {
    assert.deepEqual(split('/* a /* b; */ c; */ SELECT 1;'), ['SELECT 1']);
    assert.deepEqual(split("SELECT 'unterminated; SELECT 2;"), ["SELECT 'unterminated; SELECT 2;"]);
  });
  it('skips psql meta-commands and COPY FROM stdin data', () => {
    const sql = '\\set x 1\nSELECT 1 \\gset\nCOPY t FROM stdin;\n1\t2;\n3\t4\n\\.\nSELECT 2;';
    assert.deepEqual(split(sql), ['SELECT 1', 'COPY t FROM stdin', 'SELECT 2']);
  });
  it('skips a UTF-8 byte-order mark', () => {
    assert.deepEqual(split('\ufeffCREATE TABLE t (a int);'), ['CREATE TABLE t (a int)']);
  });
  it('reports comments with their bodies', () => {
    const b = Buffer.from('-- pgshift:no-transaction\nSELECT 1; /* x */');
    assert.deepEqual(
      splitStatements(b).comments.map((c) => [c.kind, c.body]),
      [
        ['line', ' pgshift:no-transaction'],
        ['block', ' x '],
      ],
    );
  });
});

describe('SourceText positions (UTF-8 bytes → UTF-16 editor positions)', () => {
  it('maps byte offsets after multi-byte characters to UTF-16 columns', () => {
    const s = new SourceText("SELECT 'é';\nSELECT '😀' AS \"ü\", x;");
    const xByte = Buffer.from(s.text).indexOf(Buffer.from('x;'));
    assert.deepEqual(s.positionAt(xByte), { line: 1, character: 20 });
    assert.equal(s.text.split('\n')[1].indexOf('x;'), 20);
    assert.equal(s.offsetAt({ line: 1, character: 20 }), xByte);
    assert.equal(s.utf16Offset(xByte), s.text.indexOf('x;'));
    assert.equal(s.byteOffset(s.text.indexOf('x;')), xByte);
  });
  it('is the identity for ASCII and handles CRLF line ends', () => {
    const s = new SourceText('a\r\nb\rc\nd');
    assert.deepEqual(s.positionAt(3), { line: 1, character: 0 });
    assert.deepEqual(s.positionAt(5), { line: 2, character: 0 });
    assert.deepEqual(s.positionAt(7), { line: 3, character: 0 });
    assert.equal(s.lineCount(), 4);
  });
});

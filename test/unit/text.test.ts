import * as assert from 'node:assert/strict';
import { PgshiftError } from '../../src/core/errors';
import { errorText, ms, oneLineMessage, oneLineSql } from '../../src/core/text';

describe('core text: one-line formatting shared by the CLI and the editor', () => {
  describe('ms', () => {
    it('tenths below 10 ms, whole milliseconds below 10 s, tenths of seconds above', () => {
      assert.equal(ms(0.4), '0.4 ms');
      assert.equal(ms(0), '0 ms');
      assert.equal(ms(320), '320 ms');
      assert.equal(ms(9_999), '9999 ms');
      assert.equal(ms(10_000), '10.0 s');
      assert.equal(ms(12_500), '12.5 s');
    });

    it('nothing for an unknown duration', () => {
      assert.equal(ms(null), '');
      assert.equal(ms(undefined), '');
    });
  });

  describe('oneLineSql', () => {
    const sql =
      '-- why: customers need it\nALTER TABLE customers\n    ADD COLUMN email text;  -- nullable for now';

    it('by default (the editor) drops every -- comment, the trailing one included, and collapses whitespace', () => {
      assert.equal(oneLineSql(sql), 'ALTER TABLE customers ADD COLUMN email text;');
    });

    it('with keepTrailingComment (the CLI) keeps the comment that ends the text, drops the others', () => {
      assert.equal(
        oneLineSql(sql, 100, { keepTrailingComment: true }),
        'ALTER TABLE customers ADD COLUMN email text; -- nullable for now',
      );
    });

    it('a comment followed by a newline goes in both modes', () => {
      const s = 'UPDATE t SET a = 1; -- first pass\n';
      assert.equal(oneLineSql(s), 'UPDATE t SET a = 1;');
      assert.equal(oneLineSql(s, 100, { keepTrailingComment: true }), 'UPDATE t SET a = 1;');
    });

    it('cuts to max characters, the last one an ellipsis; text of exactly max is left whole', () => {
      const long = `SELECT ${'x, '.repeat(40)}y FROM t`;
      const cut = oneLineSql(long, 20);
      assert.equal(cut.length, 20);
      assert.equal(cut, 'SELECT x, x, x, x, …');
      assert.equal(oneLineSql('SELECT 1234', 11), 'SELECT 1234');
      assert.equal(oneLineSql('SELECT 12345', 11), 'SELECT 123…');
    });

    it('block comments are left in (only -- comments are dropped)', () => {
      assert.equal(oneLineSql('SELECT /* keep */ 1'), 'SELECT /* keep */ 1');
    });
  });

  describe('oneLineMessage', () => {
    it('joins the lines of a message with one space and trims it, leaving the spaces inside a line alone', () => {
      assert.equal(
        oneLineMessage('relation "t" does not exist\n  LINE 1:  SELECT\n'),
        'relation "t" does not exist LINE 1:  SELECT',
      );
    });
  });

  describe('errorText', () => {
    it("pgshift's own errors read with their next step in parentheses", () => {
      assert.equal(
        errorText(new PgshiftError('no migrations', { hint: 'create one' })),
        'no migrations (create one)',
      );
      assert.equal(errorText(new PgshiftError('cancelled')), 'cancelled');
    });

    it('other errors show only the first line of their message', () => {
      assert.equal(errorText(new Error('connection refused\n    at Socket.connect')), 'connection refused');
      assert.equal(errorText('plain string'), 'plain string');
    });
  });
});

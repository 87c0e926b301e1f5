/**
 * The cold lint path's shortcuts give what the plain code gives: a statement's command and summary read
 * from its first words only, and each statement described once for all the rules that ask. Checked on
 * every statement of the whole corpus, PostgreSQL's regression SQL included.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeStatement } from '../../src/core/pg/describe';
import { commandOf, statementSummary } from '../../src/core/pg/facts';
import { lintFiles } from '../../src/core/lint/lint-files';
import { statementFacts } from '../../src/core/lint/statement-locks';
import { SourceText } from '../../src/core/sql/source';
import { splitStatements } from '../../src/core/sql/splitter';
import { oneLineSql } from '../../src/core/text';

const corpus = join(__dirname, '..', '..', '..', '..', 'shared', 'corpus');

function sqlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sqlFiles(p));
    else if (/\.sql(\.postgres)?$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

// the code before the shortcut, word for word
const stripComments = (sql: string): string =>
  sql.replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ');
function plainCommandOf(text: string): string {
  const words = stripComments(text)
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 3)
    .map((w) => w.toUpperCase().replace(/[^A-Z]/g, ''));
  if (!words.length) return '?';
  if (['CREATE', 'ALTER', 'DROP'].includes(words[0])) {
    const skip = ['OR', 'REPLACE', 'UNIQUE', 'TEMP', 'TEMPORARY', 'UNLOGGED'];
    const rest = words.slice(1).filter((w) => !skip.includes(w));
    return `${words[0]} ${rest[0] ?? ''}`.trim();
  }
  return words[0];
}
const plainSummary = (text: string, max: number): string => oneLineSql(stripComments(text), max);

describe('the cold lint path', () => {
  const files = sqlFiles(corpus);

  it('reads each statement’s command and summary as the whole-text code did, on the whole corpus', function () {
    this.timeout(120_000);
    assert.ok(files.length > 2800, `the corpus with pg-regress: ${files.length} files`);
    let statements = 0;
    for (const file of files) {
      const source = new SourceText(readFileSync(file).toString('utf8'));
      for (const st of splitStatements(source.bytes).statements) {
        const text = source.slice(st.start, st.end);
        statements++;
        assert.equal(commandOf(text), plainCommandOf(text), `${file}: ${text.slice(0, 80)}`);
        for (const max of [140, 20])
          assert.equal(statementSummary(text, max), plainSummary(text, max), `${file}: ${text.slice(0, 80)}`);
      }
    }
    assert.ok(statements > 10_000, `${statements} statements`);
  });

  it('cuts a summary where the whole-text code does, around the limit and across runs of white space', () => {
    const texts: string[] = [];
    for (let n = 130; n < 150; n++) {
      texts.push(
        'x'.repeat(n),
        `${'a '.repeat(n)}`,
        `  ${'b'.repeat(n)}   \n\t `,
        `/* c */ ${'é'.repeat(n)}`,
      );
      texts.push(`${'y'.repeat(n)}${' '.repeat(600)}z`, `${' \n'.repeat(400)}${'w'.repeat(n)}`);
      texts.push(`-- note\n${'😀'.repeat(n)}`, `SELECT ${'q'.repeat(n - 7)}${' '.repeat(n * 4)}`);
    }
    for (const t of texts) assert.equal(statementSummary(t, 140), plainSummary(t, 140), JSON.stringify(t));
  });

  it('describes each statement once for all the rules, and no rule changes the shared answer', async function () {
    this.timeout(180_000);
    const results = await lintFiles(files, {});
    let checked = 0;
    for (const r of results)
      for (const s of r.statements) {
        const shared = statementFacts(s, 15);
        assert.equal(statementFacts(s, 15), shared, 'asked again: the same answer');
        assert.deepEqual(shared, describeStatement(s.node, s.text, { postgresVersion: 15 }), r.file);
        checked++;
      }
    assert.ok(checked > 10_000, `${checked} statements`);
  });
});

/**
 * Every rule has its doc page and its test table, and the examples in the docs do what they say:
 * "Incorrect" blocks are flagged by the rule, "Correct" blocks are not (eslint checks its docs the same way).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { allRules } from '../../src/core/lint/rules';
import { lint } from '../../src/core/lint/engine';
import { isMetaRule } from '../../src/core/lint/meta-rules';

const root = join(__dirname, '..', '..', '..');

function sqlBlocks(section: string): string[] {
  return [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]);
}
function section(doc: string, title: string): string {
  const m = new RegExp(`^## ${title}\\s*$([\\s\\S]*?)(?=^## |(?![\\s\\S]))`, 'm').exec(doc);
  return m ? m[1] : '';
}

describe('rules parity', () => {
  it('the registry holds every file in src/core/lint/rules and ids match file names', () => {
    const files = readdirSync(join(root, 'src/core/lint/rules')).filter(
      (f) => f.endsWith('.ts') && f !== 'index.ts' && !f.startsWith('_'),
    );
    assert.deepEqual(allRules.map((r) => r.meta.id).sort(), files.map((f) => f.replace(/\.ts$/, '')).sort());
  });
  for (const rule of allRules) {
    const id = rule.meta.id;
    describe(id, () => {
      const docPath = join(root, 'docs/rules', `${id}.md`);
      it('has a doc page with Problem, Solution, Incorrect, Correct and When not to use it', () => {
        assert.ok(existsSync(docPath), `missing ${docPath}`);
        const doc = readFileSync(docPath, 'utf8');
        assert.match(doc, new RegExp(`^# ${id}\\s*$`, 'm'));
        for (const t of ['Problem', 'Solution', 'Incorrect', 'Correct', 'When not to use it']) {
          assert.ok(section(doc, t).trim().length > 0, `${id}.md lacks a "## ${t}" section`);
        }
      });
      it('has a test table', () => {
        const test = join(root, 'test/unit/rules', `${id}.test.ts`);
        assert.ok(existsSync(test), `missing ${test}`);
        if (!isMetaRule(id)) {
          const src = readFileSync(test, 'utf8');
          assert.match(src, /valid:/);
          assert.match(src, /invalid:/);
        }
      });
      it('declares a sane meta', () => {
        assert.ok(rule.meta.description.length > 10);
        assert.ok(
          isMetaRule(id) ? true : rule.meta.kinds.length > 0 || !!rule.checkFile,
          'a rule must look at something',
        );
      });
      if (existsSync(docPath)) {
        const doc = readFileSync(docPath, 'utf8');
        const bad = sqlBlocks(section(doc, 'Incorrect'));
        const good = sqlBlocks(section(doc, 'Correct'));
        // an opt-in rule's examples show what it does once the config enables it
        const options = rule.meta.optIn ? { rules: { [id]: rule.meta.defaultSeverity } } : {};
        it('doc examples: Incorrect blocks are flagged, Correct blocks are not', async () => {
          assert.ok(
            bad.length > 0 && good.length > 0,
            'needs at least one sql block in Incorrect and in Correct',
          );
          for (const sql of bad) {
            const res = await lint(sql, options);
            assert.ok(
              res.findings.some((f) => f.rule === id),
              `Incorrect example not flagged by ${id}:\n${sql}`,
            );
          }
          for (const sql of good) {
            const res = await lint(sql, options);
            const hits = res.findings.filter((f) => f.rule === id);
            assert.deepEqual(
              hits.map((f) => f.message),
              [],
              `Correct example flagged by ${id}:\n${sql}`,
            );
          }
        });
        if (rule.meta.optIn) {
          it('is opt-in: off unless the config enables it', async () => {
            for (const sql of bad) {
              const res = await lint(sql);
              assert.deepEqual(
                res.findings.filter((f) => f.rule === id).map((f) => f.message),
                [],
                `opt-in rule ${id} reported without being enabled:\n${sql}`,
              );
            }
          });
        }
      }
    });
  }
});

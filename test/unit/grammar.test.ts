/** The directive highlighting (syntaxes/) knows every directive and batch option the core reads. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBatchOptions } from '../../src/core/sql/directives';

const root = join(__dirname, '..', '..', '..');
interface Rule {
  match?: string;
  begin?: string;
  patterns?: Rule[];
}
const grammar = JSON.parse(
  readFileSync(join(root, 'syntaxes', 'pgshift-directives.injection.json'), 'utf8'),
) as { repository: Record<string, Rule> };
/** The grammar's regexes are Oniguruma; these use only what JavaScript reads the same way. */
const heads = Object.values(grammar.repository).map((r) => new RegExp(r.match ?? r.begin!));

describe('directive grammar', () => {
  for (const comment of [
    'pgshift:no-transaction',
    'pgshift:batch size=5000 key=id delay=10ms',
    'pgshift:batch',
    'pgshift:check-before SELECT count(*) = 0 FROM orders WHERE currency IS NULL',
    'pgshift:check-after SELECT true',
    'pgshift:phase contract group=rename_users_email',
    'pgshift-ignore ban-drop-column: the column is unused since v2',
    'pgshift-ignore-file require-lock-timeout: set by the deploy job',
    'migrate:up transaction:false',
  ])
    it(`highlights -- ${comment}`, () => {
      assert.ok(
        heads.some((re) => re.test(comment)),
        comment,
      );
    });

  it('the batch options it colours are the ones the runner takes, and no other', () => {
    const option = grammar.repository.batch.patterns![0].match!;
    const names = /\\b\(([a-z|]+)\)/.exec(option)![1].split('|');
    assert.deepEqual(names.sort(), ['delay', 'key', 'size', 'target']);
    for (const n of names)
      assert.equal(
        parseBatchOptions(`${n}=${n === 'key' ? 'id' : n === 'size' ? '10' : '1ms'}`).error,
        undefined,
      );
    assert.match(parseBatchOptions('every=1').error ?? '', /unknown option/);
  });

  it('every pgshift: directive named in the core is in the grammar', () => {
    const src = readFileSync(join(root, 'src', 'core', 'sql', 'directives.ts'), 'utf8');
    const named = new Set(
      [...src.matchAll(/pgshift:([a-z]+(?:-[a-z]+)*)(?![a-z(-])/g)].map((m) => `pgshift:${m[1]}`),
    );
    assert.ok(named.size >= 4, [...named].join(' '));
    for (const n of named)
      assert.ok(
        heads.some((re) => re.test(n)),
        n,
      );
  });
});

// The lint cache lints a migration against a schema model rebuilt from the deltas of the ones before it;
// that model must be the one the linter built, down to the order of its maps and which objects are new.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { lintWith } from '../../src/core/lint/engine';
import { planGroup, readSql } from '../../src/core/lint/lint-files';
import type { SchemaModel } from '../../src/core/lint/schema';
import { restoreModel, SchemaReplay, schemaDelta } from '../../src/core/lint/schema-state';
import { loadParser } from '../../src/core/sql/parser';

const corpus = join(__dirname, '..', '..', '..', '..', 'shared', 'corpus');

function sqlFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.sql'))
    .map((f) => join(dir, f));
}

/** Everything the rules can see of a model, in map order, with "new" as the rules see it. */
function dump(m: SchemaModel): unknown {
  const { tables, indexes, gen } = m.records();
  return {
    tables: [...tables].map(([k, list]) => [
      k,
      list.map((t) => ({
        schema: t.schema,
        name: t.name,
        complete: t.complete,
        isNew: t.gen === gen,
        columns: [...t.columns].map(([n, c]) => [
          n,
          c.type,
          c.notNull,
          c.gen === gen,
          !!c.unique,
          !!c.primary,
        ]),
      })),
    ]),
    indexes: [...indexes].map(([k, ix]) => [k, ix.name, ix.table ?? null, ix.gen === gen, ix.uniqueColumn]),
  };
}

describe('schema model deltas (the lint cache’s stored models)', () => {
  // lemmy: 342 migrations that alter and rename; pg-regress: tables dropped and created again under the
  // same names, which moves them to the end of the model's maps
  for (const dir of ['lemmy/migrations', 'pg-regress']) {
    it(`rebuilds the model after every migration of ${dir}, map order and "new" marks included`, async function () {
      this.timeout(60_000);
      const parser = await loadParser();
      const { ups } = planGroup(sqlFiles(join(corpus, dir)));
      assert.ok(ups.length > 200);
      const replay = new SchemaReplay();
      let prev: SchemaModel | undefined;
      let moved = 0;
      let resumed: SchemaReplay | undefined;
      const half = ups.length >> 1;
      for (const [i, file] of ups.entries()) {
        const after = lintWith(parser, readSql(file), { rules: {}, priorSchema: prev }).schemaAfter;
        const delta = schemaDelta(prev, after);
        // a delta survives the trip through a cache file (structured clone, as v8.serialize does)
        replay.apply(structuredClone(delta));
        const restored = restoreModel(replay.model());
        assert.deepEqual(dump(restored), dump(after), file);
        // going on from a stored model (the cache's main file's, then its tail's) gives the same
        if (i === half) resumed = SchemaReplay.from(structuredClone(replay.model()));
        else resumed?.apply(structuredClone(delta));
        if (resumed)
          assert.deepEqual(dump(restoreModel(resumed.model())), dump(after), `${file}, from a stored model`);
        if (delta.del?.some((k) => delta.set?.some(([s]) => s === k))) moved++;
        prev = after;
      }
      if (dir === 'pg-regress') assert.ok(moved > 0, 'some table was dropped and created again');
    });
  }

  it('a rebuilt model lints the next migration as the original does, its down migration included', async () => {
    const parser = await loadParser();
    const up1 = 'CREATE TABLE t (id int PRIMARY KEY, v varchar(10));\nCREATE UNIQUE INDEX t_v ON t (v);';
    const up2 = 'ALTER TABLE t ADD COLUMN w int;\nALTER TABLE t ALTER COLUMN v TYPE text;';
    const down2 = 'ALTER TABLE t DROP COLUMN w;\nDROP INDEX t_v;';
    const a1 = lintWith(parser, up1, {}).schemaAfter;
    const a2 = lintWith(parser, up2, { priorSchema: a1 }).schemaAfter;
    const replay = new SchemaReplay();
    replay.apply(schemaDelta(undefined, a1));
    const r1 = restoreModel(replay.model());
    replay.apply(schemaDelta(a1, a2));
    const r2 = restoreModel(replay.model());
    const plain = (x: { findings: unknown[] }) => JSON.stringify(x.findings);
    assert.equal(
      plain(lintWith(parser, up2, { priorSchema: r1 })),
      plain(lintWith(parser, up2, { priorSchema: a1 })),
    );
    // the down migration sees w as new (its up added it): dropping it is not a risk
    const down = (prior: SchemaModel) => lintWith(parser, down2, { priorSchema: prior, direction: 'down' });
    assert.equal(plain(down(r2)), plain(down(a2)));
    assert.ok(!down(r2).findings.some((f) => f.rule === 'ban-drop-column'));
    assert.ok(
      lintWith(parser, down2, { priorSchema: r2 }).findings.some((f) => f.rule === 'ban-drop-column'),
    );
  });

  it('refuses a delta it did not write', () => {
    const replay = new SchemaReplay();
    for (const bad of [
      null,
      5,
      { del: 'x' },
      { set: [['t', 'x']] },
      { set: [['t', [{ name: 1 }]]] },
      { iset: [[1, {}]] },
    ])
      assert.throws(() => replay.apply(bad as never));
  });
});

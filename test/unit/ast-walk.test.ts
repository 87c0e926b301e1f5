import assert from 'node:assert/strict';
import { walk } from '../../src/core/lint/ast';
import { lint } from '../../src/core/lint/engine';

// walk as it was written with Object.keys / Object.values: the order every rule's visitor relies on
function reference(
  node: unknown,
  visit: (kind: string, body: Record<string, unknown>) => boolean | void,
): void {
  if (Array.isArray(node)) {
    for (const n of node) reference(n, visit);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const keys = Object.keys(node);
  const kind = keys.length === 1 ? keys[0] : undefined;
  if (kind && /^[A-Z]/.test(kind)) {
    const body = (node as Record<string, unknown>)[kind];
    if (body && typeof body === 'object') {
      if (visit(kind, body as Record<string, unknown>) === false) return;
      for (const v of Object.values(body)) if (v && typeof v === 'object') reference(v, visit);
      return;
    }
  }
  for (const v of Object.values(node)) if (v && typeof v === 'object') reference(v, visit);
}

describe('walk', () => {
  it('visits the nodes of real parse trees in the same order, skipping where the visitor says so', async () => {
    const { statements } = await lint(
      [
        'CREATE TABLE s.t (id bigint PRIMARY KEY, ref int REFERENCES u (id), CHECK (id > 0))',
        "ALTER TABLE t ADD COLUMN c text DEFAULT 'x', ALTER COLUMN d SET NOT NULL",
        'WITH x AS (SELECT 1 AS a) UPDATE t SET c = (SELECT a FROM x) WHERE id IN (1, 2, 3)',
        'CREATE INDEX CONCURRENTLY i ON t USING gin (to_tsvector($$simple$$, c))',
        'SELECT * FROM f() AS r(a int, b text)',
      ].join(';\n'),
    );
    assert.equal(statements.length, 5);
    for (const s of statements) {
      for (const skip of [undefined, 'SelectStmt', 'ColumnDef', 'A_Expr']) {
        const got: string[] = [];
        const want: string[] = [];
        walk(s.node, (k) => (got.push(k), k === skip ? false : undefined));
        reference(s.node, (k) => (want.push(k), k === skip ? false : undefined));
        assert.deepEqual(got, want);
        if (!skip) assert.ok(got.length > 3);
      }
    }
  });
  it('walks arrays and plain objects around nodes, and visits a node whose body is an array', () => {
    const tree = [{ A: { x: [{ B: {} }, 1, null, { C: [{ D: { y: 'z' } }] }] } }, { lower: { E: {} } }, 'F'];
    const seen: string[] = [];
    walk(tree, (k) => void seen.push(k));
    assert.deepEqual(seen, ['A', 'B', 'C', 'D', 'E']);
    const want: string[] = [];
    reference(tree, (k) => void want.push(k));
    assert.deepEqual(seen, want);
  });
});

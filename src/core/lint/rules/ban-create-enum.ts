import { as, stringList } from '../ast';
import type { Rule, RuleMeta } from '../types';
import { quoteIdent } from './_relations';
import { groupRange } from './_util';

export const meta: RuleMeta = {
  id: 'ban-create-enum',
  description:
    'CREATE TYPE ... AS ENUM fixes the values: they cannot be removed or reordered later; prefer a lookup table or a CHECK',
  defaultSeverity: 'hint',
  category: 'types',
  fixable: 'none',
  kinds: ['CreateEnumStmt'],
};

// the type's (possibly qualified, possibly quoted) name after CREATE TYPE
const TYPE_NAME =
  /\bCREATE\s+TYPE\s+((?:"(?:[^"]|"")*"|[^\s".(]+)(?:\s*\.\s*(?:"(?:[^"]|"")*"|[^\s".(]+))*)/di;

export const check: Rule['check'] = (stmt, ctx) => {
  const e = as(stmt.node, 'CreateEnumStmt')!;
  const names = stringList(e.typeName);
  if (names.length === 0) return;
  const typeName = names.map(quoteIdent).join('.');
  const labels = stringList(e.vals);
  const v = ctx.postgresVersion;
  const sqlLabels = (labels.length ? labels : ['a', 'b']).map((l) => `'${l.replace(/'/g, "''")}'`).join(', ');
  ctx.report({
    range: groupRange(stmt, TYPE_NAME) ?? stmt.range,
    message:
      `enum ${typeName} cannot lose or reorder values later: PostgreSQL has no ALTER TYPE ... DROP VALUE, so retiring one means a new type and a rewrite of every column using it` +
      (v < 12 ? `, and on PostgreSQL ${v} even ADD VALUE cannot run inside a transaction block` : ''),
    help: [
      `**Why:** the labels of \`${typeName}\` are part of the type. \`ALTER TYPE ... ADD VALUE\` and \`RENAME VALUE\` exist, but a label can never be removed or moved: retiring one means creating a new type and running \`ALTER COLUMN ... TYPE\` on every column that uses it, which rewrites those tables under an ACCESS EXCLUSIVE lock (reads and writes wait). ${
        v < 12
          ? `On PostgreSQL ${v}, \`ADD VALUE\` cannot run inside a transaction block at all (allowed from PostgreSQL 12).`
          : 'Before PostgreSQL 12, `ADD VALUE` cannot run inside a transaction block; from 12 it can, but the new label cannot be used until that transaction commits.'
      }`,
      '',
      '**Safe way:** a lookup table with a foreign key: new values are rows, old ones can be deleted once unused:',
      '```sql',
      `CREATE TABLE ${typeName} (name text PRIMARY KEY);`,
      `INSERT INTO ${typeName} (name) VALUES ${labels.length ? labels.map((l) => `('${l.replace(/'/g, "''")}')`).join(', ') : "('a'), ('b')"};`,
      `-- the column: <column> text NOT NULL REFERENCES ${typeName} (name)`,
      '```',
      'or `text` with a CHECK constraint, which a later migration replaces without a long lock:',
      '```sql',
      `-- the column: <column> text NOT NULL CONSTRAINT <table>_<column>_check CHECK (<column> IN (${sqlLabels}))`,
      '-- later, to change the allowed values (a brief ACCESS EXCLUSIVE lock: NOT VALID skips the scan):',
      'ALTER TABLE <table> DROP CONSTRAINT <table>_<column>_check,',
      `  ADD CONSTRAINT <table>_<column>_check CHECK (<column> IN (${sqlLabels}, 'new')) NOT VALID;`,
      '-- then, in the next migration (SHARE UPDATE EXCLUSIVE: reads and writes continue):',
      'ALTER TABLE <table> VALIDATE CONSTRAINT <table>_<column>_check;',
      '```',
    ].join('\n'),
  });
};

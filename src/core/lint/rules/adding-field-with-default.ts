import type * as T from '@pgsql/types';
import { as, columnConstraints, NON_VOLATILE_FUNCTIONS, stringList, typeNameToString, walk } from '../ast';
import type { Range, Rule, RuleContext, RuleMeta, Stmt } from '../types';
import { addedColumns } from './_columns';
import { alterOfExistingTable } from './_relations';

export const meta: RuleMeta = {
  id: 'adding-field-with-default',
  description:
    'ADD COLUMN with a volatile DEFAULT (any DEFAULT before PostgreSQL 11) rewrites the table under an ACCESS EXCLUSIVE lock',
  defaultSeverity: 'warning',
  category: 'rewrite',
  fixable: 'none',
  kinds: ['AlterTableStmt'],
};

/** What makes a default volatile, for the message; undefined when it is not. */
export function volatileReason(
  ctx: RuleContext,
  stmt: Stmt,
  expr: unknown,
): { what: string; location?: number } | undefined {
  let found: { what: string; location?: number } | undefined;
  walk(expr, (kind, body) => {
    if (found) return false;
    if (kind !== 'FuncCall') return;
    const fc = body as T.FuncCall;
    const fn = stringList(fc.funcname).pop()?.toLowerCase() ?? '';
    if (NON_VOLATILE_FUNCTIONS.has(fn) || declaredNonVolatile(ctx, stmt, fn)) return;
    found = {
      what: KNOWN_VOLATILE.has(fn)
        ? `${fn}() is volatile`
        : `${fn}() may be volatile (functions are VOLATILE unless declared IMMUTABLE or STABLE)`,
      location: fc.location,
    };
  });
  return found;
}

const KNOWN_VOLATILE = new Set([
  'clock_timestamp',
  'gen_random_bytes',
  'gen_random_uuid',
  'nextval',
  'random',
  'random_normal',
  'setseed',
  'timeofday',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'uuidv4',
  'uuidv7',
]);

// A function created earlier in the same file as IMMUTABLE or STABLE.
function declaredNonVolatile(ctx: RuleContext, stmt: Stmt, fn: string): boolean {
  return ctx.statements.some((s) => {
    if (s.index >= stmt.index) return false;
    const f = as(s.node, 'CreateFunctionStmt');
    if (!f || stringList(f.funcname).pop()?.toLowerCase() !== fn) return false;
    return (f.options ?? []).some((o) => {
      const d = as(o, 'DefElem');
      const v = as(d?.arg, 'String')?.sval;
      return d?.defname === 'volatility' && (v === 'immutable' || v === 'stable');
    });
  });
}

export const check: Rule['check'] = (stmt, ctx) => {
  const target = alterOfExistingTable(stmt, ctx);
  if (!target) return;
  const { name } = target;
  const v = ctx.postgresVersion;
  for (const col of addedColumns(target.cmds)) {
    const cons = columnConstraints(col);
    const dflt = cons.find((c) => c.contype === 'CONSTR_DEFAULT');
    if (!dflt?.raw_expr || as(dflt.raw_expr, 'A_Const')?.isnull) continue;
    if (cons.some((c) => c.contype === 'CONSTR_GENERATED' || c.contype === 'CONSTR_IDENTITY')) continue;
    let why: string;
    let range: Range;
    if (v >= 11) {
      const vol = volatileReason(ctx, stmt, dflt.raw_expr);
      if (!vol) continue;
      why = vol.what;
      range = ctx.rangeAt(stmt, vol.location);
    } else {
      why = `PostgreSQL ${v} writes every default into each row`;
      range = ctx.rangeAt(stmt, dflt.location);
    }
    const column = col.colname;
    const exprText = exprSource(ctx, stmt, dflt) ?? '<default>';
    const notNull = cons.some((c) => c.contype === 'CONSTR_NOTNULL');
    ctx.report({
      range,
      message: `ALTER TABLE ${name} ADD COLUMN ${column} with DEFAULT ${exprText} rewrites ${name} under an ACCESS EXCLUSIVE lock (${why}): reads and writes wait until the rewrite finishes`,
      help: [
        `**Lock:** ACCESS EXCLUSIVE on \`${name}\` while PostgreSQL rewrites every row (and rebuilds every index) to store the new value — every query on the table, reads included, waits for the whole rewrite. The rewrite also needs disk space for a full copy of the table.`,
        '',
        v >= 11
          ? `**Why:** on PostgreSQL 11+ a constant or STABLE default (\`0\`, \`'new'\`, \`now()\`) is evaluated once and kept in the catalog, so adding the column is instant. A volatile one must be computed for each row, which rewrites the table: ${why}.`
          : `**Why:** before PostgreSQL 11 adding a column with any non-NULL default writes the value into every row. From PostgreSQL 11 a constant or STABLE default costs nothing.`,
        '',
        '**Safe way:** add the column without a default, set the default for new rows, and fill existing rows in batches:',
        '```sql',
        `ALTER TABLE ${name} ADD COLUMN ${column} ${typeNameToString(col.typeName)};  -- instant`,
        `ALTER TABLE ${name} ALTER COLUMN ${column} SET DEFAULT ${exprText};  -- applies to new rows only, no rewrite`,
        '-- backfill in batches, each in its own transaction:',
        `UPDATE ${name} SET ${column} = ${exprText} WHERE ${column} IS NULL AND <key range>;`,
        '```',
        notNull
          ? `Then make \`${column}\` NOT NULL without a long lock (see the \`set-not-null\` rule).`
          : '',
      ]
        .join('\n')
        .trimEnd(),
    });
  }
};

/** The default expression's source text, on one line. */
function exprSource(ctx: RuleContext, stmt: Stmt, dflt: T.Constraint): string | undefined {
  const len = stmt.range.end - stmt.range.start;
  if (dflt.location === undefined || Buffer.byteLength(stmt.text) !== len) return undefined;
  // From after DEFAULT to the next top-level comma or constraint keyword.
  const rest = ctx.source.slice(stmt.range.start + dflt.location, stmt.range.end).replace(/^DEFAULT\s+/i, '');
  let depth = 0;
  let quote = '';
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (quote) {
      if (c === quote) quote = rest[i + 1] === quote ? (i++, quote) : '';
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (
      depth === 0 &&
      (c === ',' ||
        /^\s(NOT\s+NULL|NULL|CHECK|REFERENCES|UNIQUE|PRIMARY|CONSTRAINT|COLLATE)\b/i.test(rest.slice(i)))
    ) {
      return rest.slice(0, i).trim().replace(/\s+/g, ' ');
    }
  }
  return rest.trim().replace(/\s+/g, ' ');
}

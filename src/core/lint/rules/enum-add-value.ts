import type * as T from '@pgsql/types';
import { as, stringList, walk } from '../ast';
import type { Fix, Range, Rule, RuleContext, RuleMeta, Stmt } from '../types';
import { noTransactionEdits, rangeOf } from './_util';

export const meta: RuleMeta = {
  id: 'enum-add-value',
  description:
    'ALTER TYPE ... ADD VALUE inside a transaction (PostgreSQL < 12) or used before it commits fails; RENAME VALUE breaks clients',
  defaultSeverity: 'error',
  category: 'transactions',
  fixable: 'suggestion',
  kinds: ['AlterEnumStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  const e = as(stmt.node, 'AlterEnumStmt')!;
  const names = stringList(e.typeName);
  const typeName = names.join('.');
  const shortName = names[names.length - 1];
  if (!e.newVal || !shortName) return;
  if (e.oldVal) {
    reportRename(stmt, ctx, typeName, shortName, e.oldVal, e.newVal);
    return;
  }
  const createdInTx = enumCreatedInTransaction(ctx, stmt, shortName);
  const v = ctx.postgresVersion;
  if (v < 12) {
    // PostgreSQL 9.1-11 refuse ADD VALUE in a transaction block, unless the type was created in the same one.
    if (stmt.inTransaction && !createdInTx) reportInTransaction(stmt, ctx, typeName, e.newVal);
    return;
  }
  if (!stmt.inTransaction || (v >= 17 && createdInTx)) return;
  for (const later of ctx.statements) {
    if (later.index <= stmt.index || later.txId !== stmt.txId) continue;
    const use = findUse(later, e.newVal, shortName);
    if (!use) continue;
    const lit = `'${e.newVal}'`;
    ctx.report({
      range: literalRange(ctx, later, use.location),
      message: use.certain
        ? `${lit}::${typeName} is used in the same transaction that added ${lit} to ${typeName}: PostgreSQL fails with "unsafe use of new value" until the ADD VALUE commits`
        : `${lit} is used in the same transaction that added it to enum ${typeName}: where it is read as a ${typeName} value, PostgreSQL fails with "unsafe use of new value" until the ADD VALUE commits`,
      help: [
        `**What happens:** from PostgreSQL 12, \`ALTER TYPE ${typeName} ADD VALUE\` may run inside a transaction, but the new value cannot be used — stored, compared, cast — until that transaction commits${v >= 17 ? ' (unless the type itself was created in the same transaction)' : ''}. The migration stops here with \`unsafe use of new value ${lit} of enum type ${shortName}\`.${e.skipIfNewValExists ? ' (With IF NOT EXISTS this only happens when the value is really new.)' : ''}`,
        '',
        `**Safe way:** commit the ADD VALUE first — put the statements that use ${lit} in the next migration, or run this file outside a transaction (\`-- pgshift:no-transaction\`), where each statement commits on its own.`,
      ].join('\n'),
      suggestions: noTransactionFix(
        ctx,
        [stmt, later],
        'Run the file outside a transaction, so ADD VALUE commits before the value is used',
      ),
    });
  }
};

function reportInTransaction(stmt: Stmt, ctx: RuleContext, typeName: string, value: string): void {
  const inDo = stmt.origin === 'do-block';
  ctx.report({
    range: rangeOf(stmt, /ADD\s+VALUE\b/i) ?? stmt.range,
    message: inDo
      ? `ALTER TYPE ${typeName} ADD VALUE '${value}' fails inside a DO block on PostgreSQL ${ctx.postgresVersion}: before PostgreSQL 12 it cannot run in a transaction block or function`
      : `ALTER TYPE ${typeName} ADD VALUE '${value}' fails inside a transaction block on PostgreSQL ${ctx.postgresVersion}: before PostgreSQL 12 it must run on its own`,
    help: [
      `**What happens:** PostgreSQL 11 and older reject \`ALTER TYPE ... ADD VALUE\` in a transaction block ("ALTER TYPE ... ADD cannot run inside a transaction block"), unless the enum was created in that same transaction. The runner wraps each file in a transaction by default, so the migration fails.`,
      '',
      inDo
        ? '**Safe way:** move the statement out of the DO block into a migration that runs outside a transaction (`-- pgshift:no-transaction`).'
        : ctx.explicitTransactions
          ? '**Safe way:** move the statement out of the BEGIN ... COMMIT block.'
          : '**Safe way:** put the statement in a migration that runs outside a transaction (`-- pgshift:no-transaction`), alone or with other statements that may run one by one. From PostgreSQL 12 it may run inside a transaction.',
    ].join('\n'),
    suggestions: inDo ? undefined : noTransactionFix(ctx, [stmt], 'Run the file outside a transaction'),
  });
}

function reportRename(
  stmt: Stmt,
  ctx: RuleContext,
  typeName: string,
  shortName: string,
  oldVal: string,
  newVal: string,
): void {
  if (ctx.createdInFile('type', shortName, stmt.index)) return;
  ctx.report({
    range: rangeOf(stmt, /RENAME\s+VALUE\b/i) ?? stmt.range,
    message: `ALTER TYPE ${typeName} RENAME VALUE '${oldVal}' TO '${newVal}' breaks every client that still reads or writes '${oldVal}': their queries fail with "invalid input value for enum ${shortName}"`,
    help: [
      `**What happens:** the rename is instant and takes effect for everyone at commit. Application code still running the old version sends \`'${oldVal}'\`, which no longer exists, and code that matches on the label stops recognising stored rows.`,
      '',
      `**Safe way:** add the new value, migrate in steps, then retire the old one:`,
      '```sql',
      `ALTER TYPE ${typeName} ADD VALUE '${newVal}';  -- its own migration`,
      `-- deploy code that accepts both labels and writes '${newVal}'; then backfill in batches:`,
      `UPDATE <table> SET <column> = '${newVal}' WHERE <column> = '${oldVal}' AND <key range>;`,
      '```',
      `An enum value cannot be dropped; leave \`'${oldVal}'\` unused (a CHECK constraint can forbid it), or move to a lookup table when labels change often.`,
    ].join('\n'),
  });
}

/** A string literal equal to the new value; `certain` when it is cast to the enum itself. */
function findUse(
  s: Stmt,
  value: string,
  enumName: string,
): { location?: number; certain: boolean } | undefined {
  if (s.kind === 'AlterEnumStmt' || s.kind === 'CommentStmt') return undefined;
  let found: { location?: number; certain: boolean } | undefined;
  walk(s.node, (kind, body) => {
    if (found) return false;
    if (kind === 'TypeCast') {
      const tc = body as T.TypeCast;
      const c = as(tc.arg, 'A_Const');
      if (c?.sval?.sval === value) {
        const target = stringList(tc.typeName?.names).pop();
        // cast to another type: not a use of the enum value
        if (target === enumName) found = { location: c.location, certain: true };
        return false;
      }
    } else if (kind === 'A_Const' && (body as T.A_Const).sval?.sval === value) {
      found = { location: (body as T.A_Const).location, certain: false };
    }
  });
  return found;
}

/** The whole 'quoted' literal at `location` (rangeAt extends over identifiers only). */
function literalRange(ctx: RuleContext, stmt: Stmt, location: number | undefined): Range {
  const r = ctx.rangeAt(stmt, location);
  const b = ctx.source.bytes;
  if (b[r.start] !== 0x27) return r;
  let i = r.start + 1;
  while (i < stmt.range.end && !(b[i] === 0x27 && b[i + 1] !== 0x27)) i += b[i] === 0x27 ? 2 : 1;
  return { start: r.start, end: Math.min(i + 1, stmt.range.end) };
}

function enumCreatedInTransaction(ctx: RuleContext, stmt: Stmt, name: string): boolean {
  return ctx.statements.some(
    (s) =>
      s.index < stmt.index &&
      s.txId === stmt.txId &&
      stringList(as(s.node, 'CreateEnumStmt')?.typeName).pop() === name,
  );
}

function noTransactionFix(ctx: RuleContext, stmts: Stmt[], title: string): Fix[] | undefined {
  if (ctx.explicitTransactions || stmts.some((s) => s.origin !== 'top')) return undefined;
  const edits = noTransactionEdits(ctx);
  return edits.length ? [{ title, edits }] : undefined;
}

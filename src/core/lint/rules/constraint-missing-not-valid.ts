import type * as T from '@pgsql/types';
import { as, columnConstraints, formatName, rangeVarName, stringList, type QualifiedName } from '../ast';
import type { Fix, Rule, RuleContext, RuleMeta, Stmt } from '../types';
import { isSerial } from './_columns';
import {
  addedConstraints,
  constraintSpan,
  notValidFix,
  onlyForeignKeys,
  type AddedConstraint,
} from './_constraints';
import { alterOfExistingTable, quoteIdent } from './_relations';

export const meta: RuleMeta = {
  id: 'constraint-missing-not-valid',
  description:
    'A FOREIGN KEY or CHECK added to an existing table without NOT VALID checks every row while holding a lock',
  defaultSeverity: 'warning',
  category: 'locking',
  fixable: 'suggestion',
  kinds: ['AlterTableStmt'],
};

export const check: Rule['check'] = (stmt, ctx) => {
  const target = alterOfExistingTable(stmt, ctx);
  if (!target) return;
  const { table, cmds } = target;
  const foreignKeysOnly = onlyForeignKeys(cmds);
  // PostgreSQL trusts a FOREIGN KEY declared on a column being added (all NULL) without scanning, unless the
  // column gets values (a default, serial, generated). Before PostgreSQL 13 the whole ALTER TABLE was
  // transformed at once, so a value given to any column added by the statement made every such key validated;
  // from 13 each ADD COLUMN is transformed alone (measured on 12, 13 and 15: pg_stat_user_tables.seq_scan).
  const statementAddsValues =
    ctx.postgresVersion < 13 &&
    cmds.some((c) => c.subtype === 'AT_AddColumn' && addsValues(as(c.def, 'ColumnDef')));

  for (const added of addedConstraints(ctx, stmt, target, ['CONSTR_CHECK', 'CONSTR_FOREIGN'], 'each')) {
    // a column constraint cannot be NOT VALID
    if (!added.col && added.con.skip_validation) continue;
    if (added.con.contype === 'CONSTR_CHECK') reportCheck(stmt, ctx, table, added);
    // an ADD COLUMN among the subcommands makes foreignKeysOnly false
    else if (!added.col) reportForeignKey(stmt, ctx, table, added, foreignKeysOnly);
    else if (addsValues(added.col)) reportForeignKey(stmt, ctx, table, added, foreignKeysOnly, 'own');
    else if (statementAddsValues) reportForeignKey(stmt, ctx, table, added, foreignKeysOnly, 'other');
  }
};

function reportCheck(stmt: Stmt, ctx: RuleContext, table: QualifiedName, added: AddedConstraint): void {
  const { con, col, conName } = added;
  const name = formatName(table);
  const text = col ? undefined : constraintText(ctx, stmt, con.location);
  const steps = col
    ? [
        `ALTER TABLE ${name} ADD COLUMN ${col.colname} ...;  -- the column without its CHECK`,
        `ALTER TABLE ${name} ADD CONSTRAINT ${conName} ${constraintText(ctx, stmt, con.location, true) ?? 'CHECK (...)'} NOT VALID;`,
      ]
    : [
        `ALTER TABLE ${name} ${withoutConstraintName(text, conName) ?? `ADD CONSTRAINT ${conName} CHECK (...)`} NOT VALID;`,
      ];
  ctx.report({
    range: added.range,
    message: col
      ? `ALTER TABLE ${name} ADD COLUMN ${col.colname} with a CHECK scans every row of ${name} under an ACCESS EXCLUSIVE lock: reads and writes wait until the check finishes`
      : `ALTER TABLE ${name} ADD CONSTRAINT ${conName} CHECK without NOT VALID scans every row of ${name} under an ACCESS EXCLUSIVE lock: reads and writes wait until the check finishes`,
    help: [
      `**Lock:** ACCESS EXCLUSIVE on \`${name}\` while PostgreSQL checks every existing row — every query on the table, reads included, waits (and queues behind it), for as long as the scan takes on a large table.`,
      '',
      `**Safe way:** add the constraint \`NOT VALID\` (the lock is then held only for an instant; new and updated rows are checked at once), then validate the existing rows in a later migration:`,
      ...validateLater(name, steps, conName),
      "`VALIDATE CONSTRAINT` takes only SHARE UPDATE EXCLUSIVE: reads and writes continue while it scans. Run it in its own migration: in the same transaction as the `ADD` it would scan under the `ADD`'s lock.",
      col &&
        '\nA column constraint cannot be `NOT VALID`: add the column first, then the constraint as a table constraint.',
      pickedName(added),
    ]
      .filter((l) => l !== false && l !== undefined)
      .join('\n'),
    suggestions: added.span && [notValidFix(added.span)],
  });
}

function reportForeignKey(
  stmt: Stmt,
  ctx: RuleContext,
  table: QualifiedName,
  added: AddedConstraint,
  foreignKeysOnly: boolean,
  /** for a key declared on a column being added: whose value makes PostgreSQL validate it */
  valuesFrom?: 'own' | 'other',
): void {
  const { con, col, conName } = added;
  const name = formatName(table);
  const ref = rangeVarName(con.pktable);
  const refName = formatName(ref);
  // A referenced table created in this migration is invisible to others: its lock blocks nobody.
  const refHarmless =
    !!ref &&
    ((ref.name === table.name && (ref.schema ?? '') === (table.schema ?? '')) || ctx.isNewTable(ref));
  const tableLock = foreignKeysOnly ? 'SHARE ROW EXCLUSIVE' : 'ACCESS EXCLUSIVE';
  const both = refHarmless ? name : `${name} and ${refName}`;
  const blocks =
    tableLock === 'SHARE ROW EXCLUSIVE'
      ? `writes to ${both} wait until every row is checked`
      : refHarmless
        ? `reads and writes on ${name} wait until every row is checked`
        : `reads and writes on ${name}, and writes to ${refName}, wait until every row is checked`;
  const text = col ? undefined : constraintText(ctx, stmt, con.location);
  const pkCols = stringList(con.pk_attrs);
  const steps = col
    ? [
        `ALTER TABLE ${name} ADD COLUMN ${col.colname} ...;  -- the column without REFERENCES`,
        `ALTER TABLE ${name} ADD CONSTRAINT ${conName} FOREIGN KEY (${col.colname}) REFERENCES ${refName}${pkCols.length ? ` (${pkCols.join(', ')})` : ''} NOT VALID;`,
      ]
    : [
        `ALTER TABLE ${name} ${withoutConstraintName(text, conName) ?? `ADD CONSTRAINT ${conName} FOREIGN KEY (...) REFERENCES ${refName} (...)`} NOT VALID;`,
      ];
  ctx.report({
    range: added.range,
    message: col
      ? `ALTER TABLE ${name} ADD COLUMN ${col.colname} REFERENCES ${refName} validates every row of ${name}, because ${valuesFrom === 'other' ? 'another column added by the statement gets a value (before PostgreSQL 13)' : defaultsToNull(col) ? 'the new column has a DEFAULT (even DEFAULT NULL makes PostgreSQL check)' : 'the new column gets a value in every row'}, under ${tableLock} on ${name}${refHarmless ? '' : ` and SHARE ROW EXCLUSIVE on ${refName}`}: ${blocks}`
      : `ALTER TABLE ${name} ADD CONSTRAINT ${conName} FOREIGN KEY without NOT VALID validates every row of ${name} under ${tableLock === 'SHARE ROW EXCLUSIVE' && !refHarmless ? 'SHARE ROW EXCLUSIVE locks on both tables' : `${tableLock} on ${name}${refHarmless ? '' : ` and SHARE ROW EXCLUSIVE on ${refName}`}`}: ${blocks}`,
    help: [
      `**Lock:** ${tableLock} on \`${name}\`${refHarmless ? '' : ` and SHARE ROW EXCLUSIVE on the referenced \`${refName}\``}, held while PostgreSQL looks up every existing row of \`${name}\` in \`${refName}\`: INSERT, UPDATE and DELETE on ${refHarmless ? 'the table' : 'both tables'}${tableLock === 'ACCESS EXCLUSIVE' ? ` (and reads of \`${name}\`)` : ''} wait until the scan ends.`,
      '',
      '**Safe way:** add the foreign key `NOT VALID` (brief lock; new and updated rows are checked at once), then validate the existing rows in a later migration:',
      ...validateLater(name, steps, conName),
      `\`VALIDATE CONSTRAINT\` takes SHARE UPDATE EXCLUSIVE on \`${name}\` and ROW SHARE on \`${refName}\`: reads and writes on both continue while it scans.`,
      ctx.postgresVersion < 18 &&
        '\n**Partitioned tables:** before PostgreSQL 18 a partitioned table rejects `FOREIGN KEY ... NOT VALID`; add the key `NOT VALID` to each partition, validate each, then add it to the parent (PostgreSQL reuses the validated partition keys).',
      col &&
        `\nA foreign key declared on a column being added is trusted without a scan while the new column is all NULL: PostgreSQL validates it when the column gets a default (or is serial or generated)${ctx.postgresVersion < 13 ? ', and before PostgreSQL 13 also when any other column added by the same statement does' : ''}. A column constraint cannot be \`NOT VALID\`: add the column, then the key as a table constraint \`NOT VALID\` (the suggestion does both in this statement).`,
      pickedName(added),
    ]
      .filter((l) => l !== false && l !== undefined)
      .join('\n'),
    suggestions: added.span ? [notValidFix(added.span)] : col && columnKeyFix(ctx, stmt, col, con, conName),
  });
}

/**
 * The suggestion for `ADD COLUMN c ... REFERENCES t (id) ...`: the REFERENCES clause (with its CONSTRAINT name
 * and DEFERRABLE attributes) moved out of the column into `, ADD CONSTRAINT name FOREIGN KEY (c) REFERENCES
 * t (id) ... NOT VALID` at the end of the subcommand; the column keeps its type, default and other constraints.
 */
function columnKeyFix(
  ctx: RuleContext,
  stmt: Stmt,
  col: T.ColumnDef & { colname: string },
  con: T.Constraint,
  conName: string,
): Fix[] | undefined {
  const sub = constraintSpan(ctx, stmt, con.location);
  if (!sub || con.location === undefined) return undefined;
  // the clause ends where the column's next item starts: a constraint other than its own attributes, or COLLATE
  const all = (col.constraints ?? []).map((c) => as(c, 'Constraint'));
  const after = all.slice(all.indexOf(con) + 1);
  const next = [
    after.find((c) => !c?.contype?.startsWith('CONSTR_ATTR_'))?.location,
    col.collClause?.location,
  ].filter((l): l is number => l !== undefined && l > con.location!);
  const b = ctx.source.bytes;
  let end = next.length ? stmt.range.start + Math.min(...next) : sub.end;
  while (end > sub.start && isBlank(b[end - 1])) end--;
  let from = sub.start;
  while (from > stmt.range.start && isBlank(b[from - 1])) from--;
  const clause = ctx.source.slice(sub.start, end);
  // a comment inside the clause could swallow what follows it once moved
  if (/--|\/\*/.test(clause)) return undefined;
  const references = clause.replace(/^CONSTRAINT\s+(?:"(?:[^"]|"")*"|[^\s"]+)\s+/i, '');
  return [
    {
      title:
        'Move the key out of the column as ADD CONSTRAINT ... NOT VALID (then VALIDATE CONSTRAINT in a later migration)',
      edits: [
        {
          range: { start: from, end: sub.end },
          newText: `${ctx.source.slice(end, sub.end)}, ADD CONSTRAINT ${quoteIdent(conName)} FOREIGN KEY (${quoteIdent(col.colname)}) ${references} NOT VALID`,
        },
      ],
    },
  ];
}

function isBlank(c: number | undefined): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** The help's SQL: `steps` add the constraint NOT VALID, the next migration validates it. */
function validateLater(name: string, steps: string[], conName: string): string[] {
  return [
    '```sql',
    ...steps,
    '-- next migration:',
    `ALTER TABLE ${name} VALIDATE CONSTRAINT ${conName};`,
    '```',
  ];
}

function pickedName({ con, conName }: AddedConstraint): string | false {
  return (
    !con.conname &&
    `\n\`${conName}\` is the name PostgreSQL would pick; naming the constraint yourself keeps the \`VALIDATE\` step exact.`
  );
}

/** True when adding the column puts values in existing rows (so the statement's new foreign keys are validated). */
function addsValues(col: T.ColumnDef | undefined): boolean {
  if (!col) return false;
  if (isSerial(col.typeName)) return true;
  return columnConstraints(col).some(
    (c) => c.contype === 'CONSTR_DEFAULT' || c.contype === 'CONSTR_GENERATED',
  );
}

/** `DEFAULT NULL`: the rows stay NULL, but PostgreSQL sees a default and validates the key all the same. */
function defaultsToNull(col: T.ColumnDef): boolean {
  const dflt = columnConstraints(col).find((c) => c.contype === 'CONSTR_DEFAULT')?.raw_expr;
  const value = as(dflt, 'A_Const') ?? as(as(dflt, 'TypeCast')?.arg, 'A_Const');
  return !!value?.isnull;
}

/** "ADD CONSTRAINT c CHECK (...)" built from the constraint's own text, naming it when it had no name. */
function withoutConstraintName(text: string | undefined, conName: string): string | undefined {
  if (!text) return undefined;
  return /^CONSTRAINT\s/i.test(text) ? `ADD ${text}` : `ADD CONSTRAINT ${conName} ${text}`;
}

/** The constraint's source text on one line; with `firstGroup`, only up to its first closing parenthesis ("CHECK (a > 0)"). */
function constraintText(
  ctx: RuleContext,
  stmt: Stmt,
  location: number | undefined,
  firstGroup = false,
): string | undefined {
  const span = constraintSpan(ctx, stmt, location, firstGroup);
  return span && ctx.source.slice(span.start, span.end).replace(/\s+/g, ' ');
}

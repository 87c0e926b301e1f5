import type * as T from '@pgsql/types';
import { alterCmds, as, formatName, rangeVarName, stringList } from '../ast';
import type { Fix, Range, Rule, RuleContext, RuleMeta, Stmt } from '../types';
import { locatedInFile, offsetAfter, perFile, rangeOf } from './_util';

export const meta: RuleMeta = {
  id: 'prefer-robust-stmts',
  description:
    'Outside a transaction, a statement without IF [NOT] EXISTS makes the migration fail when re-run after a partial failure',
  defaultSeverity: 'info',
  category: 'transactions',
  fixable: 'fix',
  kinds: [
    'CreateStmt',
    'CreateTableAsStmt',
    'IndexStmt',
    'CreateSchemaStmt',
    'CreateSeqStmt',
    'CreateExtensionStmt',
    'ViewStmt',
    'CreateFunctionStmt',
    'CreateTrigStmt',
    'DropStmt',
    'AlterTableStmt',
  ],
};

const TEMP = 't';

export const check: Rule['check'] = (stmt, ctx) => {
  const cic = as(stmt.node, 'IndexStmt')?.concurrent === true && !stmt.inTransaction;
  if (!cic && !committedBeforeLaterStatements(stmt, ctx)) return;
  const precise = locatedInFile(stmt);
  const insertAfter = (re: RegExp, text: string, title: string): Fix | undefined => {
    const at = precise ? offsetAfter(stmt, re) : undefined;
    return at === undefined ? undefined : insertAt(at, text, title);
  };
  const keywords = (re: RegExp): Range => (precise && rangeOf(stmt, re)) || stmt.range;
  const flag = (
    what: string,
    range: Range,
    missing: string,
    fix?: Fix,
    asSuggestion = false,
    extra?: string,
  ): void =>
    ctx.report({
      range,
      message: `${what} has no ${missing}: ${whyItMatters(stmt, cic)}`,
      help: help(stmt, cic, missing, extra),
      ...(fix && !asSuggestion ? { fix } : {}),
      ...(fix && asSuggestion ? { suggestions: [fix] } : {}),
    });
  const IF_NOT_EXISTS = 'IF NOT EXISTS';
  const ifNotExists = (re: RegExp): Fix | undefined => insertAfter(re, ' IF NOT EXISTS', 'Add IF NOT EXISTS');
  // the plain case: IF NOT EXISTS goes right after the keywords `re`, with no caveat
  const flagIfNotExists = (what: string, re: RegExp): void =>
    flag(what, keywords(re), IF_NOT_EXISTS, ifNotExists(re));
  const orReplace = (): Fix | undefined => insertAfter(/^CREATE\b/i, ' OR REPLACE', 'Add OR REPLACE');
  // OR REPLACE would also silently replace a different object of that name: the user picks
  const flagOrReplace = (what: string, re: RegExp): void =>
    flag(what, keywords(re), 'OR REPLACE', orReplace(), true);

  switch (stmt.kind) {
    case 'CreateStmt': {
      const c = as(stmt.node, 'CreateStmt')!;
      if (c.if_not_exists || c.relation?.relpersistence === TEMP) return;
      flagIfNotExists(
        `CREATE TABLE ${formatName(rangeVarName(c.relation))}`,
        /^CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?(?:UNLOGGED\s+)?TABLE\b/i,
      );
      return;
    }
    case 'CreateTableAsStmt': {
      const c = as(stmt.node, 'CreateTableAsStmt')!;
      if (c.if_not_exists || c.into?.rel?.relpersistence === TEMP) return;
      const what = c.objtype === 'OBJECT_MATVIEW' ? 'CREATE MATERIALIZED VIEW' : 'CREATE TABLE AS';
      flagIfNotExists(
        `${what} ${formatName(rangeVarName(c.into?.rel))}`,
        /^CREATE\s+(?:UNLOGGED\s+)?(?:MATERIALIZED\s+VIEW|TABLE)\b/i,
      );
      return;
    }
    case 'IndexStmt': {
      const idx = as(stmt.node, 'IndexStmt')!;
      if (idx.if_not_exists) return;
      const re = /^CREATE\s+(?:UNIQUE\s+)?INDEX(?:\s+CONCURRENTLY)?\b/i;
      const what = `CREATE INDEX${idx.concurrent ? ' CONCURRENTLY' : ''} ${idx.idxname ?? `on ${formatName(rangeVarName(idx.relation))}`}`;
      // IF NOT EXISTS needs a name: without one, every run creates another index
      const fix = idx.idxname ? ifNotExists(re) : undefined;
      flag(
        what,
        keywords(re),
        IF_NOT_EXISTS,
        fix,
        false,
        idx.idxname
          ? undefined
          : 'An unnamed index cannot use IF NOT EXISTS, and each run would create another copy: give it a name.',
      );
      return;
    }
    case 'CreateSchemaStmt': {
      const s = as(stmt.node, 'CreateSchemaStmt')!;
      if (s.if_not_exists) return;
      const re = /^CREATE\s+SCHEMA\b/i;
      // CREATE SCHEMA IF NOT EXISTS cannot include schema elements
      const fix = s.schemaElts?.length ? undefined : ifNotExists(re);
      flag(
        `CREATE SCHEMA ${s.schemaname ?? ''}`.trim(),
        keywords(re),
        IF_NOT_EXISTS,
        fix,
        false,
        s.schemaElts?.length
          ? 'IF NOT EXISTS cannot be combined with schema elements: create the objects in separate statements.'
          : undefined,
      );
      return;
    }
    case 'CreateSeqStmt': {
      const s = as(stmt.node, 'CreateSeqStmt')!;
      if (s.if_not_exists || s.sequence?.relpersistence === TEMP) return;
      flagIfNotExists(
        `CREATE SEQUENCE ${formatName(rangeVarName(s.sequence))}`,
        /^CREATE\s+(?:UNLOGGED\s+)?SEQUENCE\b/i,
      );
      return;
    }
    case 'CreateExtensionStmt': {
      const e = as(stmt.node, 'CreateExtensionStmt')!;
      if (e.if_not_exists) return;
      flagIfNotExists(`CREATE EXTENSION ${e.extname ?? ''}`.trim(), /^CREATE\s+EXTENSION\b/i);
      return;
    }
    case 'ViewStmt': {
      const v = as(stmt.node, 'ViewStmt')!;
      if (v.replace || v.view?.relpersistence === TEMP) return;
      flagOrReplace(
        `CREATE VIEW ${formatName(rangeVarName(v.view))}`,
        /^CREATE\s+(?:(?:TEMP|TEMPORARY)\s+)?(?:RECURSIVE\s+)?VIEW\b/i,
      );
      return;
    }
    case 'CreateFunctionStmt': {
      const f = as(stmt.node, 'CreateFunctionStmt')!;
      if (f.replace) return;
      const kind = f.is_procedure ? 'PROCEDURE' : 'FUNCTION';
      flagOrReplace(
        `CREATE ${kind} ${stringList(f.funcname).join('.')}`,
        /^CREATE\s+(?:FUNCTION|PROCEDURE)\b/i,
      );
      return;
    }
    case 'CreateTrigStmt': {
      const t = as(stmt.node, 'CreateTrigStmt')!;
      if (t.replace) return;
      const re = /^CREATE\s+(?:CONSTRAINT\s+)?TRIGGER\b/i;
      const canReplace = ctx.postgresVersion >= 14 && !t.isconstraint;
      const dropFirst = `Run \`DROP TRIGGER IF EXISTS ${t.trigname ?? 'name'} ON ${formatName(rangeVarName(t.relation))};\` first${canReplace ? '' : ' (CREATE OR REPLACE TRIGGER needs PostgreSQL 14 and does not apply to constraint triggers)'}.`;
      const fix = canReplace ? orReplace() : undefined;
      flag(
        `CREATE TRIGGER ${t.trigname ?? ''}`.trim(),
        keywords(re),
        canReplace ? 'OR REPLACE' : 'DROP TRIGGER IF EXISTS before it',
        fix,
        true,
        dropFirst,
      );
      return;
    }
    case 'DropStmt': {
      const d = as(stmt.node, 'DropStmt')!;
      if (d.missing_ok) return;
      const re =
        /^DROP\s+(?:MATERIALIZED\s+VIEW|FOREIGN\s+(?:TABLE|DATA\s+WRAPPER)|TEXT\s+SEARCH\s+[A-Z]+|OPERATOR\s+(?:CLASS|FAMILY)|EVENT\s+TRIGGER|ACCESS\s+METHOD|(?:PROCEDURAL\s+)?LANGUAGE|[A-Z]+)(?:\s+CONCURRENTLY)?\b/i;
      const phrase = keywords(re);
      const verb =
        precise && phrase !== stmt.range
          ? ctx.source.slice(phrase.start, phrase.end).replace(/\s+/g, ' ').toUpperCase()
          : 'DROP';
      const onTable = ['OBJECT_TRIGGER', 'OBJECT_POLICY', 'OBJECT_RULE'].includes(d.removeType ?? '');
      const names = (d.objects ?? []).map((o) => objectName(o, onTable)).filter((n) => n);
      const what = names.length ? `${verb} ${names.join(', ')}` : verb;
      flag(what, phrase, 'IF EXISTS', insertAfter(re, ' IF EXISTS', 'Add IF EXISTS'));
      return;
    }
    case 'AlterTableStmt':
      checkAlterTable(stmt, ctx, precise, flag);
      return;
  }
};

function checkAlterTable(
  stmt: Stmt,
  ctx: RuleContext,
  precise: boolean,
  flag: (
    what: string,
    range: Range,
    missing: string,
    fix?: Fix,
    asSuggestion?: boolean,
    extra?: string,
  ) => void,
): void {
  const a = as(stmt.node, 'AlterTableStmt')!;
  const table = rangeVarName(a.relation);
  const name = formatName(table);
  for (const cmd of alterCmds(a)) {
    if (cmd.subtype === 'AT_AddColumn' && !cmd.missing_ok) {
      const col = as(cmd.def, 'ColumnDef');
      const loc = col?.location;
      const at = precise && loc !== undefined && loc >= 0 ? stmt.range.start + loc : undefined;
      const fix = at === undefined ? undefined : insertAt(at, 'IF NOT EXISTS ', 'Add IF NOT EXISTS');
      flag(
        `ALTER TABLE ${name} ADD COLUMN ${col?.colname ?? ''}`,
        ctx.rangeAt(stmt, loc),
        'IF NOT EXISTS',
        fix,
      );
    } else if (
      (cmd.subtype === 'AT_DropColumn' || cmd.subtype === 'AT_DropConstraint') &&
      !cmd.missing_ok &&
      cmd.name
    ) {
      const constraint = cmd.subtype === 'AT_DropConstraint';
      const pos = precise
        ? nameAfter(
            stmt,
            constraint ? /\bDROP\s+CONSTRAINT\s+/gi : /\bDROP\s+(?:COLUMN\s+)?(?!CONSTRAINT\b)/gi,
            cmd.name,
          )
        : undefined;
      const fix = pos && insertAt(pos.start, 'IF EXISTS ', 'Add IF EXISTS');
      flag(
        `ALTER TABLE ${name} DROP ${constraint ? 'CONSTRAINT' : 'COLUMN'} ${cmd.name}`,
        pos ?? stmt.range,
        'IF EXISTS',
        fix,
      );
    } else if (cmd.subtype === 'AT_AddConstraint') {
      const con = as(cmd.def, 'Constraint');
      if (!con?.conname || (table && droppedEarlier(ctx, stmt, table.name, con.conname))) continue;
      flag(
        `ALTER TABLE ${name} ADD CONSTRAINT ${con.conname}`,
        ctx.rangeAt(stmt, con.location),
        'matching DROP CONSTRAINT IF EXISTS before it',
        undefined,
        false,
        `ADD CONSTRAINT has no IF NOT EXISTS: precede it with \`ALTER TABLE ${name} DROP CONSTRAINT IF EXISTS ${con.conname};\` (on a re-run that drops and re-adds the constraint; with NOT VALID that is cheap).`,
      );
    }
  }
}

function insertAt(at: number, newText: string, title: string): Fix {
  return { title, edits: [{ range: { start: at, end: at }, newText }] };
}

/**
 * True when the statement's effect is committed while later statements of the file have yet to run: outside
 * a transaction each statement commits on its own, and an explicit transaction commits before what follows it.
 * Inside the one transaction the runner wraps around a file, a failure rolls everything back.
 * Transaction ids only grow along the file, so comparing with the last statement is enough.
 */
function committedBeforeLaterStatements(stmt: Stmt, ctx: RuleContext): boolean {
  const last = ctx.statements[ctx.statements.length - 1];
  return !!last && last.index > stmt.index && last.txId !== stmt.txId;
}

function whyItMatters(stmt: Stmt, cic: boolean): string {
  if (cic)
    return 'if the build fails it leaves an INVALID index of that name behind, and re-running the migration then fails here';
  return `${stmt.inTransaction ? 'its transaction commits before the rest of the file runs' : 'outside a transaction it commits on its own'}, so if a later statement fails, re-running the migration fails here`;
}

function help(stmt: Stmt, cic: boolean, missing: string, extra: string | undefined): string {
  return [
    `**Problem:** ${stmt.inTransaction ? 'this statement runs in a transaction that commits before later statements of the file' : 'this file runs outside a transaction (`-- pgshift:no-transaction` or transactionMode "none"), so each statement commits as soon as it succeeds'}. If a later statement fails, what ran before it stays applied, and running the migration again fails on the first statement that cannot run twice.`,
    '',
    `**Safe way:** make the statement idempotent with \`${missing}\`, so a re-run skips what already happened.${extra ? ' ' + extra : ''}`,
    ...(cic
      ? [
          '',
          '`CREATE INDEX CONCURRENTLY` is the prime case: if it fails (a deadlock, a unique violation, lock_timeout, a cancelled deploy) it leaves an INVALID index under that name. Without IF NOT EXISTS the re-run fails with "already exists"; with it, the re-run skips the INVALID index, so drop it first (`pgshift status` lists invalid indexes):',
          '```sql',
          'DROP INDEX CONCURRENTLY IF EXISTS index_name;',
          'CREATE INDEX CONCURRENTLY IF NOT EXISTS index_name ON table_name (...);',
          '```',
        ]
      : []),
    '',
    'IF [NOT] EXISTS checks only the name, not the definition. Files that run inside one transaction do not need this: a failure rolls the whole file back.',
  ].join('\n');
}

/** Byte range of the identifier `name` right after a match of `re` (global) in the statement text. */
function nameAfter(stmt: Stmt, re: RegExp, name: string): Range | undefined {
  for (const m of stmt.text.matchAll(re)) {
    const at = m.index + m[0].length;
    const tok = /^(?:"((?:[^"]|"")*)"|([A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*))/.exec(stmt.text.slice(at));
    if (!tok) continue;
    const value =
      tok[1] !== undefined ? tok[1].replace(/""/g, '"') : tok[2].replace(/[A-Z]/g, (c) => c.toLowerCase());
    if (value !== name || /^if$/i.test(tok[0])) continue;
    const start = stmt.range.start + Buffer.byteLength(stmt.text.slice(0, at), 'utf8');
    return { start, end: start + Buffer.byteLength(tok[0], 'utf8') };
  }
  return undefined;
}

/** True when an earlier statement of the file ran `DROP CONSTRAINT IF EXISTS name` on the table: the add is then re-runnable. */
function droppedEarlier(ctx: RuleContext, stmt: Stmt, table: string, conname: string): boolean {
  const first = droppedConstraints(ctx.statements).get(`${table}\u0000${conname}`);
  return first !== undefined && first < stmt.index;
}

// table + constraint name → index of the first `DROP CONSTRAINT IF EXISTS` of it. Computed once per file:
// a pg_dump restored without a transaction has thousands of ADD CONSTRAINTs.
const droppedConstraints = perFile((statements) => {
  const map = new Map<string, number>();
  for (const s of statements) {
    const a = as(s.node, 'AlterTableStmt');
    const table = rangeVarName(a?.relation)?.name;
    if (!a || !table) continue;
    for (const c of alterCmds(a)) {
      const key = `${table}\u0000${c.name}`;
      if (c.subtype === 'AT_DropConstraint' && c.missing_ok && c.name && !map.has(key)) map.set(key, s.index);
    }
  }
  return map;
});

function objectName(o: T.Node, onTable: boolean): string {
  const names = stringList(
    as(o, 'List')?.items ?? as(o, 'TypeName')?.names ?? as(o, 'ObjectWithArgs')?.objname ?? [o],
  );
  // DROP TRIGGER name ON table is stored as [schema, table, name]
  return onTable && names.length > 1
    ? `${names[names.length - 1]} ON ${names.slice(0, -1).join('.')}`
    : names.join('.');
}

import type * as T from '@pgsql/types';
import {
  alterCmds,
  as,
  formatName,
  qualifiedName,
  rangeVarName,
  stringList,
  type QualifiedName,
} from '../ast';
import type { Range, Rule, RuleContext, RuleMeta, Stmt } from '../types';
import { columnAddedInFile, relationCreatedInFile, sameRelation } from './_relations';
import { rangesOf } from './_util';

export const meta: RuleMeta = {
  id: 'ban-cascade',
  description:
    'DROP ... CASCADE silently drops every dependent object (views, foreign keys, columns) the migration never names',
  defaultSeverity: 'warning',
  category: 'data-loss',
  fixable: 'none',
  kinds: ['DropStmt', 'AlterTableStmt', 'DropOwnedStmt'],
};

const WORDS: Partial<Record<T.ObjectType, string>> = {
  OBJECT_TABLE: 'TABLE',
  OBJECT_VIEW: 'VIEW',
  OBJECT_MATVIEW: 'MATERIALIZED VIEW',
  OBJECT_FOREIGN_TABLE: 'FOREIGN TABLE',
  OBJECT_INDEX: 'INDEX',
  OBJECT_SEQUENCE: 'SEQUENCE',
  OBJECT_TYPE: 'TYPE',
  OBJECT_DOMAIN: 'DOMAIN',
  OBJECT_FUNCTION: 'FUNCTION',
  OBJECT_PROCEDURE: 'PROCEDURE',
  OBJECT_ROUTINE: 'ROUTINE',
  OBJECT_AGGREGATE: 'AGGREGATE',
  OBJECT_EXTENSION: 'EXTENSION',
  OBJECT_FOREIGN_SERVER: 'SERVER',
};

// Nothing depends on these, so CASCADE changes nothing; DROP SCHEMA ... CASCADE is ban-drop-schema's.
const SKIPPED = new Set<T.ObjectType>(['OBJECT_SCHEMA', 'OBJECT_TRIGGER', 'OBJECT_POLICY', 'OBJECT_RULE']);

export const check: Rule['check'] = (stmt, ctx) => {
  const drop = as(stmt.node, 'DropStmt');
  if (drop) {
    const type = drop.removeType as T.ObjectType;
    if (drop.behavior !== 'DROP_CASCADE' || SKIPPED.has(type)) return;
    const names = (drop.objects ?? []).map(objectName).filter((q): q is QualifiedName => !!q);
    const existing = names.filter((q) => !createdInFile(ctx, stmt, type, q));
    if (names.length > 0 && existing.length === 0) return;
    const word = WORDS[type] ?? type.replace(/^OBJECT_/, '').replace(/_/g, ' ');
    const shown = existing.map(formatName).join(', ') || 'the object';
    report(
      ctx,
      cascadeRanges(stmt).pop(),
      `DROP ${word} ${shown} CASCADE silently drops ${dependents(type, shown)}`,
    );
    return;
  }
  const owned = as(stmt.node, 'DropOwnedStmt');
  if (owned) {
    if (owned.behavior !== 'DROP_CASCADE') return;
    const roles = (owned.roles ?? []).map((r) => as(r, 'RoleSpec')?.rolename ?? 'CURRENT_USER').join(', ');
    report(
      ctx,
      cascadeRanges(stmt).pop(),
      `DROP OWNED BY ${roles} CASCADE drops every object ${roles} owns in this database, and silently everything that depends on them`,
    );
    return;
  }
  const alter = as(stmt.node, 'AlterTableStmt')!;
  const table = rangeVarName(alter.relation);
  const cmds = alterCmds(alter).filter((c) => c.behavior === 'DROP_CASCADE');
  if (!table || cmds.length === 0) return;
  if (alter.objtype === 'OBJECT_TABLE' && relationCreatedInFile(ctx, stmt, table)) return;
  const name = formatName(table);
  const cascades = cascadeRanges(stmt);
  let nth = 0;
  for (const cmd of cmds) {
    const range = cascades[nth++];
    if (!cmd.name) continue;
    if (cmd.subtype === 'AT_DropColumn') {
      if (alter.objtype === 'OBJECT_TABLE' && columnAddedInFile(ctx, stmt, table, cmd.name)) continue;
      const what = alter.objtype === 'OBJECT_TYPE' ? `ATTRIBUTE ${cmd.name}` : `COLUMN ${cmd.name}`;
      report(
        ctx,
        range,
        `DROP ${what} CASCADE silently drops every view that uses ${name}.${cmd.name} and every foreign key that references it`,
      );
    } else if (cmd.subtype === 'AT_DropConstraint') {
      report(
        ctx,
        range,
        `DROP CONSTRAINT ${cmd.name} CASCADE silently drops every foreign key of another table that relies on it as its unique key`,
      );
    }
  }
};

function report(ctx: RuleContext, range: Range | undefined, message: string): void {
  ctx.report({
    range,
    message,
    help: [
      '**Data loss and breakage:** CASCADE removes whatever depends on the object when the migration runs, and only a NOTICE lists it. ' +
        'That can be more than the author saw in development: views other teams built, foreign keys (the referencing tables lose their integrity check), ' +
        'and — for types, domains, functions and extensions — whole table columns with their data. Each affected table is also locked ACCESS EXCLUSIVE.',
      '',
      '**Safe way:** drop without CASCADE. RESTRICT (the default) refuses when something depends on the object and names it ' +
        '(`DETAIL: view order_totals depends on table orders`), so every dependent is dropped — or recreated — on purpose, by name. For example:',
      '```sql',
      'DROP VIEW order_totals;',
      'DROP TABLE orders;',
      '```',
    ].join('\n'),
  });
}

function dependents(type: T.ObjectType, n: string): string {
  switch (type) {
    case 'OBJECT_TABLE':
    case 'OBJECT_FOREIGN_TABLE':
      return `every view built on ${n} and every foreign key that references it from another table`;
    case 'OBJECT_VIEW':
    case 'OBJECT_MATVIEW':
      return `every view and materialized view built on ${n}`;
    case 'OBJECT_TYPE':
    case 'OBJECT_DOMAIN':
      return `every table column of type ${n}, with its data, and every function that takes or returns it`;
    case 'OBJECT_FUNCTION':
    case 'OBJECT_PROCEDURE':
    case 'OBJECT_ROUTINE':
    case 'OBJECT_AGGREGATE':
      return `every column default, generated column (with its data), constraint, index, trigger and view that calls ${n}`;
    case 'OBJECT_SEQUENCE':
      return `every column default that takes its values from ${n}`;
    case 'OBJECT_INDEX':
      return `every foreign key that relies on ${n} as its unique index`;
    case 'OBJECT_EXTENSION':
      return `every table column (with its data), index, view and function that uses a type or function of ${n}`;
    case 'OBJECT_FOREIGN_SERVER':
      return `every foreign table and user mapping of ${n}`;
    default:
      return `every object that depends on ${n}`;
  }
}

/** The name a DROP statement gives for one object: a, s.a, a(int), ... */
function objectName(obj: T.Node): QualifiedName | undefined {
  const parts =
    stringList(as(obj, 'List')?.items).length > 0
      ? stringList(as(obj, 'List')?.items)
      : as(obj, 'String')?.sval
        ? [as(obj, 'String')!.sval!]
        : stringList(as(obj, 'TypeName')?.names ?? as(obj, 'ObjectWithArgs')?.objname);
  return qualifiedName(parts);
}

/** Everything that depends on an object created earlier in the file was created in the file too. */
function createdInFile(ctx: RuleContext, stmt: Stmt, type: T.ObjectType, q: QualifiedName): boolean {
  if (type === 'OBJECT_TABLE' || type === 'OBJECT_MATVIEW' || type === 'OBJECT_VIEW')
    return relationCreatedInFile(ctx, stmt, q);
  return ctx.statements.slice(0, stmt.index).some((s) => {
    const created = createdObject(s.node);
    return !!created && created.types.includes(type) && sameRelation(created.name, q);
  });
}

function createdObject(node: T.Node): { types: T.ObjectType[]; name: QualifiedName } | undefined {
  const withName = (types: T.ObjectType[], name: QualifiedName | undefined) =>
    name ? { types, name } : undefined;
  const idx = as(node, 'IndexStmt');
  if (idx?.idxname)
    return withName(['OBJECT_INDEX'], { schema: idx.relation?.schemaname || undefined, name: idx.idxname });
  const seq = as(node, 'CreateSeqStmt');
  if (seq && !seq.if_not_exists) return withName(['OBJECT_SEQUENCE'], rangeVarName(seq.sequence));
  const en = as(node, 'CreateEnumStmt');
  if (en) return withName(['OBJECT_TYPE'], qualifiedName(stringList(en.typeName)));
  const range = as(node, 'CreateRangeStmt');
  if (range) return withName(['OBJECT_TYPE'], qualifiedName(stringList(range.typeName)));
  const comp = as(node, 'CompositeTypeStmt');
  if (comp) return withName(['OBJECT_TYPE'], rangeVarName(comp.typevar));
  const dom = as(node, 'CreateDomainStmt');
  if (dom) return withName(['OBJECT_DOMAIN'], qualifiedName(stringList(dom.domainname)));
  const fn = as(node, 'CreateFunctionStmt');
  if (fn && !fn.replace)
    return withName(
      ['OBJECT_FUNCTION', 'OBJECT_PROCEDURE', 'OBJECT_ROUTINE'],
      qualifiedName(stringList(fn.funcname)),
    );
  const ext = as(node, 'CreateExtensionStmt');
  if (ext?.extname && !ext.if_not_exists) return withName(['OBJECT_EXTENSION'], { name: ext.extname });
  return undefined;
}

/** Byte ranges of the CASCADE keywords of the statement, in order. */
function cascadeRanges(stmt: Stmt): Range[] {
  // ON DELETE CASCADE in an ADD CONSTRAINT of the same ALTER TABLE is a foreign key action, not a drop behaviour.
  return rangesOf(stmt, /(?<!\bON\s+(?:DELETE|UPDATE)\s+)\bCASCADE\b/gi);
}

/**
 * ALTER TABLE, subcommand by subcommand: the lock each form takes (the strongest wins for the
 * statement; AlterTableGetLockLevel() in PostgreSQL's tablecmds.c), whether it rewrites the table,
 * scans it or builds an index, and what it destroys. Version-aware where PostgreSQL changed: constant
 * defaults stopped rewriting in 11, SET NOT NULL can use a validated CHECK from 12, ATTACH PARTITION
 * takes a weaker lock on the parent from 12, DETACH CONCURRENTLY exists from 14; and which type
 * changes are binary-coercible (catalog only).
 */
import type * as T from '@pgsql/types';
import {
  alterCmds,
  as,
  columnConstraints,
  formatName,
  isVolatileExpr,
  rangeVarName,
  stringList,
  typeNameToString,
  type QualifiedName,
} from '../lint/ast';
import { actionOf, objectWord, sameName, type DescribeOptions, type Facts, type WorkKind } from './facts';
import { strongerLock, type LockMode } from './lock-modes';
import { lossyTypeChange, typeChange } from './type-change';

/** Records one subcommand: its lock joins the statement's, its work the statement's work. */
type Sub = (action: string, mode: LockMode, work: WorkKind, detail: string, column?: string, constraint?: string) => void; // prettier-ignore

/** The ALTER TABLE statement being described: its facts, its table, the options, and sub() to record a subcommand. */
interface Alter {
  a: Facts;
  rel: QualifiedName | undefined;
  o: DescribeOptions;
  sub: Sub;
}

export function alterTable(a: Facts, s: T.AlterTableStmt, o: DescribeOptions): void {
  const rel = rangeVarName(s.relation);
  a.table = rel;
  const objtype = s.objtype ?? 'OBJECT_TABLE';
  a.command = `ALTER ${objectWord(objtype)}`;
  a.operation = { kind: 'alter-table' };
  let mode: LockMode | undefined;
  const sub: Sub = (action, m, work, detail, column, constraint) => {
    a.subcommands.push({
      action,
      mode: m,
      work,
      detail,
      ...(column ? { column } : {}),
      ...(constraint ? { constraint } : {}),
    });
    mode = mode ? strongerLock(mode, m) : m;
    a.did(work, detail);
  };

  if (objtype === 'OBJECT_INDEX') {
    for (const cmd of alterCmds(s)) {
      alterIndexCmd(cmd, sub);
      const part = as(cmd.def, 'PartitionCmd')?.name;
      if (cmd.subtype === 'AT_AttachPartition')
        a.lock(rangeVarName(part), 'ACCESS EXCLUSIVE', 'the index partition being attached', {
          object: 'index',
          location: part?.location,
        });
    }
    if (mode)
      a.lock(rel, mode, a.subcommands.map((x) => x.detail).join('; '), {
        object: 'index',
        location: s.relation?.location,
      });
    return;
  }

  const t: Alter = { a, rel, o, sub };
  for (const cmd of alterCmds(s)) {
    if (!columnCmd(t, cmd) && !constraintCmd(t, cmd)) tableCmd(t, cmd);
  }
  if (mode && rel) {
    const why = a.subcommands.map((x) => x.detail).join('; ');
    const object = objtype === 'OBJECT_VIEW' ? 'view' : 'table';
    // the lock of the main table goes first
    a.locks.unshift({ relation: rel, mode, why, object, location: s.relation?.location });
    const dup = a.locks.findIndex(
      (l, i) => i > 0 && l.object === object && sameName(l.relation, a.locks[0].relation),
    );
    if (dup > 0) a.locks.splice(dup, 1);
  }
  if (a.work === 'rewrite') {
    a.workDetail = `rewrites ${formatName(rel)} and rebuilds its indexes: ${a.subcommands
      .filter((x) => x.work === 'rewrite')
      .map((x) => x.detail)
      .join('; ')}`;
  }
}

function alterIndexCmd(cmd: T.AlterTableCmd, sub: Sub): void {
  if (cmd.subtype === 'AT_SetTableSpace')
    sub('SET TABLESPACE', 'ACCESS EXCLUSIVE', 'rewrite', 'copies the index to the new tablespace');
  else if (cmd.subtype === 'AT_AttachPartition')
    sub('ATTACH PARTITION', 'SHARE UPDATE EXCLUSIVE', 'catalog', 'attaches an index partition');
  else if (cmd.subtype === 'AT_SetRelOptions' || cmd.subtype === 'AT_ResetRelOptions')
    sub(actionOf(cmd), relOptionsLock(cmd), 'catalog', 'changes index options');
  else sub(actionOf(cmd), 'SHARE UPDATE EXCLUSIVE', 'catalog', 'changes index options');
}

/** ADD / DROP COLUMN and ALTER COLUMN ...: records the subcommand, or returns false for any other. */
function columnCmd(t: Alter, cmd: T.AlterTableCmd): boolean {
  const { a, rel, o, sub } = t;
  const col = cmd.name ?? undefined;
  // a catalog-only change to the column, named as PostgreSQL names the subcommand
  const catalog = (detail: string, mode: LockMode = 'ACCESS EXCLUSIVE'): void =>
    sub(actionOf(cmd), mode, 'catalog', detail, col);
  switch (cmd.subtype) {
    case 'AT_AddColumn':
      addColumn(t, as(cmd.def, 'ColumnDef'), col);
      break;
    case 'AT_AlterColumnType':
      alterColumnType(t, as(cmd.def, 'ColumnDef'), col);
      break;
    case 'AT_DropColumn':
      catalog(`drops column ${col} (catalog only; space is reclaimed later)`);
      if (rel && col)
        a.destroys.push({
          kind: 'column',
          relation: rel,
          column: col,
          how: 'drop',
          cascade: cmd.behavior === 'DROP_CASCADE',
        });
      break;
    case 'AT_ColumnDefault':
      sub(
        cmd.def ? 'SET DEFAULT' : 'DROP DEFAULT',
        'ACCESS EXCLUSIVE',
        'catalog',
        `${cmd.def ? 'sets' : 'drops'} the default of ${col} (new rows only)`,
        col,
      );
      break;
    case 'AT_SetNotNull': {
      const proven = o.postgresVersion >= 12 && !!rel && !!col && (o.notNullProven?.(rel, col) ?? false);
      sub(
        'SET NOT NULL',
        'ACCESS EXCLUSIVE',
        proven ? 'catalog' : 'scan',
        proven
          ? `sets ${col} NOT NULL using the validated CHECK (${col} IS NOT NULL): no scan`
          : `scans every row to check ${col} has no NULL`,
        col,
      );
      break;
    }
    case 'AT_DropNotNull':
      catalog(`drops NOT NULL on ${col}`);
      break;
    case 'AT_SetStatistics':
    case 'AT_SetOptions':
    case 'AT_ResetOptions':
      catalog(`changes planner settings of ${col}`, 'SHARE UPDATE EXCLUSIVE');
      break;
    case 'AT_SetStorage':
    case 'AT_SetCompression':
      catalog(`changes how new values of ${col} are stored`);
      break;
    case 'AT_SetExpression':
      sub(
        'SET EXPRESSION',
        'ACCESS EXCLUSIVE',
        'rewrite',
        `recomputes generated column ${col} for every row`,
        col,
      );
      break;
    case 'AT_DropExpression':
      catalog(`turns ${col} into a plain column`);
      break;
    case 'AT_AddIdentity':
    case 'AT_SetIdentity':
    case 'AT_DropIdentity':
      catalog(`changes the identity of ${col}`);
      break;
    default:
      return false;
  }
  return true;
}

/** ADD / VALIDATE / ALTER / DROP CONSTRAINT: records the subcommand, or returns false for any other. */
function constraintCmd(t: Alter, cmd: T.AlterTableCmd): boolean {
  const { sub } = t;
  const name = cmd.name ?? undefined;
  switch (cmd.subtype) {
    case 'AT_AddConstraint':
      addConstraint(t, as(cmd.def, 'Constraint'));
      break;
    case 'AT_ValidateConstraint':
      sub(
        'VALIDATE CONSTRAINT',
        'SHARE UPDATE EXCLUSIVE',
        'scan',
        `checks every row against ${name} while reads and writes continue`,
        undefined,
        name,
      );
      break;
    case 'AT_AlterConstraint':
      sub(
        'ALTER CONSTRAINT',
        'ACCESS EXCLUSIVE',
        'catalog',
        `changes constraint ${as(cmd.def, 'ATAlterConstraint')?.conname ?? ''} attributes`,
      );
      break;
    case 'AT_DropConstraint':
      sub(
        'DROP CONSTRAINT',
        'ACCESS EXCLUSIVE',
        'catalog',
        `drops constraint ${name} (a foreign key also locks the table it references ACCESS EXCLUSIVE)`,
        undefined,
        name,
      );
      break;
    case 'AT_AddIndexConstraint':
      sub(
        'ADD CONSTRAINT USING INDEX',
        'ACCESS EXCLUSIVE',
        'catalog',
        'turns an existing index into a constraint (a primary key also checks NOT NULL)',
      );
      break;
    default:
      return false;
  }
  return true;
}

/** Subcommands on the table as a whole: storage, clustering, triggers, partitions, and the catalog-only rest. */
function tableCmd(t: Alter, cmd: T.AlterTableCmd): void {
  const { sub } = t;
  switch (cmd.subtype) {
    case 'AT_SetLogged':
    case 'AT_SetUnLogged':
      sub(actionOf(cmd), 'ACCESS EXCLUSIVE', 'rewrite', 'rewrites the table');
      break;
    case 'AT_SetTableSpace':
      sub('SET TABLESPACE', 'ACCESS EXCLUSIVE', 'rewrite', 'copies the table to the new tablespace');
      break;
    case 'AT_SetAccessMethod':
      sub('SET ACCESS METHOD', 'ACCESS EXCLUSIVE', 'rewrite', 'rewrites the table');
      break;
    case 'AT_SetRelOptions':
    case 'AT_ResetRelOptions':
    case 'AT_ReplaceRelOptions':
      sub(actionOf(cmd), relOptionsLock(cmd), 'catalog', 'changes storage parameters');
      break;
    case 'AT_ClusterOn':
    case 'AT_DropCluster':
      sub(actionOf(cmd), 'SHARE UPDATE EXCLUSIVE', 'catalog', 'marks the clustering index');
      break;
    case 'AT_EnableTrig':
    case 'AT_EnableAlwaysTrig':
    case 'AT_EnableReplicaTrig':
    case 'AT_DisableTrig':
    case 'AT_EnableTrigAll':
    case 'AT_DisableTrigAll':
    case 'AT_EnableTrigUser':
    case 'AT_DisableTrigUser':
      sub(actionOf(cmd), 'SHARE ROW EXCLUSIVE', 'catalog', 'enables or disables triggers');
      break;
    case 'AT_AttachPartition':
    case 'AT_DetachPartition':
    case 'AT_DetachPartitionFinalize':
      partitionCmd(t, cmd);
      break;
    default:
      // owner, schema, inheritance, replica identity, row security, OF type, rules: ACCESS EXCLUSIVE, catalog only
      sub(actionOf(cmd), 'ACCESS EXCLUSIVE', 'catalog', `${actionOf(cmd).toLowerCase()} (catalog only)`);
  }
}

function addColumn({ a, rel, o, sub }: Alter, def: T.ColumnDef | undefined, col: string | undefined): void {
  const c = def?.colname ?? col ?? '?';
  const cons = def ? columnConstraints(def) : [];
  const dflt = cons.find((x) => x.contype === 'CONSTR_DEFAULT')?.raw_expr;
  const generated = cons.find((x) => x.contype === 'CONSTR_GENERATED');
  const identity = cons.some((x) => x.contype === 'CONSTR_IDENTITY');
  const serial = /^(big|small)?serial[248]?$/.test(typeNameToString(def?.typeName));
  const notNull = cons.some((x) => x.contype === 'CONSTR_NOTNULL');
  const check = cons.some((x) => x.contype === 'CONSTR_CHECK');
  for (const x of cons) {
    if (x.contype === 'CONSTR_FOREIGN')
      a.lock(rangeVarName(x.pktable), 'SHARE ROW EXCLUSIVE', `${formatName(rel)}.${c} references it`, {
        location: x.pktable?.location,
      });
  }
  const virtualGen = generated?.generated_kind === 'v';
  let work: WorkKind = 'catalog';
  let detail = `adds column ${c} (catalog only)`;
  if (serial || identity) {
    work = 'rewrite';
    detail = `adds ${c} filled from a sequence: every row is rewritten`;
  } else if (generated && !virtualGen) {
    work = 'rewrite';
    detail = `adds stored generated column ${c}: every row is rewritten`;
  } else if (dflt && isVolatileExpr(dflt)) {
    work = 'rewrite';
    detail = `adds ${c} with a volatile default: every row is rewritten with its own value`;
  } else if (dflt && o.postgresVersion < 11) {
    work = 'rewrite';
    detail = `adds ${c} with a default: before PostgreSQL 11 every row is rewritten`;
  } else if (dflt) {
    detail = `adds ${c} with a constant default (PostgreSQL 11+: stored once in the catalog, no rewrite)`;
  } else if (notNull) {
    work = 'scan';
    detail = `adds ${c} NOT NULL without a default: fails unless the table is empty`;
  }
  if (check && work === 'catalog' && dflt) {
    work = 'scan';
    detail += '; its CHECK is verified on every row';
  }
  sub('ADD COLUMN', 'ACCESS EXCLUSIVE', work, detail, c);
}

function alterColumnType(
  { a, rel, o, sub }: Alter,
  def: T.ColumnDef | undefined,
  col: string | undefined,
): void {
  const to = typeNameToString(def?.typeName);
  const from = rel && col ? o.columnType?.(rel, col) : undefined;
  const using = def?.raw_default && !isPlainColumn(def.raw_default, col);
  const verdict = using ? 'rewrite' : typeChange(from, to, o.postgresVersion);
  const fromText = from ? ` from ${from}` : '';
  const detail =
    verdict === 'no-rewrite'
      ? `changes ${col}${fromText} to ${to}: binary-coercible, catalog only`
      : verdict === 'utc'
        ? `changes ${col}${fromText} to ${to}: no rewrite when the session TimeZone is UTC, else every row is rewritten; indexes on ${col} are rebuilt`
        : `changes ${col}${fromText} to ${to}: every row is rewritten and every index rebuilt${from ? '' : ' (unless the change is binary-coercible)'}`;
  sub('ALTER COLUMN TYPE', 'ACCESS EXCLUSIVE', verdict === 'no-rewrite' ? 'catalog' : 'rewrite', detail, col);
  const lossy = using ? 'maybe' : lossyTypeChange(from, to);
  if (rel && col && lossy !== 'no')
    a.destroys.push({ kind: 'column', relation: rel, column: col, how: 'type-change', to, lossy });
}

function partitionCmd({ a, o, sub }: Alter, cmd: T.AlterTableCmd): void {
  const p = as(cmd.def, 'PartitionCmd');
  const part = rangeVarName(p?.name);
  const at = { location: p?.name?.location };
  if (cmd.subtype === 'AT_AttachPartition') {
    a.lock(part, 'ACCESS EXCLUSIVE', 'the partition being attached is scanned to check its bound', at);
    sub(
      'ATTACH PARTITION',
      o.postgresVersion >= 12 ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE',
      'scan',
      `attaches ${formatName(part)}: scans it unless a CHECK constraint already proves its bound`,
    );
    return;
  }
  if (cmd.subtype === 'AT_DetachPartitionFinalize') {
    sub(
      'DETACH PARTITION FINALIZE',
      'SHARE UPDATE EXCLUSIVE',
      'catalog',
      `finishes detaching ${formatName(part)}`,
    );
    return;
  }
  const concurrent = !!p?.concurrent && o.postgresVersion >= 14;
  if (concurrent) a.concurrent = true;
  a.lock(part, concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE', 'detaches it', at);
  sub(
    concurrent ? 'DETACH PARTITION CONCURRENTLY' : 'DETACH PARTITION',
    concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE',
    'catalog',
    `detaches ${formatName(part)}`,
  );
}

// Storage parameters whose change PostgreSQL locks ACCESS EXCLUSIVE (their `lockmode` in
// reloptions.c); every other one is SHARE UPDATE EXCLUSIVE (AlterTableGetRelOptionsLockLevel()).
const ACCESS_EXCLUSIVE_OPTIONS = new Set([
  'user_catalog_table',
  'check_option',
  'security_barrier',
  'security_invoker',
  'fastupdate',
  'buffering',
]);

function relOptionsLock(cmd: T.AlterTableCmd): LockMode {
  const names = (as(cmd.def, 'List')?.items ?? []).map((d) => as(d, 'DefElem')?.defname ?? '');
  return names.some((n) => ACCESS_EXCLUSIVE_OPTIONS.has(n)) ? 'ACCESS EXCLUSIVE' : 'SHARE UPDATE EXCLUSIVE';
}

function addConstraint({ a, rel, sub }: Alter, c: T.Constraint | undefined): void {
  if (!c) return;
  const name = c.conname ? `${c.conname} ` : '';
  const notValid = !!c.skip_validation;
  switch (c.contype) {
    case 'CONSTR_FOREIGN': {
      const ref = rangeVarName(c.pktable);
      a.lock(ref, 'SHARE ROW EXCLUSIVE', `the new foreign key ${name}of ${formatName(rel)} references it`, {
        location: c.pktable?.location,
      });
      if (!notValid && ref)
        a.operation = {
          kind: 'validate-fk',
          referenced: ref,
          columns: stringList(c.fk_attrs),
          refColumns: stringList(c.pk_attrs),
        };
      sub(
        'ADD FOREIGN KEY',
        'SHARE ROW EXCLUSIVE',
        notValid ? 'catalog' : 'scan',
        notValid
          ? `adds foreign key ${name}NOT VALID: new rows are checked, existing ones are not`
          : `adds foreign key ${name}and checks every existing row against ${formatName(ref)} while writes to both wait`,
      );
      break;
    }
    case 'CONSTR_CHECK':
      sub(
        'ADD CHECK',
        'ACCESS EXCLUSIVE',
        notValid ? 'catalog' : 'scan',
        notValid
          ? `adds CHECK ${name}NOT VALID: existing rows are not checked`
          : `adds CHECK ${name}and checks every row while reads and writes wait`,
      );
      break;
    case 'CONSTR_UNIQUE':
    case 'CONSTR_PRIMARY': {
      const what = c.contype === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : 'UNIQUE';
      if (c.indexname)
        sub(
          `ADD ${what} USING INDEX`,
          'ACCESS EXCLUSIVE',
          'catalog',
          `adds ${what} ${name}on the existing index ${c.indexname}`,
        );
      else
        sub(
          `ADD ${what}`,
          'ACCESS EXCLUSIVE',
          'index-build',
          `adds ${what} ${name}and builds its index while reads and writes wait`,
        );
      break;
    }
    case 'CONSTR_EXCLUSION':
      sub(
        'ADD EXCLUDE',
        'ACCESS EXCLUSIVE',
        'index-build',
        `adds exclusion constraint ${name}and builds its index while reads and writes wait`,
      );
      break;
    case 'CONSTR_NOTNULL':
      sub(
        'ADD NOT NULL',
        'ACCESS EXCLUSIVE',
        notValid ? 'catalog' : 'scan',
        `adds NOT NULL constraint ${name}${notValid ? 'NOT VALID' : 'and scans every row'}`,
      );
      break;
    default:
      sub('ADD CONSTRAINT', 'ACCESS EXCLUSIVE', 'catalog', `adds constraint ${name}`);
  }
}

function isPlainColumn(expr: unknown, column: string | undefined): boolean {
  const ref = as(expr, 'ColumnRef');
  const fields = stringList(ref?.fields);
  return !!ref && fields.length === 1 && fields[0] === column;
}

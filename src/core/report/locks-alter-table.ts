/**
 * ALTER TABLE, subcommand by subcommand: the lock each form takes (the strongest wins for the
 * statement), and whether it rewrites the table, scans it or builds an index. Version-aware where
 * PostgreSQL changed: constant defaults stopped rewriting in 11, SET NOT NULL can use a validated
 * CHECK from 12, ATTACH PARTITION takes a weaker lock on the parent from 12, DETACH CONCURRENTLY
 * exists from 14; and which type changes are binary-coercible (catalog only).
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
import type { LockMode } from '../lint/locks';
import {
  actionOf,
  objectWord,
  sameName,
  strongerLock,
  type Analysis,
  type AnalyzeOptions,
} from './locks-analysis';
import type { WorkKind } from './model';

export function alterTable(a: Analysis, s: T.AlterTableStmt, o: AnalyzeOptions): void {
  const rel = rangeVarName(s.relation);
  a.table = rel;
  const objtype = s.objtype ?? 'OBJECT_TABLE';
  a.command = `ALTER ${objectWord(objtype)}`;
  a.operation = { kind: 'alter-table' };
  const name = formatName(rel);
  let mode: LockMode | undefined;
  const sub = (
    action: string,
    m: LockMode,
    work: WorkKind,
    detail: string,
    column?: string,
    constraint?: string,
  ): void => {
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
      if (cmd.subtype === 'AT_SetTableSpace')
        sub('SET TABLESPACE', 'ACCESS EXCLUSIVE', 'rewrite', 'copies the index to the new tablespace');
      else if (cmd.subtype === 'AT_AttachPartition')
        sub('ATTACH PARTITION', 'SHARE UPDATE EXCLUSIVE', 'catalog', 'attaches an index partition');
      else sub(actionOf(cmd), 'SHARE UPDATE EXCLUSIVE', 'catalog', 'changes index options');
    }
    if (mode) a.lock(rel, mode, a.subcommands.map((x) => x.detail).join('; '));
    return;
  }

  for (const cmd of alterCmds(s)) {
    const col = cmd.name ?? undefined;
    switch (cmd.subtype) {
      case 'AT_AddColumn': {
        const def = as(cmd.def, 'ColumnDef');
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
            a.lock(rangeVarName(x.pktable), 'SHARE ROW EXCLUSIVE', `${name}.${c} references it`);
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
        break;
      }
      case 'AT_DropColumn':
        sub(
          'DROP COLUMN',
          'ACCESS EXCLUSIVE',
          'catalog',
          `drops column ${col} (catalog only; space is reclaimed later)`,
          col,
        );
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
        sub('DROP NOT NULL', 'ACCESS EXCLUSIVE', 'catalog', `drops NOT NULL on ${col}`, col);
        break;
      case 'AT_SetStatistics':
      case 'AT_SetOptions':
      case 'AT_ResetOptions':
        sub(actionOf(cmd), 'SHARE UPDATE EXCLUSIVE', 'catalog', `changes planner settings of ${col}`, col);
        break;
      case 'AT_SetStorage':
      case 'AT_SetCompression':
        sub(actionOf(cmd), 'ACCESS EXCLUSIVE', 'catalog', `changes how new values of ${col} are stored`, col);
        break;
      case 'AT_AlterColumnType': {
        const def = as(cmd.def, 'ColumnDef');
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
        sub(
          'ALTER COLUMN TYPE',
          'ACCESS EXCLUSIVE',
          verdict === 'no-rewrite' ? 'catalog' : 'rewrite',
          detail,
          col,
        );
        break;
      }
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
        sub('DROP EXPRESSION', 'ACCESS EXCLUSIVE', 'catalog', `turns ${col} into a plain column`, col);
        break;
      case 'AT_AddIdentity':
      case 'AT_SetIdentity':
      case 'AT_DropIdentity':
        sub(actionOf(cmd), 'ACCESS EXCLUSIVE', 'catalog', `changes the identity of ${col}`, col);
        break;
      case 'AT_AddConstraint':
        addConstraint(a, rel, as(cmd.def, 'Constraint'), sub);
        break;
      case 'AT_ValidateConstraint':
        sub(
          'VALIDATE CONSTRAINT',
          'SHARE UPDATE EXCLUSIVE',
          'scan',
          `checks every row against ${col} while reads and writes continue`,
          undefined,
          col,
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
          `drops constraint ${col} (a foreign key also locks the table it references ACCESS EXCLUSIVE)`,
          undefined,
          col,
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
        sub(actionOf(cmd), 'SHARE UPDATE EXCLUSIVE', 'catalog', 'changes storage parameters');
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
      case 'AT_AttachPartition': {
        const part = rangeVarName(as(cmd.def, 'PartitionCmd')?.name);
        a.lock(part, 'ACCESS EXCLUSIVE', 'the partition being attached is scanned to check its bound');
        sub(
          'ATTACH PARTITION',
          o.postgresVersion >= 12 ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE',
          'scan',
          `attaches ${formatName(part)}: scans it unless a CHECK constraint already proves its bound`,
        );
        break;
      }
      case 'AT_DetachPartition': {
        const p = as(cmd.def, 'PartitionCmd');
        const concurrent = !!p?.concurrent && o.postgresVersion >= 14;
        if (concurrent) a.concurrent = true;
        a.lock(
          rangeVarName(p?.name),
          concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE',
          'detaches it',
        );
        sub(
          concurrent ? 'DETACH PARTITION CONCURRENTLY' : 'DETACH PARTITION',
          concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE',
          'catalog',
          `detaches ${formatName(rangeVarName(p?.name))}`,
        );
        break;
      }
      default:
        // owner, schema, inheritance, replica identity, row security, OF type, rules: ACCESS EXCLUSIVE, catalog only
        sub(actionOf(cmd), 'ACCESS EXCLUSIVE', 'catalog', `${actionOf(cmd).toLowerCase()} (catalog only)`);
    }
  }
  if (mode) {
    const why = a.subcommands.map((x) => x.detail).join('; ');
    // the lock of the main table goes first
    a.locks.unshift({ relation: rel ?? { name: '?' }, mode, why });
    const dup = a.locks.findIndex((l, i) => i > 0 && sameName(l.relation, a.locks[0].relation));
    if (dup > 0) a.locks.splice(dup, 1);
  }
  if (a.work === 'rewrite') {
    a.workDetail = `rewrites ${name} and rebuilds its indexes: ${a.subcommands
      .filter((x) => x.work === 'rewrite')
      .map((x) => x.detail)
      .join('; ')}`;
  }
}

function addConstraint(
  a: Analysis,
  rel: QualifiedName | undefined,
  c: T.Constraint | undefined,
  sub: (
    action: string,
    m: LockMode,
    work: WorkKind,
    detail: string,
    column?: string,
    constraint?: string,
  ) => void,
): void {
  if (!c) return;
  const name = c.conname ? `${c.conname} ` : '';
  const notValid = !!c.skip_validation;
  switch (c.contype) {
    case 'CONSTR_FOREIGN': {
      const ref = rangeVarName(c.pktable);
      a.lock(ref, 'SHARE ROW EXCLUSIVE', `the new foreign key ${name}of ${formatName(rel)} references it`);
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

/** Relations a query reads, each with `mode` (ACCESS SHARE by default). */
type TypeVerdict = 'no-rewrite' | 'rewrite' | 'utc';

/** Whether ALTER COLUMN TYPE from → to is binary-coercible (catalog only) in PostgreSQL. */
export function typeChange(from: string | undefined, to: string, pgVersion: number): TypeVerdict {
  if (!from) return 'rewrite';
  const f = parseType(from);
  const t = parseType(to);
  if (f.array !== t.array) return 'rewrite';
  if (f.base === t.base) {
    if (f.mods.join() === t.mods.join()) return 'no-rewrite';
    switch (f.base) {
      case 'varchar':
      case 'varbit':
        return t.mods.length === 0 || (f.mods.length > 0 && t.mods[0] >= f.mods[0])
          ? 'no-rewrite'
          : 'rewrite';
      case 'numeric':
        if (t.mods.length === 0) return 'no-rewrite';
        return f.mods.length > 0 && t.mods[0] >= f.mods[0] && (t.mods[1] ?? 0) === (f.mods[1] ?? 0)
          ? 'no-rewrite'
          : 'rewrite';
      case 'timestamp':
      case 'timestamptz':
      case 'time':
      case 'timetz':
      case 'interval':
        return t.mods.length === 0 ||
          (f.mods.length > 0 && t.mods[t.mods.length - 1] >= f.mods[f.mods.length - 1])
          ? 'no-rewrite'
          : 'rewrite';
      default:
        return 'rewrite';
    }
  }
  const pair = `${f.base}>${t.base}`;
  if (
    (f.base === 'varchar' && t.base === 'text') ||
    (f.base === 'text' && t.base === 'varchar' && t.mods.length === 0)
  )
    return 'no-rewrite';
  if (
    pair === 'cidr>inet' ||
    pair === 'xml>text' ||
    pair === 'xml>varchar' ||
    (pair === 'bit>varbit' && t.mods.length === 0)
  )
    return 'no-rewrite';
  if ((pair === 'timestamp>timestamptz' || pair === 'timestamptz>timestamp') && pgVersion >= 12) return 'utc';
  return 'rewrite';
}

const TYPE_ALIASES: Record<string, string> = {
  'character varying': 'varchar',
  character: 'char',
  bpchar: 'char',
  integer: 'int4',
  int: 'int4',
  bigint: 'int8',
  smallint: 'int2',
  real: 'float4',
  'double precision': 'float8',
  decimal: 'numeric',
  boolean: 'bool',
  'timestamp without time zone': 'timestamp',
  'timestamp with time zone': 'timestamptz',
  'time without time zone': 'time',
  'time with time zone': 'timetz',
  'bit varying': 'varbit',
};

function parseType(t: string): { base: string; mods: number[]; array: boolean } {
  let s = t
    .trim()
    .toLowerCase()
    .replace(/^pg_catalog\./, '');
  const array = /\[\]$/.test(s);
  s = s.replace(/(\[\])+$/, '');
  // 'timestamp(3) with time zone' → base 'timestamp with time zone', mods [3]
  const mods: number[] = [];
  s = s.replace(/\(([\d,\s]+)\)/, (_, m: string) => {
    mods.push(...m.split(',').map((x) => Number(x.trim())));
    return '';
  });
  s = s.replace(/\s+/g, ' ').trim();
  return { base: TYPE_ALIASES[s] ?? s, mods, array };
}

function isPlainColumn(expr: unknown, column: string | undefined): boolean {
  const ref = as(expr, 'ColumnRef');
  const fields = stringList(ref?.fields);
  return !!ref && fields.length === 1 && fields[0] === column;
}

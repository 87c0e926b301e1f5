/**
 * The vocabulary of what PostgreSQL does with one statement (describe.ts, alter-table.ts,
 * transaction.ts): the locks it takes, the work it does on its table, whether it may run inside a
 * transaction, and what it destroys. Lint, the runner, the dry run and the report all read these.
 */
import type * as T from '@pgsql/types';
import type { QualifiedName } from '../lint/ast';
import { oneLineSql } from '../text';
import { strongerLock, type LockMode } from './lock-modes';

/** The work a statement does on its table, which decides how long it takes. */
export type WorkKind = 'rewrite' | 'scan' | 'index-build' | 'dml' | 'query' | 'catalog' | 'unknown';

/**
 * What a lock is held on. 'index': `relation` names an index (its table is locked too: callers that
 * know the index's table, like the linter for an index created in the same file, map it);
 * 'indexes': every index of the table `relation` names (REINDEX TABLE).
 */
export type LockedObject = 'table' | 'view' | 'sequence' | 'index' | 'indexes';

export interface LockTaken {
  relation: QualifiedName;
  mode: LockMode;
  why: string;
  object: LockedObject;
  /** the statement drops the relation itself */
  dropped?: boolean;
  /** offset of the relation's name in the statement (for a finding's range) */
  location?: number;
  /** LOCK ... NOWAIT: fails at once instead of waiting */
  nowait?: boolean;
}

/** A lock on objects the statement cannot name (VACUUM without a table, REINDEX DATABASE, ...). */
export interface WideLock {
  label: string;
  mode: LockMode;
}

export interface SubcommandFacts {
  /** 'ADD COLUMN', 'ALTER COLUMN TYPE', ... */
  action: string;
  mode: LockMode;
  work: WorkKind;
  detail: string;
  column?: string;
  /** the constraint a subcommand names (VALIDATE / DROP CONSTRAINT) */
  constraint?: string;
}

/** What the estimator needs to know to time the statement. */
export type Operation =
  | { kind: 'create-index'; concurrent: boolean; unique: boolean }
  | { kind: 'reindex'; concurrent: boolean }
  | { kind: 'alter-table' }
  /** the table is scanned and each row looked up in `referenced` (ADD FOREIGN KEY without NOT VALID, VALIDATE of a foreign key) */
  | { kind: 'validate-fk'; referenced: QualifiedName; columns: string[]; refColumns: string[] }
  | { kind: 'dml' }
  | { kind: 'vacuum-full' }
  | { kind: 'analyze' }
  | { kind: 'query' }
  | { kind: 'catalog' };

/** Whether the statement may run inside a transaction block. */
export type TransactionRule =
  | { kind: 'plain' }
  /**
   * PostgreSQL refuses it inside a transaction block (PreventInTransactionBlock): `command` as its
   * error message spells it, `marker` finds the words to point at in the statement's text.
   */
  | { kind: 'no-transaction'; command: string; detail: string; marker: RegExp }
  /** BEGIN, COMMIT, ROLLBACK, ...: the statement manages the transaction itself */
  | { kind: 'transaction-control'; command: string };

/** Data a statement removes for good, or may. */
export type Destroyed =
  | { kind: 'table'; relation: QualifiedName; how: 'drop' | 'truncate'; cascade: boolean }
  | { kind: 'relation'; relation: QualifiedName; object: 'view' | 'materialized view' | 'sequence' }
  | { kind: 'column'; relation: QualifiedName; column: string; how: 'drop'; cascade: boolean }
  /**
   * ALTER COLUMN TYPE that can lose data: 'yes' narrows (int8 → int4, varchar(50) → varchar(10), a cast
   * that drops precision or time zone), 'maybe' when the old type is unknown or a USING expression decides
   */
  | { kind: 'column'; relation: QualifiedName; column: string; how: 'type-change'; to: string; lossy: 'yes' | 'maybe' }
  /** the rows an UPDATE or DELETE touches (`where`: it has a WHERE clause) */
  | { kind: 'rows'; relation: QualifiedName; how: 'update' | 'delete'; where: boolean }
  /** DROP SCHEMA: with CASCADE everything in it */
  | { kind: 'schema'; schema: string; cascade: boolean }; // prettier-ignore

export interface StatementFacts {
  /** 'CREATE INDEX', 'ALTER TABLE', ... */
  command: string;
  summary: string;
  /** the relation whose size decides the cost */
  table?: QualifiedName;
  /** table-level locks, strongest per relation, the statement's own table first */
  locks: LockTaken[];
  wideLocks: WideLock[];
  work: WorkKind;
  workDetail: string;
  subcommands: SubcommandFacts[];
  /** runs outside a transaction in several phases (CONCURRENTLY) */
  concurrent: boolean;
  operation: Operation;
  transaction: TransactionRule;
  destroys: Destroyed[];
}

export interface DescribeOptions {
  postgresVersion: number;
  /** the current type of a column (format_type or the linter's schema), for ALTER COLUMN TYPE */
  columnType?: (table: QualifiedName, column: string) => string | undefined;
  /** a validated CHECK (col IS NOT NULL) exists, so SET NOT NULL skips its scan (PostgreSQL 12+) */
  notNullProven?: (table: QualifiedName, column: string) => boolean;
}

const WORK_ORDER: WorkKind[] = ['catalog', 'unknown', 'query', 'dml', 'scan', 'index-build', 'rewrite'];

export function strongerWork(a: WorkKind, b: WorkKind): WorkKind {
  return WORK_ORDER.indexOf(a) >= WORK_ORDER.indexOf(b) ? a : b;
}

/** Collects the facts of one statement while its handler reads the parse tree. */
export class Facts {
  command: string;
  summary: string;
  table?: QualifiedName;
  locks: LockTaken[] = [];
  wideLocks: WideLock[] = [];
  work: WorkKind = 'catalog';
  workDetail = '';
  subcommands: SubcommandFacts[] = [];
  concurrent = false;
  operation: Operation = { kind: 'catalog' };
  destroys: Destroyed[] = [];

  constructor(
    readonly kind: string,
    readonly text: string,
  ) {
    const stripped = stripComments(text);
    this.command = commandOfStripped(stripped);
    this.summary = summaryOfStripped(stripped, 140);
  }

  /** The strongest mode per relation and object wins; `extra` says more about the object. */
  lock(
    relation: QualifiedName | undefined,
    mode: LockMode,
    why: string,
    extra: Partial<Pick<LockTaken, 'object' | 'dropped' | 'location' | 'nowait'>> = {},
  ): void {
    if (!relation) return;
    const object = extra.object ?? 'table';
    const same = this.locks.find((l) => l.object === object && sameName(l.relation, relation));
    if (same) {
      if (strongerLock(same.mode, mode) === mode && same.mode !== mode) {
        same.mode = mode;
        same.why = why;
      }
      return;
    }
    this.locks.push({ relation, mode, why, object, ...withoutUndefined(extra) });
  }

  wide(label: string, mode: LockMode): void {
    this.wideLocks.push({ label, mode });
  }

  did(work: WorkKind, detail: string): void {
    if (strongerWork(this.work, work) === work && (work !== this.work || !this.workDetail)) {
      this.work = work;
      this.workDetail = detail;
    } else if (work === this.work && detail && !this.workDetail.includes(detail)) {
      this.workDetail += `; ${detail}`;
    }
  }

  catalog(command: string, detail: string): void {
    this.command = command;
    this.did('catalog', detail);
  }

  result(transaction: TransactionRule): StatementFacts {
    return {
      command: this.command,
      summary: this.summary,
      table: this.table,
      locks: this.locks,
      wideLocks: this.wideLocks,
      work: this.work,
      workDetail: this.workDetail || 'changes the catalog only',
      subcommands: this.subcommands,
      concurrent: this.concurrent,
      operation: this.operation,
      transaction,
      destroys: this.destroys,
    };
  }
}

function withoutUndefined<O extends object>(o: O): Partial<O> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<O>;
}

export function actionOf(cmd: T.AlterTableCmd): string {
  return (cmd.subtype ?? 'AT_?')
    .replace(/^AT_/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
}

export function objectWord(t: string | undefined): string {
  return (t ?? 'OBJECT_TABLE')
    .replace(/^OBJECT_/, '')
    .replace(/_/g, ' ')
    .replace('MATVIEW', 'MATERIALIZED VIEW')
    .replace('TABCONSTRAINT', 'CONSTRAINT');
}

export function sameName(a: QualifiedName, b: QualifiedName): boolean {
  return a.name === b.name && (a.schema ?? 'public') === (b.schema ?? 'public');
}

/** 'CREATE INDEX', 'ALTER TABLE', ... from the statement's first words. */
export function commandOf(text: string): string {
  return commandOfStripped(stripComments(text));
}

// Describing a statement reads only its first words and 140 characters, so neither splits nor collapses
// the whole text (a function body of many kB): the linter describes every statement it lints.
function commandOfStripped(stripped: string): string {
  const words: string[] = [];
  const word = /\S+/g;
  for (let m = word.exec(stripped); m && words.length < 3; m = word.exec(stripped))
    words.push(m[0].toUpperCase().replace(/[^A-Z]/g, ''));
  if (!words.length) return '?';
  if (['CREATE', 'ALTER', 'DROP'].includes(words[0])) {
    const skip = ['OR', 'REPLACE', 'UNIQUE', 'TEMP', 'TEMPORARY', 'UNLOGGED'];
    const rest = words.slice(1).filter((w) => !skip.includes(w));
    return `${words[0]} ${rest[0] ?? ''}`.trim();
  }
  return words[0];
}

/** The statement on one line, cut at `max` characters: oneLineSql(stripComments(text), max). */
export function statementSummary(text: string, max: number): string {
  return summaryOfStripped(stripComments(text), max);
}

// Collapsing a prefix gives a prefix of the collapsed whole (its last character may be a space that
// trim would drop at the very end), so once a prefix collapses to more than max + 1 characters, its first
// max - 1 are the summary's. stripComments leaves no `--` for oneLineSql to remove.
function summaryOfStripped(stripped: string, max: number): string {
  for (let k = 4 * max; k < stripped.length; k *= 4) {
    const s = stripped.slice(0, k).replace(/\s+/g, ' ').trimStart();
    if (s.length > max + 1) return s.slice(0, max - 1) + '…';
  }
  return oneLineSql(stripped, max);
}

function stripComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ');
}

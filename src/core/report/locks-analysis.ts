/**
 * The vocabulary of the lock analysis (locks-by-statement.ts, locks-alter-table.ts): what a statement
 * takes and does, and the small helpers both files share.
 */
import type * as T from '@pgsql/types';
import type { QualifiedName } from '../lint/ast';
import { blocksReads, blocksWrites, LOCK_MODES, type LockMode } from '../lint/locks';
import type { Blocks, WorkKind } from './model';

export interface LockTaken {
  relation: QualifiedName;
  mode: LockMode;
  why: string;
}

export interface SubcommandAnalysis {
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

export interface StatementAnalysis {
  /** 'CREATE INDEX', 'ALTER TABLE', ... */
  command: string;
  summary: string;
  /** the relation whose size decides the cost */
  table?: QualifiedName;
  locks: LockTaken[];
  work: WorkKind;
  workDetail: string;
  subcommands: SubcommandAnalysis[];
  /** runs outside a transaction in several phases (CONCURRENTLY) */
  concurrent: boolean;
  operation: Operation;
}

export interface AnalyzeOptions {
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

export function strongerLock(a: LockMode, b: LockMode): LockMode {
  return LOCK_MODES.indexOf(a) >= LOCK_MODES.indexOf(b) ? a : b;
}

export function blocksOf(mode: LockMode): Blocks {
  if (blocksReads(mode)) return 'reads-writes';
  if (blocksWrites(mode)) return 'writes';
  if (mode === 'SHARE UPDATE EXCLUSIVE') return 'schema-changes';
  return 'nothing';
}

export function describeBlocks(b: Blocks): string {
  switch (b) {
    case 'reads-writes':
      return 'blocks reads and writes';
    case 'writes':
      return 'blocks writes; reads continue';
    case 'schema-changes':
      return 'blocks schema changes, VACUUM and ANALYZE; reads and writes continue';
    case 'nothing':
      return 'blocks no reads or writes';
  }
}

/** Analyses one parsed statement ({ Kind: body }). Unknown statements take no table lock. */
export class Analysis {
  command: string;
  summary: string;
  table?: QualifiedName;
  locks: LockTaken[] = [];
  work: WorkKind = 'catalog';
  workDetail = '';
  subcommands: SubcommandAnalysis[] = [];
  concurrent = false;
  operation: Operation = { kind: 'catalog' };

  constructor(
    readonly kind: string,
    readonly text: string,
  ) {
    this.command = commandOf(text);
    this.summary = oneLine(text);
  }

  lock(relation: QualifiedName | undefined, mode: LockMode, why: string): void {
    if (!relation) return;
    const same = this.locks.find((l) => sameName(l.relation, relation));
    if (same) {
      if (strongerLock(same.mode, mode) === mode && same.mode !== mode) {
        same.mode = mode;
        same.why = why;
      }
      return;
    }
    this.locks.push({ relation, mode, why });
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

  result(): StatementAnalysis {
    return {
      command: this.command,
      summary: this.summary,
      table: this.table,
      locks: this.locks,
      work: this.work,
      workDetail: this.workDetail || 'changes the catalog only',
      subcommands: this.subcommands,
      concurrent: this.concurrent,
      operation: this.operation,
    };
  }
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

export function qualified(parts: string[]): QualifiedName | undefined {
  if (!parts.length) return undefined;
  const name = parts[parts.length - 1];
  const schema = parts.length > 1 ? parts[parts.length - 2] : undefined;
  return { schema, name };
}

export function sameName(a: QualifiedName, b: QualifiedName): boolean {
  return a.name === b.name && (a.schema ?? 'public') === (b.schema ?? 'public');
}

/** 'CREATE INDEX', 'ALTER TABLE', ... from the statement's first words. */
export function commandOf(text: string): string {
  const words = stripComments(text)
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 3)
    .map((w) => w.toUpperCase().replace(/[^A-Z]/g, ''));
  if (!words.length) return '?';
  if (['CREATE', 'ALTER', 'DROP'].includes(words[0])) {
    const skip = ['OR', 'REPLACE', 'UNIQUE', 'TEMP', 'TEMPORARY', 'UNLOGGED'];
    const rest = words.slice(1).filter((w) => !skip.includes(w));
    return `${words[0]} ${rest[0] ?? ''}`.trim();
  }
  return words[0];
}

export function oneLine(sql: string, max = 140): string {
  const s = stripComments(sql).replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function stripComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ');
}

/**
 * `-- pgshift:` directives and the transaction markers of other tools, read from comments. The runner
 * and the linter both call this, so they never disagree about whether a file runs in a transaction.
 */
import { parseDurationMs } from '../duration';
import { isFormattedSql, parseFormattedSql } from './liquibase';
import type { Comment } from './splitter';

export interface Section {
  /** 'up' / 'down' for dbmate-style single files; 'whole' otherwise */
  kind: 'whole' | 'up' | 'down';
  /** byte range of the section (from its marker to the next marker or the end) */
  start: number;
  end: number;
  /** the section (or whole file) must run outside a transaction */
  noTransaction: boolean;
  /**
   * the tool wraps the section in a transaction unless it says otherwise, whatever it holds (a
   * Liquibase changeset): a section of nothing but CREATE INDEX CONCURRENTLY is not run outside one
   */
  alwaysWrapped?: boolean;
  /** a Liquibase changeset's header line ends here: runInTransaction:false goes there */
  headerEnd?: number;
}

const NO_TX = /^\s*pgshift:no-transaction\s*$/i;
const DBMATE = /^\s*migrate:(up|down)\b(.*)$/i;
/** goose: `-- +goose Up` / `-- +goose Down`, and `-- +goose NO TRANSACTION` for the whole file */
const GOOSE = /^\s*\+goose\s+(Up|Down)\s*$/i;
const GOOSE_NO_TX = /^\s*\+goose\s+NO\s+TRANSACTION\s*$/i;
/** node-pg-migrate SQL migrations: `-- Up Migration` / `-- Down Migration` */
const PG_MIGRATE = /^[\s-]*(Up|Down)\s+Migration\s*$/i;

function hasNoTransactionDirective(comments: readonly Comment[]): boolean {
  return comments.some((c) => c.kind === 'line' && (NO_TX.test(c.body) || GOOSE_NO_TX.test(c.body)));
}

/** The section marker a comment is, if any: dbmate's, goose's or node-pg-migrate's. */
function sectionMarker(body: string): { kind: 'up' | 'down'; noTransaction: boolean } | undefined {
  const m = DBMATE.exec(body) ?? GOOSE.exec(body) ?? PG_MIGRATE.exec(body);
  if (!m) return undefined;
  return {
    kind: m[1].toLowerCase() as 'up' | 'down',
    noTransaction: /\btransaction\s*:\s*false\b/i.test(m[2] ?? ''),
  };
}

/**
 * A file (or section) runs statement by statement outside a transaction when it says so, or when it
 * holds a `-- pgshift:batch`: each batch must commit on its own.
 */
export function runsOutsideTransaction(comments: readonly Comment[], start = 0, end = Infinity): boolean {
  return comments.some(
    (c) =>
      c.kind === 'line' && c.start >= start && c.start < end && (NO_TX.test(c.body) || BATCH.test(c.body)),
  );
}

/**
 * Splits a file into up / down sections by dbmate's `-- migrate:up` / `-- migrate:down`, goose's
 * `-- +goose Up` / `-- +goose Down` or node-pg-migrate's `-- Up Migration` / `-- Down Migration`,
 * or one 'whole' section. goose's `-- +goose NO TRANSACTION` anywhere is pgshift's no-transaction.
 * Given the file's bytes, a Liquibase formatted SQL file is one section per changeset.
 */
export function sections(comments: readonly Comment[], length: number, bytes?: Buffer): Section[] {
  if (bytes && isFormattedSql(bytes)) return changeSetSections(comments, bytes);
  const fileNoTx = hasNoTransactionDirective(comments);
  const markers = comments
    .filter((c) => c.kind === 'line')
    .map((c) => ({ c, m: sectionMarker(c.body) }))
    .filter((x): x is { c: Comment; m: NonNullable<ReturnType<typeof sectionMarker>> } => x.m !== undefined);
  if (markers.length === 0)
    return [
      {
        kind: 'whole',
        start: 0,
        end: length,
        noTransaction: runsOutsideTransaction(comments) || fileNoTx,
      },
    ];
  return markers.map(({ c, m }, i) => {
    const end = i + 1 < markers.length ? markers[i + 1].c.start : length;
    return {
      kind: m.kind,
      start: c.start,
      end,
      noTransaction: fileNoTx || m.noTransaction || runsOutsideTransaction(comments, c.start, end),
    };
  });
}

/**
 * Liquibase formatted SQL: each changeset is an up section, outside a transaction when its header says
 * runInTransaction:false (or a pgshift directive in it does).
 */
function changeSetSections(comments: readonly Comment[], bytes: Buffer): Section[] {
  return parseFormattedSql(bytes).changeSets.map((cs) => ({
    kind: 'up' as const,
    start: cs.start,
    end: cs.end,
    noTransaction: !cs.attributes.runInTransaction || runsOutsideTransaction(comments, cs.start, cs.end),
    alwaysWrapped: true,
    headerEnd: cs.headerEnd,
  }));
}

/**
 * `-- pgshift:batch [size=N|auto] [key=col] [delay=10ms] [target=200ms]` before one UPDATE, DELETE or
 * INSERT … SELECT: the runner runs it in keyset batches of the key, each in its own transaction.
 */
export interface BatchOptions {
  /** rows per batch, or 'auto': sized to `targetMs` from the measured times */
  size: number | 'auto';
  /** the key column; default: the single-column primary key, else a unique NOT NULL column */
  key?: string;
  /** pause between batches */
  delayMs: number;
  /** with size=auto: the duration one batch should take */
  targetMs: number;
}

export interface BatchDirective {
  /** byte range of the comment */
  start: number;
  end: number;
  options?: BatchOptions;
  /** what is wrong with the directive's words (the linter reports it; the runner refuses) */
  error?: string;
}

/** `-- pgshift:check-before <SQL returning one boolean>` / `-- pgshift:check-after <SQL>`. */
export interface CheckDirective {
  when: 'before' | 'after';
  sql: string;
  start: number;
  end: number;
}

export const BATCH_DEFAULTS: Readonly<BatchOptions> = { size: 'auto', delayMs: 0, targetMs: 200 };

const BATCH = /^\s*pgshift:batch\b(.*)$/i;
const CHECK = /^\s*pgshift:check-(before|after)\b\s*(.*?)\s*$/i;
const DATA_DIRECTIVE = /pgshift:(batch|check-)/i;

/** The batch and check directives of a script; cheap when it has none. */
export function dataDirectives(comments: readonly Comment[]): {
  batches: BatchDirective[];
  checks: CheckDirective[];
} {
  const batches: BatchDirective[] = [];
  const checks: CheckDirective[] = [];
  for (const c of comments) {
    if (c.kind !== 'line' || !DATA_DIRECTIVE.test(c.body)) continue;
    const b = BATCH.exec(c.body);
    if (b) {
      batches.push({ start: c.start, end: c.end, ...parseBatchOptions(b[1]) });
      continue;
    }
    const k = CHECK.exec(c.body);
    if (k)
      checks.push({ when: k[1].toLowerCase() as 'before' | 'after', sql: k[2], start: c.start, end: c.end });
  }
  return { batches, checks };
}

/** Options from `size=5000 key=id delay=10ms target=200ms`; unknown words and bad values are errors. */
export function parseBatchOptions(words: string): { options?: BatchOptions; error?: string } {
  const o: BatchOptions = { ...BATCH_DEFAULTS };
  for (const word of words.trim().split(/\s+/).filter(Boolean)) {
    const m = /^([a-z]+)=(\S+)$/i.exec(word);
    const name = m?.[1].toLowerCase();
    const value = m?.[2] ?? '';
    if (name === 'size') {
      if (/^auto$/i.test(value)) o.size = 'auto';
      else if (/^\d+$/.test(value) && Number(value) >= 1) o.size = Number(value);
      else return { error: `size=${value}: write a row count (size=5000) or size=auto` };
    } else if (name === 'key') {
      if (!/^[A-Za-z_][A-Za-z0-9_$]*$|^"[^"]+"$/.test(value))
        return { error: `key=${value}: write one column name (key=id)` };
      o.key = value.startsWith('"') ? value.slice(1, -1) : value.toLowerCase();
    } else if (name === 'delay' || name === 'target') {
      const ms = /^\d/.test(value) ? parseDurationMs(value) : undefined;
      if (ms === undefined) return { error: `${name}=${value}: write a duration (10ms, 1s)` };
      if (name === 'delay') o.delayMs = ms;
      else if (ms < 1) return { error: `target=${value}: must be at least 1ms` };
      else o.targetMs = ms;
    } else {
      return { error: `unknown option "${word}": pgshift:batch takes size=, key=, delay= and target=` };
    }
  }
  return { options: o };
}

/** The index of the statement a directive ending at `end` stands before (the first starting after it). */
export function statementAfter(end: number, statementStarts: readonly number[]): number | undefined {
  const i = statementStarts.findIndex((s) => s >= end);
  return i < 0 ? undefined : i;
}

/**
 * `-- pgshift:phase expand|backfill|validate|contract group=<name>`: the migration is one phase of an
 * expand/contract change (pgshift expand writes them). status groups them; up holds a contract back
 * until its expand has soaked (zeroDowntime.minSoak).
 */
export const PHASES = ['expand', 'backfill', 'validate', 'contract'] as const;
export type Phase = (typeof PHASES)[number];

export interface PhaseDirective {
  start: number;
  end: number;
  phase?: Phase;
  group?: string;
  /** what is wrong with the directive's words (the linter reports it; status ignores the directive) */
  error?: string;
}

const PHASE = /^\s*pgshift:phase\b(.*)$/i;

/** The phase directives of a script (normally one); cheap when it has none. */
export function phaseDirectives(comments: readonly Comment[]): PhaseDirective[] {
  const out: PhaseDirective[] = [];
  for (const c of comments) {
    if (c.kind !== 'line') continue;
    const m = PHASE.exec(c.body);
    if (m) out.push({ start: c.start, end: c.end, ...parsePhaseWords(m[1]) });
  }
  return out;
}

/** `expand group=rename_users_email` → { phase, group }, or an error saying what to write. */
export function parsePhaseWords(words: string): { phase?: Phase; group?: string; error?: string } {
  const usage = 'write -- pgshift:phase expand|backfill|validate|contract group=<name>';
  const parts = words.trim().split(/\s+/).filter(Boolean);
  let phase: Phase | undefined;
  let group: string | undefined;
  for (const w of parts) {
    const g = /^group=(.*)$/i.exec(w);
    if (g) {
      if (!/^[A-Za-z0-9_.-]+$/.test(g[1]))
        return { error: `group=${g[1]}: a group name is letters, digits, _ . or - (${usage})` };
      if (group !== undefined) return { error: `group= given twice (${usage})` };
      group = g[1];
    } else if ((PHASES as readonly string[]).includes(w.toLowerCase())) {
      if (phase !== undefined)
        return { error: `two phases, ${phase} and ${w.toLowerCase()}: keep one (${usage})` };
      phase = w.toLowerCase() as Phase;
    } else return { error: `unknown word "${w}": ${usage}` };
  }
  if (!phase) return { error: `no phase: ${usage}` };
  if (!group) return { error: `no group=: ${usage}` };
  return { phase, group };
}

/**
 * `-- pgshift:` directives and the transaction markers of other tools, read from comments. The runner
 * and the linter both call this, so they never disagree about whether a file runs in a transaction.
 */
import type { Comment } from './splitter';

export interface Section {
  /** 'up' / 'down' for dbmate-style single files; 'whole' otherwise */
  kind: 'whole' | 'up' | 'down';
  /** byte range of the section (from its marker to the next marker or the end) */
  start: number;
  end: number;
  /** the section (or whole file) must run outside a transaction */
  noTransaction: boolean;
}

const NO_TX = /^\s*pgshift:no-transaction\s*$/i;
const DBMATE = /^\s*migrate:(up|down)\b(.*)$/i;

export function hasNoTransactionDirective(comments: readonly Comment[]): boolean {
  return comments.some((c) => c.kind === 'line' && NO_TX.test(c.body));
}

/** Splits a file into dbmate `-- migrate:up` / `-- migrate:down` sections, or one 'whole' section. */
export function sections(comments: readonly Comment[], length: number): Section[] {
  const fileNoTx = hasNoTransactionDirective(comments);
  const markers = comments
    .filter((c) => c.kind === 'line')
    .map((c) => ({ c, m: DBMATE.exec(c.body) }))
    .filter((x): x is { c: Comment; m: RegExpExecArray } => x.m !== null);
  if (markers.length === 0) return [{ kind: 'whole', start: 0, end: length, noTransaction: fileNoTx }];
  return markers.map(({ c, m }, i) => ({
    kind: m[1].toLowerCase() as 'up' | 'down',
    start: c.start,
    end: i + 1 < markers.length ? markers[i + 1].c.start : length,
    noTransaction: fileNoTx || /\btransaction\s*:\s*false\b/i.test(m[2]),
  }));
}

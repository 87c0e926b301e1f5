/** Fix builders shared by rules. Byte offsets, like every range in core. */
import type { Fix, RuleContext, Stmt } from '../types';

/** Byte offset in the file of the end of the first regex match in the statement text, or undefined. */
export function offsetAfter(stmt: Stmt, re: RegExp): number | undefined {
  const m = re.exec(stmt.text);
  if (!m) return undefined;
  return stmt.range.start + Buffer.byteLength(stmt.text.slice(0, m.index + m[0].length), 'utf8');
}

/** Byte range in the file of the first regex match in the statement text. */
export function rangeOf(stmt: Stmt, re: RegExp): { start: number; end: number } | undefined {
  const m = re.exec(stmt.text);
  if (!m) return undefined;
  const start = stmt.range.start + Buffer.byteLength(stmt.text.slice(0, m.index), 'utf8');
  return { start, end: start + Buffer.byteLength(m[0], 'utf8') };
}

export const NO_TX_DIRECTIVE = '-- pgshift:no-transaction\n';

/** Edits that make the file run outside a transaction, unless it already does. */
export function noTransactionEdits(ctx: RuleContext): Fix['edits'] {
  if (ctx.noTransactionDirective) return [];
  return [{ range: { start: 0, end: 0 }, newText: NO_TX_DIRECTIVE }];
}

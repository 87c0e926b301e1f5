import { quoteIdent } from '../settings';
import type { ForeignTable } from './types';

/** "schema"."table" of a tracking table. */
export function qualified(t: Pick<ForeignTable, 'schema' | 'table'>): string {
  return `${quoteIdent(t.schema)}.${quoteIdent(t.table)}`;
}

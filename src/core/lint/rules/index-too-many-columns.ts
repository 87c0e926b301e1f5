import type * as T from '@pgsql/types';
import { as, formatName, rangeVarName } from '../ast';
import type { Range, Rule, RuleMeta, Stmt } from '../types';
import { quoteIdent } from './_relations';
import { locatedInFile } from './_util';
import { parenList } from './_paren-list';

export const meta: RuleMeta = {
  id: 'index-too-many-columns',
  description:
    'A non-unique btree index with more than 3 key columns is rarely worth its size, write cost and build time',
  defaultSeverity: 'hint',
  category: 'locking',
  fixable: 'none',
  kinds: ['IndexStmt'],
};

const MAX_KEYS = 3;

export const check: Rule['check'] = (stmt, ctx) => {
  const idx = as(stmt.node, 'IndexStmt')!;
  const keys = (idx.indexParams ?? []).map((p) => as(p, 'IndexElem')).filter((e): e is T.IndexElem => !!e);
  // UNIQUE needs every column to say what is unique; other access methods do not search by a key prefix
  if (idx.unique || (idx.accessMethod ?? 'btree') !== 'btree' || keys.length <= MAX_KEYS) return;
  // DESC or NULLS FIRST/LAST: the index is shaped for an ORDER BY (keyset pagination), where every column counts
  if (
    keys.some(
      (k) =>
        (k.ordering ?? 'SORTBY_DEFAULT') !== 'SORTBY_DEFAULT' ||
        (k.nulls_ordering ?? 'SORTBY_NULLS_DEFAULT') !== 'SORTBY_NULLS_DEFAULT',
    )
  )
    return;
  const table = formatName(rangeVarName(idx.relation));
  const found = keyList(stmt, idx.relation?.location);
  // the text scan must agree with the parse tree, or its spans and texts mean nothing
  const list = found?.texts.length === keys.length ? found : undefined;
  const texts = keys.map((k, i) => list?.texts[i] ?? k.name ?? '(expression)');
  const index = idx.idxname ? `index ${quoteIdent(idx.idxname)}` : 'the index';
  const extra = keys.slice(MAX_KEYS);
  // INCLUDE takes plain columns only: no expression, operator class or collation
  const includable =
    extra.every((k) => !!k.name && !k.opclass?.length && !k.collation?.length) &&
    !(idx.indexIncludingParams ?? []).length;
  const rewritten =
    includable && list && ctx.postgresVersion >= 11
      ? replaceList(
          stmt,
          list,
          `(${texts.slice(0, MAX_KEYS).join(', ')}) INCLUDE (${texts.slice(MAX_KEYS).join(', ')})`,
        )
      : undefined;
  ctx.report({
    range: list?.surplus ?? ctx.rangeAt(stmt, idx.relation?.location),
    message: `${index} on ${table} has ${keys.length} key columns (${texts.join(', ')}): a non-unique btree index rarely gains from more than ${MAX_KEYS}, yet every write to ${table} maintains all of them and the build takes longer`,
    help: [
      `**Why:** a btree index is searched by its leading columns. Past the first two or three, each column narrows the search little — queries that filter on a prefix already find few rows — while the index grows: more disk and cache, slower INSERT and UPDATE on \`${table}\`, and a longer build (a longer SHARE lock without CONCURRENTLY, a longer wait with it).`,
      '',
      `**Better:** lead with the most selective columns and keep ${MAX_KEYS} or fewer. ${
        ctx.postgresVersion >= 11
          ? 'Columns that are there only so queries can read them from the index (index-only scans) belong in INCLUDE (PostgreSQL 11+): they are stored but are not part of the search key.'
          : 'From PostgreSQL 11, columns needed only for index-only scans can go in INCLUDE instead of the key.'
      }`,
      ...(rewritten ? ['```sql', `${rewritten};`, '```'] : []),
      'Check with `EXPLAIN` which columns the queries really filter and sort on; two narrower indexes often serve better than one wide one.',
    ].join('\n'),
  });
};

interface KeyList {
  /** char offsets in stmt.text of the parentheses */
  open: number;
  close: number;
  /** each key column as written */
  texts: string[];
  /** byte range in the file of the key columns past the limit */
  surplus?: Range;
}

/** The key column list `( ... )` after the table name, split at its top-level commas. */
function keyList(stmt: Stmt, relationLocation: number | undefined): KeyList | undefined {
  if (!locatedInFile(stmt) || relationLocation === undefined || relationLocation < 0) return undefined;
  const text = stmt.text;
  const from = Buffer.from(text, 'utf8').subarray(0, relationLocation).toString('utf8').length;
  const list = parenList(text, from);
  if (!list || list.items.length <= MAX_KEYS) return undefined;
  const byte = (i: number): number => stmt.range.start + Buffer.byteLength(text.slice(0, i), 'utf8');
  const first = list.items[MAX_KEYS];
  const last = list.items[list.items.length - 1];
  return {
    open: list.open,
    close: list.close,
    texts: list.items.map((it) => text.slice(it.start, it.end)),
    surplus: { start: byte(first.start), end: byte(last.end) },
  };
}

function replaceList(stmt: Stmt, list: KeyList, replacement: string): string {
  return (stmt.text.slice(0, list.open) + replacement + stmt.text.slice(list.close + 1)).trim();
}

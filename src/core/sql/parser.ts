/**
 * The adapter around libpg-query (PostgreSQL's own parser compiled to WebAssembly). It is loaded on
 * first use only: `require` starts the WASM instantiation, which must never happen during extension
 * activation. Locations in the returned trees are UTF-8 byte offsets into the text that was parsed.
 */
import type { Node, ParseResult } from '@pgsql/types';

type LibPgQuery = typeof import('libpg-query');

export interface ParsedStatement {
  node: Node;
  /** byte offset of the statement in the parsed text */
  location: number;
  /** byte length, or undefined for "to the end of the text" */
  length?: number;
}

export type ParseOutcome =
  | { ok: true; statements: ParsedStatement[] }
  | {
      ok: false;
      message: string;
      /** 0-based character (not byte) offset of the error in the parsed text, when known */
      cursor?: number;
    };

export interface SqlParser {
  parse(sql: string): ParseOutcome;
  /** PL/pgSQL of a DO block or function; returns the raw JSON tree or an error. */
  parsePlpgsql(sql: string): { ok: true; tree: unknown } | { ok: false; message: string };
  /** PostgreSQL's own lexer: the tokens of `sql` with their byte ranges (keywords upper-cased in `word`). */
  scan(sql: string): SqlToken[];
  /** The PostgreSQL major version whose grammar this parser implements. */
  readonly grammarVersion: number;
}

export interface SqlToken {
  /** byte offsets in the UTF-8 text */
  start: number;
  end: number;
  /** the token's text; for a keyword, upper-cased */
  word: string;
  keyword: boolean;
}

let loaded: SqlParser | undefined;
let loading: Promise<SqlParser> | undefined;

export function parserLoaded(): boolean {
  return loaded !== undefined;
}

export function loadParser(): Promise<SqlParser> {
  if (loaded) return Promise.resolve(loaded);
  if (!loading) {
    loading = (async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose, see file comment
      const lib: LibPgQuery = require('libpg-query');
      await lib.loadModule();
      loaded = makeParser(lib);
      return loaded;
    })();
    loading.catch(() => (loading = undefined));
  }
  return loading;
}

const COMMENT_TOKENS = new Set(['SQL_COMMENT', 'C_COMMENT']);

// The editor re-lints the whole file on each keystroke; all statements but the edited one are unchanged,
// so their parse trees come from this cache. Trees are shared: nothing may mutate them.
const CACHE_LIMIT = 20_000;

function makeParser(lib: LibPgQuery): SqlParser {
  const cache = new Map<string, ParseOutcome>();
  return {
    grammarVersion: 18,
    parse(sql: string): ParseOutcome {
      const hit = cache.get(sql);
      if (hit) return hit;
      const out = parseUncached(sql);
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(sql, out);
      return out;
    },
    scan(sql: string): SqlToken[] {
      const tokens = lib.scanSync(sql).tokens.filter((t) => !COMMENT_TOKENS.has(t.tokenName));
      return tokens.map((t) => ({
        start: t.start,
        end: t.end,
        keyword: t.keywordKind > 0,
        word: t.keywordKind > 0 ? t.text.toUpperCase() : t.text,
      }));
    },
    parsePlpgsql(sql: string) {
      try {
        return { ok: true, tree: lib.parsePlPgSQLSync(sql) };
      } catch (e) {
        return { ok: false, message: (e as Error).message ?? String(e) };
      }
    },
  };

  function parseUncached(sql: string): ParseOutcome {
    let result: ParseResult;
    try {
      result = lib.parseSync(sql);
    } catch (e) {
      const err = e as { message?: string; sqlDetails?: { message?: string; cursorPosition?: number } };
      return {
        ok: false,
        message: err.sqlDetails?.message ?? err.message ?? String(e),
        cursor: err.sqlDetails?.cursorPosition,
      };
    }
    const statements: ParsedStatement[] = (result.stmts ?? []).map((s) => ({
      node: s.stmt as Node,
      location: s.stmt_location ?? 0,
      length: s.stmt_len || undefined,
    }));
    return { ok: true, statements };
  }
}

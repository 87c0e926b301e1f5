/**
 * Lints the SQL strings of a code migration in place: each literal is linted as a migration (the ones
 * in a down body as its down, against the schema the up strings left), and every finding's range is
 * mapped back through the literal's escapes to the exact characters of the .py/.rb/.js/.ts/.cs file.
 * Fixes and suggestions are dropped: their text would have to be re-escaped for the host language.
 */
import { extname } from 'node:path';
import { lintWith, type LintResult } from '../lint/engine';
import type { SchemaModel } from '../lint/schema';
import type { Finding, LintOptions, Range, Stmt } from '../lint/types';
import type { SqlParser } from '../sql/parser';
import { SourceText } from '../sql/source';
import { extractSql, type EmbeddedSql, type SkippedSql } from './embedded';
import type { CodeLanguage } from './framework';

export interface CodeLintResult extends LintResult {
  language: CodeLanguage;
  /** how many SQL literals were linted */
  linted: number;
  /** literals not linted (interpolated), with their code ranges as byte offsets */
  skipped: (Omit<SkippedSql, 'start' | 'end'> & { range: Range })[];
}

const EXTENSIONS: Record<string, CodeLanguage> = {
  '.py': 'python',
  '.rb': 'ruby',
  '.js': 'javascript',
  '.cjs': 'javascript',
  '.mjs': 'javascript',
  '.ts': 'javascript',
  '.cts': 'javascript',
  '.mts': 'javascript',
  '.cs': 'csharp',
};

export function codeLanguageOf(file: string): CodeLanguage | undefined {
  if (file.endsWith('.d.ts')) return undefined;
  return EXTENSIONS[extname(file).toLowerCase()];
}

/**
 * Bind placeholders, where the call passes values, as same-length SQL the parser accepts: Knex and
 * Sequelize `?` → `1` (`??`, an identifier, → `xx`), Python DB-API `%s` → `$1`. Quoted SQL strings and
 * comments are left alone. Same length keeps every offset.
 */
export function neutralisePlaceholders(sql: string, lang: CodeLanguage): string {
  let out = '';
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      const close = sql.indexOf(c, i + 1);
      const end = close < 0 ? sql.length : close + 1;
      out += sql.slice(i, end);
      i = end - 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      const end = nl < 0 ? sql.length : nl;
      out += sql.slice(i, end);
      i = end - 1;
    } else if (lang === 'javascript' && c === '?') {
      if (sql[i + 1] === '?') {
        out += 'xx';
        i++;
      } else out += '1';
    } else if (lang === 'python' && c === '%' && sql[i + 1] === 's') {
      out += '$1';
      i++;
    } else out += c;
  }
  return out;
}

export function lintCode(
  parser: SqlParser,
  text: string,
  language: CodeLanguage,
  options: LintOptions = {},
): CodeLintResult {
  const source = new SourceText(text);
  const { sql, skipped } = extractSql(text, language);
  const findings: Finding[] = [];
  const statements: Stmt[] = [];
  let schema: SchemaModel | undefined = options.priorSchema;
  const ups = sql.filter((s) => s.direction === 'up');
  const downs = sql.filter((s) => s.direction === 'down');
  const toCode = (piece: EmbeddedSql, sqlSource: SourceText, r: Range): Range =>
    mapRange(source, piece, sqlSource, r);
  const lintPiece = (piece: EmbeddedSql, prior: SchemaModel | undefined, direction?: 'down'): LintResult => {
    const value = piece.hasBindings ? neutralisePlaceholders(piece.value, language) : piece.value;
    const res = lintWith(parser, value, { ...options, priorSchema: prior, direction });
    for (const f of res.findings) {
      const { fix: _fix, suggestions: _suggestions, ...rest } = f;
      findings.push({ ...rest, range: toCode(piece, res.source, f.range) });
    }
    for (const st of res.statements) statements.push({ ...st, range: toCode(piece, res.source, st.range) });
    return res;
  };
  for (const piece of ups) schema = lintPiece(piece, schema).schemaAfter;
  const afterUp = schema;
  for (const piece of downs) lintPiece(piece, afterUp, 'down');
  findings.sort((a, b) => a.range.start - b.range.start || a.rule.localeCompare(b.rule));
  statements.sort((a, b) => a.range.start - b.range.start);
  return {
    language,
    findings,
    source,
    statements,
    schemaAfter: schema ?? lintWith(parser, '', options).schemaAfter,
    linted: sql.length,
    skipped: skipped.map((s) => ({
      call: s.call,
      reason: s.reason,
      range: { start: source.byteOffset(s.start), end: source.byteOffset(s.end) },
    })),
  };
}

/** A byte range of the literal's value → a byte range of the code file. */
function mapRange(code: SourceText, piece: EmbeddedSql, sqlSource: SourceText, r: Range): Range {
  const n = piece.starts.length;
  if (n === 0) return { start: code.byteOffset(piece.start), end: code.byteOffset(piece.end) };
  const s = Math.min(sqlSource.utf16Offset(r.start), n - 1);
  const e = sqlSource.utf16Offset(r.end);
  const start = piece.starts[s];
  const end = e <= 0 ? piece.starts[0] : piece.ends[Math.min(e, n) - 1];
  return { start: code.byteOffset(start), end: code.byteOffset(Math.max(start, end)) };
}

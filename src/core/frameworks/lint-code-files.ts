/** Code migrations (.py/.rb/.js/.ts/.cs) linted for the CLI, each file's SQL strings in the order they run. */
import { readFileSync } from 'node:fs';
import { relative, sep } from 'node:path';
import type { FileLintResult } from '../lint/lint-files';
import type { LintOptions } from '../lint/types';
import { loadParser } from '../sql/parser';
import { codeLanguageOf, lintCode, type CodeLintResult } from './lint-code';

export type CodeFileLintResult = FileLintResult & Pick<CodeLintResult, 'skipped' | 'linted'>;

export async function lintCodeFiles(
  files: readonly string[],
  options: LintOptions,
): Promise<CodeFileLintResult[]> {
  const parser = await loadParser();
  return files.map((file) => {
    const lang = codeLanguageOf(file)!;
    const res = lintCode(parser, readFileSync(file).toString('utf8'), lang, options);
    return { ...res, file };
  });
}

/** One line per SQL string pgshift could not lint (interpolated), so nobody takes silence for safety. */
export function skippedNotes(r: CodeFileLintResult, cwd: string): string {
  const file = relative(cwd, r.file).split(sep).join('/') || r.file;
  return r.skipped
    .map((s) => {
      const p = r.source.positionAt(s.range.start);
      return `${file}:${p.line + 1}:${p.character + 1}: note: ${s.reason}\n`;
    })
    .join('');
}

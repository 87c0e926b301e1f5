/** The one place where core byte ranges become editor ranges (UTF-16 positions) and back. */
import * as vscode from 'vscode';
import type { Range } from '../core/lint/types';
import type { SourceText } from '../core/sql/source';

export function toVsRange(source: SourceText, range: Range): vscode.Range {
  const s = source.positionAt(range.start);
  const e = source.positionAt(range.end);
  return new vscode.Range(s.line, s.character, e.line, e.character);
}

export function toByteOffset(source: SourceText, pos: vscode.Position): number {
  return source.offsetAt({ line: pos.line, character: pos.character });
}

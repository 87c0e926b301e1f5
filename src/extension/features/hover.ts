/** The hover over a flagged statement: the full explanation (lock, what waits, the safe rewrite) and the doc link. */
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { toByteOffset } from '../positions';
import { ruleDocUri } from './diagnostics';
import type { LintService } from './lint-service';

export class RiskHoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly ctx: Ctx,
    private readonly lint: LintService,
  ) {}

  async provideHover(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.Hover | undefined> {
    if (!this.lint.wants(doc)) return undefined;
    const res = this.lint.get(doc) ?? (await this.lint.lint(doc));
    if (!res) return undefined;
    const { source, findings, statements } = res.result;
    const at = toByteOffset(source, pos);
    // the finding's own range, or anywhere on the statement it belongs to
    const hits = findings.filter((f) => {
      if (at >= f.range.start && at <= f.range.end) return true;
      const stmt = statements.find(
        (s) => s.origin === 'top' && f.range.start >= s.range.start && f.range.start <= s.range.end,
      );
      return !!stmt && at >= stmt.range.start && at <= stmt.range.end;
    });
    if (hits.length === 0) return undefined;
    const md = new vscode.MarkdownString(undefined, true);
    md.supportThemeIcons = true;
    hits.forEach((f, i) => {
      if (i > 0) md.appendMarkdown('\n\n---\n\n');
      const icon = f.severity === 'error' ? '$(error)' : f.severity === 'warning' ? '$(warning)' : '$(info)';
      md.appendMarkdown(`${icon} **${escape(f.message)}**\n\n`);
      md.appendMarkdown(`${f.help}\n\n`);
      md.appendMarkdown(`[${f.rule}](${ruleDocUri(this.ctx, f.rule).toString()}) · ${f.severity}`);
    });
    return new vscode.Hover(md);
  }
}

function escape(s: string): string {
  return s.replace(/[\\`*_{}[\]<>#|]/g, '\\$&');
}

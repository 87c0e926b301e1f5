/** Renders findings for people (compiler-style text with a code frame) and machines (json, sarif, github). */
import { relative, sep } from 'node:path';
import type { SourceText } from '../sql/source';
import { allRules } from './rules';
import type { Finding, Severity } from './types';

export interface FileFindings {
  file: string;
  source: SourceText;
  findings: Finding[];
}

const DOCS_BASE = 'docs/rules';

export function docsPath(rule: string): string {
  return `${DOCS_BASE}/${rule}.md`;
}

interface Located {
  file: string;
  f: Finding;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

function locate(ff: FileFindings, cwd: string): Located[] {
  const file = relative(cwd, ff.file).split(sep).join('/') || ff.file;
  return ff.findings.map((f) => {
    const s = ff.source.positionAt(f.range.start);
    const e = ff.source.positionAt(f.range.end);
    return {
      file,
      f,
      line: s.line + 1,
      column: s.character + 1,
      endLine: e.line + 1,
      endColumn: e.character + 1,
    };
  });
}

const COLORS: Record<Severity, string> = {
  error: '\x1b[31m',
  warning: '\x1b[33m',
  info: '\x1b[36m',
  hint: '\x1b[2m',
};

export function formatText(results: FileFindings[], cwd: string, color: boolean): string {
  const paint = (code: string, s: string): string => (color ? `${code}${s}\x1b[0m` : s);
  const out: string[] = [];
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0, hint: 0 };
  for (const ff of results) {
    const lines = ff.source.text.split(/\r?\n|\r/);
    for (const l of locate(ff, cwd)) {
      counts[l.f.severity]++;
      out.push(
        `${paint('\x1b[1m', `${l.file}:${l.line}:${l.column}`)}: ${paint(COLORS[l.f.severity], l.f.severity)}: ${l.f.message} ${paint('\x1b[2m', `[${l.f.rule}]`)}`,
      );
      const text = lines[l.line - 1] ?? '';
      const gutter = String(l.line).length;
      out.push(`${' '.repeat(gutter)} |`);
      out.push(`${l.line} | ${text}`);
      const width =
        l.endLine === l.line ? Math.max(1, l.endColumn - l.column) : Math.max(1, text.length - l.column + 1);
      out.push(
        `${' '.repeat(gutter)} | ${' '.repeat(l.column - 1)}${paint(COLORS[l.f.severity], '^'.repeat(width))}`,
      );
      const help = firstParagraph(l.f.help);
      if (help) out.push(`${' '.repeat(gutter)} = help: ${help}`);
      out.push(`${' '.repeat(gutter)} = docs: ${docsPath(l.f.rule)}`);
      out.push('');
    }
  }
  const total = counts.error + counts.warning + counts.info + counts.hint;
  const files = results.length;
  out.push(
    total === 0
      ? `checked ${files} file${files === 1 ? '' : 's'}: no problems found`
      : `checked ${files} file${files === 1 ? '' : 's'}: ${counts.error} error${counts.error === 1 ? '' : 's'}, ${counts.warning} warning${counts.warning === 1 ? '' : 's'}, ${counts.info} info, ${counts.hint} hint${counts.hint === 1 ? '' : 's'}`,
  );
  return out.join('\n') + '\n';
}

function firstParagraph(md: string): string {
  const p = md.split(/\n\s*\n/)[0] ?? '';
  return p.replace(/\*\*/g, '').replace(/`/g, '').replace(/\s+/g, ' ').trim();
}

export function formatJson(results: FileFindings[], cwd: string): string {
  const findings = results.flatMap((ff) =>
    locate(ff, cwd).map((l) => ({
      file: l.file,
      rule: l.f.rule,
      severity: l.f.severity,
      line: l.line,
      column: l.column,
      endLine: l.endLine,
      endColumn: l.endColumn,
      message: l.f.message,
      help: l.f.help,
    })),
  );
  return JSON.stringify({ findings, files: results.length }, null, 2) + '\n';
}

/** GitHub Actions workflow commands: annotations on the pull request. */
export function formatGithub(results: FileFindings[], cwd: string): string {
  const esc = (s: string): string => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const escProp = (s: string): string => esc(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const level: Record<Severity, string> = {
    error: 'error',
    warning: 'warning',
    info: 'notice',
    hint: 'notice',
  };
  return (
    results
      .flatMap((ff) =>
        locate(ff, cwd).map(
          (l) =>
            `::${level[l.f.severity]} file=${escProp(l.file)},line=${l.line},col=${l.column},endLine=${l.endLine},endColumn=${l.endColumn},title=${escProp(`pgshift ${l.f.rule}`)}::${esc(l.f.message)}`,
        ),
      )
      .join('\n') + (results.some((r) => r.findings.length) ? '\n' : '')
  );
}

export function formatSarif(results: FileFindings[], cwd: string, toolVersion: string): string {
  const usedRules = [...new Set(results.flatMap((r) => r.findings.map((f) => f.rule)))].sort();
  const rules = usedRules.map((id) => {
    const meta = allRules.find((r) => r.meta.id === id)?.meta;
    return {
      id,
      name: id,
      shortDescription: { text: meta?.description ?? id },
      helpUri: `https://github.com/pgshift/pgshift/blob/main/${docsPath(id)}`,
      defaultConfiguration: { level: sarifLevel(meta?.defaultSeverity ?? 'warning') },
    };
  });
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'pgshift',
            version: toolVersion,
            informationUri: 'https://github.com/pgshift/pgshift',
            rules,
          },
        },
        results: results.flatMap((ff) =>
          locate(ff, cwd).map((l) => ({
            ruleId: l.f.rule,
            ruleIndex: usedRules.indexOf(l.f.rule),
            level: sarifLevel(l.f.severity),
            message: { text: l.f.message },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: encodeURI(l.file) },
                  region: {
                    startLine: l.line,
                    startColumn: l.column,
                    endLine: l.endLine,
                    endColumn: l.endColumn,
                  },
                },
              },
            ],
          })),
        ),
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}

function sarifLevel(s: Severity): 'error' | 'warning' | 'note' {
  return s === 'error' ? 'error' : s === 'warning' ? 'warning' : 'note';
}
